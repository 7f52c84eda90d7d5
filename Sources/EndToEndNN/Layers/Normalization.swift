import EndToEnd

/// Batch normalization over the channel axis 1 (PyTorch's `BatchNorm1d` on `[N, C]` or
/// `[N, C, L]`, `BatchNorm2d` on `[N, C, H, W]`).
///
/// Training normalizes with the batch's biased variance and updates running statistics
/// with the unbiased one (`running = (1 − momentum)·running + momentum·batch`); evaluation
/// uses the running statistics.
public class BatchNorm: Module, @unchecked Sendable {
    public let features: Int
    public let epsilon: Float
    public let momentum: Float
    /// Per-channel scale (γ), if affine.
    public let weight: Parameter?
    /// Per-channel shift (β), if affine.
    public let bias: Parameter?
    public let runningMean: Buffer
    public let runningVar: Buffer
    public let numBatchesTracked: Buffer
    let allowedRanks: Set<Int>

    init(features: Int, epsilon: Float, momentum: Float, affine: Bool, ranks: Set<Int>) {
        precondition(features > 0, "BatchNorm: features must be positive")
        self.features = features; self.epsilon = epsilon; self.momentum = momentum
        weight = affine ? Parameter(Tensor.ones([features])) : nil
        bias = affine ? Parameter(Tensor.zeros([features])) : nil
        runningMean = Buffer(Tensor.zeros([features]))
        runningVar = Buffer(Tensor.ones([features]))
        numBatchesTracked = Buffer(Tensor.zeros([]))
        allowedRanks = ranks
        super.init()
    }

    public override func forward(_ x: Tensor) -> Tensor {
        guard allowedRanks.contains(x.rank), x.shape[1] == features else {
            fatalError("\(summary): input of shape \(shapeText(x.shape)) must have rank \(allowedRanks.sorted()) and \(features) channels on axis 1")
        }
        var statShape = [Int](repeating: 1, count: x.rank)
        statShape[1] = features
        let axes = [0] + Array(2..<x.rank)
        var y: Tensor
        if isTraining {
            let n = axes.reduce(1) { $0 * x.shape[$1] }
            precondition(n > 1, "\(summary): training needs more than one value per channel, got input \(shapeText(x.shape))")
            let (outer, inner) = (x.shape[0], n / x.shape[0])
            let s = if let weight, let bias {
                // γ and β inside the op (see standardized(outer:groups:inner:epsilon:scale:shift:)).
                x.standardized(outer: outer, groups: features, inner: inner, epsilon: epsilon, scale: weight.value, shift: bias.value)
            } else {
                x.standardized(outer: outer, groups: features, inner: inner, epsilon: epsilon)
            }
            y = s.output
            withNoGrad {
                let v = s.variance * (Float(n) / Float(n - 1))
                runningMean.value = runningMean.value * (1 - momentum) + s.mean * momentum
                runningVar.value = runningVar.value * (1 - momentum) + v * momentum
                numBatchesTracked.value = numBatchesTracked.value + 1
            }
        } else {
            let mean = runningMean.value.reshaped(statShape)
            let variance = runningVar.value.reshaped(statShape)
            y = (x - mean) / (variance + epsilon).sqrt()
            if let weight, let bias { y = y * weight.value.reshaped(statShape) + bias.value.reshaped(statShape) }
        }
        return y
    }

    /// PyTorch's buffer names, so state dicts load unchanged.
    public override func namedOwnBuffers() -> [(String, Buffer)] {
        [("running_mean", runningMean), ("running_var", runningVar), ("num_batches_tracked", numBatchesTracked)]
    }

    public override var summary: String { "\(type(of: self))(\(features))" }
}

/// Batch normalization for `[N, C]` or `[N, C, L]` inputs.
public final class BatchNorm1d: BatchNorm, @unchecked Sendable {
    public init(_ features: Int, epsilon: Float = 1e-5, momentum: Float = 0.1, affine: Bool = true) {
        super.init(features: features, epsilon: epsilon, momentum: momentum, affine: affine, ranks: [2, 3])
    }
}

/// Batch normalization for `[N, C, H, W]` inputs.
public final class BatchNorm2d: BatchNorm, @unchecked Sendable {
    public init(_ features: Int, epsilon: Float = 1e-5, momentum: Float = 0.1, affine: Bool = true) {
        super.init(features: features, epsilon: epsilon, momentum: momentum, affine: affine, ranks: [4])
    }
}

/// Layer normalization over the trailing `normalizedShape` dimensions (PyTorch's `LayerNorm`).
public final class LayerNorm: Module, @unchecked Sendable {
    public let normalizedShape: [Int]
    public let epsilon: Float
    public let weight: Parameter?
    public let bias: Parameter?

    public init(_ normalizedShape: [Int], epsilon: Float = 1e-5, elementwiseAffine: Bool = true) {
        precondition(!normalizedShape.isEmpty && normalizedShape.allSatisfy { $0 > 0 }, "LayerNorm: invalid shape \(normalizedShape)")
        self.normalizedShape = normalizedShape; self.epsilon = epsilon
        weight = elementwiseAffine ? Parameter(Tensor.ones(normalizedShape)) : nil
        bias = elementwiseAffine ? Parameter(Tensor.zeros(normalizedShape)) : nil
        super.init()
    }

    public convenience init(_ features: Int, epsilon: Float = 1e-5, elementwiseAffine: Bool = true) {
        self.init([features], epsilon: epsilon, elementwiseAffine: elementwiseAffine)
    }

    public override func forward(_ x: Tensor) -> Tensor {
        guard x.rank >= normalizedShape.count, Array(x.shape.suffix(normalizedShape.count)) == normalizedShape else {
            fatalError("LayerNorm(\(normalizedShape)): input of shape \(shapeText(x.shape)) does not end with \(shapeText(normalizedShape))")
        }
        if let weight, let bias { return x.layerNorm(weight: weight.value, bias: bias.value, epsilon: epsilon) }
        let d = normalizedShape.reduce(1, *)
        return x.standardized(outer: 1, groups: x.count / d, inner: d, epsilon: epsilon).output
    }

    public override var summary: String { "LayerNorm(\(normalizedShape))" }
}
