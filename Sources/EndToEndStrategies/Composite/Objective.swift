import EndToEnd
import EndToEndNN

/// What an output, or an intermediate interface, is trained to predict and how it is scored.
///
/// Targets are float tensors: class indices for ``crossEntropy``, 0/1 labels for ``hinge``
/// and ``logistic``, values for ``mse``. The output is reshaped to line up with the target:
/// `[N..., C]` against `[N...]` for cross-entropy, the target's own shape otherwise (so a
/// per-image score `[B, k, 1]` is compared with per-image labels `[B, k]`).
public enum Objective: String, Sendable, Equatable, CaseIterable {
    /// Softmax cross-entropy over the last axis; target = class index.
    case crossEntropy = "cross_entropy"
    /// Hinge loss `max(0, 1 − y·s)` with `y = 2·label − 1`; predicts 1 when `s > 0`.
    case hinge
    /// Binary cross-entropy on logits; predicts 1 when the logit is positive.
    case logistic
    /// Mean squared error (no accuracy).
    case mse

    /// Whether ``correct(_:_:)`` is defined (an accuracy can be reported).
    public var isClassification: Bool { self != .mse }

    /// The mean loss of `output` against `target`.
    public func loss(_ output: Tensor, _ target: Tensor) -> Tensor {
        switch self {
        case .crossEntropy:
            let (logits, classes) = Self.classificationView(output, target)
            return Loss.crossEntropy(logits, classes)
        case .hinge:
            return Loss.hinge(Self.aligned(output, target), target * 2 - 1)
        case .logistic:
            return Loss.binaryCrossEntropyWithLogits(Self.aligned(output, target), target)
        case .mse:
            return Loss.mse(Self.aligned(output, target), target)
        }
    }

    /// Number of correct predictions and number of predictions (0, 0 for ``mse``).
    public func correct(_ output: Tensor, _ target: Tensor) -> (correct: Int, total: Int) {
        let t = target.scalars
        switch self {
        case .crossEntropy:
            let (logits, classes) = Self.classificationView(output, target)
            let predicted = logits.argmax(axis: -1).scalars
            return (zip(predicted, classes.scalars).filter { $0 == $1 }.count, predicted.count)
        case .hinge, .logistic:
            let s = Self.aligned(output, target).scalars
            return (zip(s, t).filter { ($0 > 0) == ($1 > 0.5) }.count, s.count)
        case .mse:
            return (0, 0)
        }
    }

    /// Maps outputs to probabilities (softmax, sigmoid, or unchanged for ``mse``), the space in
    /// which ensemble members are averaged.
    public func probabilities(_ output: Tensor) -> Tensor {
        switch self {
        case .crossEntropy: return output.softmax(axis: -1)
        case .hinge, .logistic: return output.sigmoid()
        case .mse: return output
        }
    }

    /// The inverse of ``probabilities(_:)`` up to a constant: an output whose probabilities are
    /// `p` (log for softmax, logit for sigmoid). Clamped away from 0 and 1.
    public func output(fromProbabilities p: Tensor) -> Tensor {
        switch self {
        case .crossEntropy: return p.clamped(min: 1e-12).log()
        case .hinge, .logistic:
            let q = p.clamped(min: 1e-7, max: 1 - 1e-7)
            return q.log() - (1 - q).log()
        case .mse: return p
        }
    }

    static func aligned(_ output: Tensor, _ target: Tensor) -> Tensor {
        precondition(output.count == target.count,
                     "Objective: output of shape \(output.shape) does not line up with target of shape \(target.shape)")
        return output.shape == target.shape ? output : output.reshaped(target.shape)
    }

    static func classificationView(_ output: Tensor, _ target: Tensor) -> (Tensor, IntTensor) {
        let c = output.shape.last ?? 1
        precondition(output.count == target.count * c,
                     "Objective: logits of shape \(output.shape) do not line up with class targets of shape \(target.shape)")
        let logits = output.rank == 2 ? output : output.reshaped([-1, c])
        return (logits, IntTensor(shape: [target.count], scalars: target.scalars.map { Int32($0) }))
    }
}
