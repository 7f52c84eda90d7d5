import EndToEnd
import EndToEndData
import EndToEndNN

/// Multinomial logistic regression on standardized features, the classic classifier that
/// pipelines fit on their measured features, fitted through ``Trainer``.
///
/// The features are standardized with the training set's mean and (population) standard
/// deviation; the model is a linear layer with zero initial weights, and the objective is
/// the mean cross-entropy plus `l2 · ‖W‖²` (the bias is not penalized), minimized by
/// full-batch Adam. For two classes this is scikit-learn's
/// `LogisticRegression(C=C)` after a `StandardScaler` with `l2 = 1 / (C · N)`: the softmax
/// pair's minimum-norm weights are ±w/2, so its penalty is half of ‖w‖².
///
/// ```swift
/// let lr = LogisticRegression(features: 6)
/// try lr.fit(features, labels: y)
/// let p = try lr.probabilities(testFeatures)   // [N, 2]
/// ```
public final class LogisticRegression {
    public let features: Int
    public let classes: Int
    public let l2: Double
    public let linear: Linear
    /// The standardization fitted by ``fit(_:labels:steps:learningRate:seed:)``.
    public private(set) var mean: [Float]
    public private(set) var scale: [Float]

    public init(features: Int, classes: Int = 2, l2: Double = 1e-3) {
        precondition(features > 0 && classes >= 2 && l2 >= 0, "LogisticRegression: need features > 0, classes >= 2, l2 >= 0")
        self.features = features
        self.classes = classes
        self.l2 = l2
        linear = Linear(weight: Tensor.zeros([classes, features]), bias: Tensor.zeros([classes]))
        mean = [Float](repeating: 0, count: features)
        scale = [Float](repeating: 1, count: features)
    }

    /// Learned numbers: weights, biases and the standardization's means and scales.
    public var parameterCount: Int { linear.parameterCount + 2 * features }

    /// Fits on `x` `[N, features]` with `labels` in `0..<classes`.
    ///
    /// - Throws: ``TrainerError`` on a shape or label mismatch.
    @discardableResult
    public func fit(_ x: Tensor, labels: [Int], steps: Int = 500, learningRate: Double = 0.05, seed: UInt64 = 0) throws -> TrainingSummary {
        try check(x)
        guard labels.count == x.shape[0], x.shape[0] > 0 else {
            throw TrainerError("LogisticRegression.fit: \(x.shape[0]) rows but \(labels.count) labels")
        }
        if let bad = labels.first(where: { !(0..<classes).contains($0) }) {
            throw TrainerError("LogisticRegression.fit: label \(bad) is out of range for \(classes) classes")
        }
        let n = x.shape[0]
        let v = x.contiguous().scalars
        for j in 0..<features {
            var s = 0.0, s2 = 0.0
            for i in 0..<n { let a = Double(v[i * features + j]); s += a; s2 += a * a }
            let m = s / Double(n)
            let sd = (max(0, s2 / Double(n) - m * m)).squareRoot()
            mean[j] = Float(m)
            scale[j] = sd > 1e-12 ? Float(sd) : 1
        }
        let data = try TensorDataset(inputs: standardized(x), labels: IntTensor(labels))
        let loader = DataLoader(data, batchSize: n, shuffle: false, seed: seed, prefetch: 0)
        let weight = linear.weight, l2 = Float(l2)
        let trainer = try Trainer(model: linear, optimizer: Adam(linear.parameters(), learningRate: Float(learningRate)),
                                  loss: { out, batch in Trainer.crossEntropy(out, batch) + weight.value.square().sum() * l2 },
                                  seed: seed)
        return try trainer.fit(train: loader, steps: steps)
    }

    /// Class probabilities `[N, classes]`.
    public func probabilities(_ x: Tensor) throws -> Tensor {
        try check(x)
        return withNoGrad { linear(standardized(x)).softmax(axis: 1) }
    }

    func standardized(_ x: Tensor) -> Tensor {
        (x - Tensor(shape: [1, features], scalars: mean)) / Tensor(shape: [1, features], scalars: scale)
    }

    func check(_ x: Tensor) throws {
        guard x.rank == 2, x.shape[1] == features else {
            throw TrainerError("LogisticRegression: expected features [N, \(features)], got shape \(x.shape)")
        }
    }
}
