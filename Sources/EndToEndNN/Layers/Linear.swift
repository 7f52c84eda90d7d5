import EndToEnd

/// `y = x·Wᵀ + b` over the last dimension, like `torch.nn.Linear`.
///
/// The weight is stored `[out, in]` as in PyTorch, so state dicts load unchanged; the
/// transpose is a view that GEMM reads with a transpose flag, not a copy.
public final class Linear: Module, @unchecked Sendable {
    /// Weight of shape `[outFeatures, inFeatures]`.
    public let weight: Parameter
    /// Bias of shape `[outFeatures]`, if any.
    public let bias: Parameter?
    public let inFeatures: Int
    public let outFeatures: Int

    /// PyTorch's default initialization: weight and bias uniform in ±1/√inFeatures.
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true) {
        precondition(inFeatures > 0 && outFeatures > 0, "Linear: features must be positive, got \(inFeatures) -> \(outFeatures)")
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = Parameter(Initializer.kaimingUniform([outFeatures, inFeatures], a: Float(5).squareRoot()))
        let bound = 1 / Float(inFeatures).squareRoot()
        self.bias = bias ? Parameter(Initializer.uniform([outFeatures], bound: bound)) : nil
        super.init()
    }

    /// A layer with the given weight `[out, in]` and optional bias `[out]`.
    public init(weight: Tensor, bias: Tensor? = nil) {
        precondition(weight.rank == 2, "Linear: weight must be [out, in], got \(shapeText(weight.shape))")
        outFeatures = weight.shape[0]
        inFeatures = weight.shape[1]
        if let bias { precondition(bias.shape == [outFeatures], "Linear: bias must be [\(outFeatures)], got \(shapeText(bias.shape))") }
        self.weight = Parameter(weight)
        self.bias = bias.map { Parameter($0) }
        super.init()
    }

    public override func forward(_ x: Tensor) -> Tensor {
        checkInput(x)
        // One fused op (GEMM with the bias as its initial value), not matmul + broadcast add.
        return x.linear(weight: weight.value, bias: bias?.value)
    }

    func checkInput(_ x: Tensor) {
        guard x.shape.last == inFeatures else {
            fatalError("Linear(\(inFeatures) -> \(outFeatures)): input of shape \(shapeText(x.shape)) has last dimension \(x.shape.last.map(String.init) ?? "none"), expected \(inFeatures)")
        }
    }

    public override var summary: String { "Linear(\(inFeatures) -> \(outFeatures)\(bias == nil ? ", no bias" : ""))" }
}
