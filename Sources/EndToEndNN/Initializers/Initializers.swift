import EndToEnd

/// Weight initializers. Each draws from the process-wide generator (``Random/seed(_:)``),
/// like PyTorch's `torch.nn.init`, so seeding once makes a whole model reproducible.
public enum Initializer {
    /// Fan-in and fan-out of a weight of shape `[out, in, k...]` (PyTorch's convention).
    public static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        guard shape.count >= 2 else { return (shape.first ?? 1, shape.first ?? 1) }
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// Uniform in `[-bound, bound]`.
    public static func uniform(_ shape: [Int], bound: Float) -> Tensor {
        Random.withGenerator { Tensor.uniform(shape, low: -bound, high: bound, using: &$0) }
    }

    /// Normal with the given standard deviation.
    public static func normal(_ shape: [Int], std: Float) -> Tensor {
        Random.withGenerator { Tensor.normal(shape, std: std, using: &$0) }
    }

    /// Kaiming (He) uniform: bound = gain·√(3 / fan_in), gain = √(2 / (1 + a²)).
    /// With `a = √5` this is PyTorch's default for `Linear` and `Conv` weights.
    public static func kaimingUniform(_ shape: [Int], a: Float = 0) -> Tensor {
        let gain = (2 / (1 + a * a)).squareRoot()
        return uniform(shape, bound: gain * (3 / Float(max(fans(shape).fanIn, 1))).squareRoot())
    }

    /// Kaiming (He) normal: std = √(2 / fan_in), for ReLU networks.
    public static func kaimingNormal(_ shape: [Int]) -> Tensor {
        normal(shape, std: (2 / Float(max(fans(shape).fanIn, 1))).squareRoot())
    }

    /// Xavier (Glorot) uniform: bound = gain·√(6 / (fan_in + fan_out)).
    public static func xavierUniform(_ shape: [Int], gain: Float = 1) -> Tensor {
        let (i, o) = fans(shape)
        return uniform(shape, bound: gain * (6 / Float(max(i + o, 1))).squareRoot())
    }

    /// Xavier (Glorot) normal: std = gain·√(2 / (fan_in + fan_out)).
    public static func xavierNormal(_ shape: [Int], gain: Float = 1) -> Tensor {
        let (i, o) = fans(shape)
        return normal(shape, std: gain * (2 / Float(max(i + o, 1))).squareRoot())
    }

    /// Normal redrawn beyond two standard deviations.
    public static func truncatedNormal(_ shape: [Int], std: Float) -> Tensor {
        Random.withGenerator { Tensor.truncatedNormal(shape, std: std, using: &$0) }
    }
}
