import EndToEnd

/// Activation functions as modules, for use in ``Sequential``.
public final class ReLU: Module, @unchecked Sendable {
    public override func forward(_ x: Tensor) -> Tensor { x.relu() }
}

/// Leaky ReLU with a fixed negative slope.
public final class LeakyReLU: Module, @unchecked Sendable {
    public let negativeSlope: Float
    public init(negativeSlope: Float = 0.01) { self.negativeSlope = negativeSlope; super.init() }
    public override func forward(_ x: Tensor) -> Tensor { x.leakyRelu(negativeSlope: negativeSlope) }
    public override var summary: String { "LeakyReLU(\(negativeSlope))" }
}

/// Hyperbolic tangent.
public final class Tanh: Module, @unchecked Sendable {
    public override func forward(_ x: Tensor) -> Tensor { x.tanh() }
}

/// Logistic sigmoid.
public final class Sigmoid: Module, @unchecked Sendable {
    public override func forward(_ x: Tensor) -> Tensor { x.sigmoid() }
}

/// GELU, exact or tanh-approximated.
public final class GELU: Module, @unchecked Sendable {
    public let approximate: Bool
    public init(approximate: Bool = false) { self.approximate = approximate; super.init() }
    public override func forward(_ x: Tensor) -> Tensor { x.gelu(approximate: approximate) }
}

/// Softplus with PyTorch's β and threshold.
public final class Softplus: Module, @unchecked Sendable {
    public let beta: Float, threshold: Float
    public init(beta: Float = 1, threshold: Float = 20) { self.beta = beta; self.threshold = threshold; super.init() }
    public override func forward(_ x: Tensor) -> Tensor { x.softplus(beta: beta, threshold: threshold) }
}

/// Identity: returns its input.
public final class Identity: Module, @unchecked Sendable {
    public override func forward(_ x: Tensor) -> Tensor { x }
}
