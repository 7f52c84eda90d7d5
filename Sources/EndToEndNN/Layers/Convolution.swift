import EndToEnd

/// 2-D convolution over `[N, C, H, W]` (PyTorch's `Conv2d`): weight `[out, in/groups, kH, kW]`.
public final class Conv2d: Module, @unchecked Sendable {
    public let weight: Parameter
    public let bias: Parameter?
    public let inChannels: Int, outChannels: Int
    public let kernelSize: (Int, Int), stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int)
    public let groups: Int

    /// PyTorch's default initialization (Kaiming uniform with a = √5; bias ±1/√fan_in).
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
                padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1, bias: Bool = true) {
        precondition(inChannels > 0 && outChannels > 0 && groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
                     "Conv2d: channels \(inChannels) -> \(outChannels) must be positive and divisible by groups \(groups)")
        precondition(kernelSize.0 > 0 && kernelSize.1 > 0, "Conv2d: kernel size must be positive, got \(kernelSize)")
        self.inChannels = inChannels; self.outChannels = outChannels; self.kernelSize = kernelSize
        self.stride = stride; self.padding = padding; self.dilation = dilation; self.groups = groups
        let shape = [outChannels, inChannels / groups, kernelSize.0, kernelSize.1]
        weight = Parameter(Initializer.kaimingUniform(shape, a: Float(5).squareRoot()))
        let bound = 1 / Float(Initializer.fans(shape).fanIn).squareRoot()
        self.bias = bias ? Parameter(Initializer.uniform([outChannels], bound: bound)) : nil
        super.init()
    }

    /// Square kernel, stride, padding and dilation.
    public convenience init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                            dilation: Int = 1, groups: Int = 1, bias: Bool = true) {
        self.init(inChannels, outChannels, kernelSize: (kernelSize, kernelSize), stride: (stride, stride),
                  padding: (padding, padding), dilation: (dilation, dilation), groups: groups, bias: bias)
    }

    public override func forward(_ x: Tensor) -> Tensor {
        x.conv2d(weight.value, bias: bias?.value, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }

    public override var summary: String {
        "Conv2d(\(inChannels) -> \(outChannels), kernel \(kernelSize.0)x\(kernelSize.1), stride \(stride.0)x\(stride.1), padding \(padding.0)x\(padding.1)\(groups > 1 ? ", groups \(groups)" : ""))"
    }
}

/// 1-D convolution over `[N, C, L]` (PyTorch's `Conv1d`): weight `[out, in/groups, k]`.
public final class Conv1d: Module, @unchecked Sendable {
    public let weight: Parameter
    public let bias: Parameter?
    public let inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int, padding: Int, dilation: Int, groups: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                dilation: Int = 1, groups: Int = 1, bias: Bool = true) {
        precondition(inChannels > 0 && outChannels > 0 && groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
                     "Conv1d: channels \(inChannels) -> \(outChannels) must be positive and divisible by groups \(groups)")
        precondition(kernelSize > 0, "Conv1d: kernel size must be positive")
        self.inChannels = inChannels; self.outChannels = outChannels; self.kernelSize = kernelSize
        self.stride = stride; self.padding = padding; self.dilation = dilation; self.groups = groups
        let shape = [outChannels, inChannels / groups, kernelSize]
        weight = Parameter(Initializer.kaimingUniform(shape, a: Float(5).squareRoot()))
        let bound = 1 / Float(Initializer.fans(shape).fanIn).squareRoot()
        self.bias = bias ? Parameter(Initializer.uniform([outChannels], bound: bound)) : nil
        super.init()
    }

    public override func forward(_ x: Tensor) -> Tensor {
        x.conv1d(weight.value, bias: bias?.value, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }

    public override var summary: String { "Conv1d(\(inChannels) -> \(outChannels), kernel \(kernelSize))" }
}
