import EndToEnd

/// Zeroes each element with probability `p` in training mode and scales the rest by
/// `1/(1 − p)`; the identity in evaluation mode. Masks come from the process-wide
/// generator, so ``Random/seed(_:)`` makes them reproducible.
public final class Dropout: Module, @unchecked Sendable {
    public let p: Float

    public init(_ p: Float = 0.5) {
        precondition(p >= 0 && p < 1, "Dropout: p must be in [0, 1), got \(p)")
        self.p = p
        super.init()
    }

    public override func forward(_ x: Tensor) -> Tensor {
        guard isTraining && p > 0 else { return x }
        let mask = Tensor.bernoulli(x.shape, p: 1 - p) / (1 - p)
        return x * mask
    }

    public override var summary: String { "Dropout(\(p))" }
}
