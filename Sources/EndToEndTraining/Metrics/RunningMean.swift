import EndToEnd

/// A weighted running mean, for the loss: `sum(weight * value) / sum(weight)`.
///
/// Weight each batch's mean loss by its batch size so that the result equals the mean
/// over all samples regardless of a smaller last batch:
///
/// ```swift
/// let loss = RunningMean()
/// loss.update(Double(batchLoss.item), weight: Double(batchSize))
/// loss.compute()   // NaN until something with positive weight has been added
/// ```
public final class RunningMean: Metric {
    public let name: String
    /// Sum of `weight * value`.
    public internal(set) var weightedSum = 0.0
    /// Sum of weights.
    public internal(set) var totalWeight = 0.0

    public init(name: String = "loss") { self.name = name }

    /// Adds `value` with a non-negative, finite `weight` (traps otherwise).
    public func update(_ value: Double, weight: Double = 1) {
        precondition(weight >= 0 && weight.isFinite, "RunningMean.update: weight must be finite and non-negative, got \(weight)")
        weightedSum += value * weight
        totalWeight += weight
    }

    /// Adds the value of a one-element tensor (for example a loss) with `weight`.
    public func update(_ value: Tensor, weight: Double = 1) {
        update(Double(value.item), weight: weight)
    }

    public func reset() { weightedSum = 0; totalWeight = 0 }

    /// The weighted mean; NaN when the total weight is 0.
    public func compute() -> Double { totalWeight == 0 ? .nan : weightedSum / totalWeight }
}

/// A bias-corrected exponential moving average, for smoothed progress display.
///
/// After values `x1 ... xt` it reports `m_t / (1 - decay^t)` where
/// `m_t = decay * m_{t-1} + (1 - decay) * x_t`, `m_0 = 0` (the correction used by Adam
/// and tqdm), so the first value is reported exactly and early values are not pulled
/// toward zero. `decay = 0` reports the last value; values near 1 smooth more.
public final class ExponentialMovingAverage: Metric {
    public let name: String
    /// Weight kept from the previous average, in `[0, 1)`.
    public let decay: Double
    var biased = 0.0
    var correction = 1.0   // decay^t
    /// Number of values seen since the last reset.
    public internal(set) var count = 0

    /// - Parameter decay: in `[0, 1)` (traps otherwise).
    public init(decay: Double = 0.9, name: String = "loss_ema") {
        precondition(decay >= 0 && decay < 1, "ExponentialMovingAverage: decay must be in [0, 1), got \(decay)")
        self.decay = decay
        self.name = name
    }

    public func update(_ value: Double) {
        biased = decay * biased + (1 - decay) * value
        correction *= decay
        count += 1
    }

    public func reset() { biased = 0; correction = 1; count = 0 }

    /// The bias-corrected average; NaN before the first value.
    public func compute() -> Double { count == 0 ? .nan : biased / (1 - correction) }
}

// MARK: - Registry and metric sets

/// Creates metrics from the names used in configuration files.
///
/// | name | metric |
/// |---|---|
/// | `accuracy` | ``Accuracy`` |
/// | `top<k>_accuracy`, e.g. `top5_accuracy` | ``TopKAccuracy`` |
/// | `precision`, `recall`, `f1` | binary, positive class 1 |
/// | `precision_<avg>`, `recall_<avg>`, `f1_<avg>`; `<avg>` = `macro`, `micro`, `weighted` | ``Precision``, ``Recall``, ``F1Score`` |
/// | `roc_auc` | ``ROCAUC`` |
/// | `confusion_matrix` | ``ConfusionMatrix`` (needs `classes`) |
/// | `mse`, `rmse`, `mae` | ``MeanSquaredError``, ``MeanAbsoluteError`` |
/// | `loss` | ``RunningMean`` |
///
/// Names are matched case-insensitively after trimming spaces; `-` is read as `_`.
public enum MetricRegistry {
    /// The accepted names (with `top<k>_accuracy` standing for any positive `k`).
    public static let validNames: [String] = [
        "accuracy", "top<k>_accuracy",
        "precision", "precision_macro", "precision_micro", "precision_weighted",
        "recall", "recall_macro", "recall_micro", "recall_weighted",
        "f1", "f1_macro", "f1_micro", "f1_weighted",
        "roc_auc", "confusion_matrix", "mse", "rmse", "mae", "loss",
    ]

    /// A new metric for `name`.
    ///
    /// - Parameter classes: the number of classes, required by `confusion_matrix` and
    ///   used to fix the class count of precision/recall/F1 and ROC AUC when given.
    /// - Throws: ``MetricError`` for an unknown name (listing ``validNames``), a bad `k`, or
    ///   `confusion_matrix` without `classes`.
    public static func make(_ name: String, classes: Int? = nil) throws(MetricError) -> any Metric {
        let key = name.trimmingSpaces.lowercased().replacingAll("-", with: "_")
        let averages: [String: Average] = ["macro": .macro, "micro": .micro, "weighted": .weighted, "binary": .binary(positiveClass: 1)]
        func split(_ prefix: String) -> Average? {
            if key == prefix { return .binary(positiveClass: 1) }
            guard key.hasPrefix(prefix + "_") else { return nil }
            return averages[String(key.dropFirst(prefix.count + 1))]
        }
        switch key {
        case "accuracy", "acc": return Accuracy()
        case "roc_auc", "auroc", "auc": return ROCAUC(classes: classes)
        case "mse": return MeanSquaredError()
        case "rmse": return MeanSquaredError(squared: false)
        case "mae": return MeanAbsoluteError()
        case "loss": return RunningMean()
        case "confusion_matrix":
            guard let c = classes, c >= 1 else {
                throw MetricError("MetricRegistry.make", "\"confusion_matrix\" needs the number of classes")
            }
            return ConfusionMatrix(classes: c)
        default: break
        }
        if let a = split("precision") { return Precision(classes: classes, average: a) }
        if let a = split("recall") { return Recall(classes: classes, average: a) }
        if let a = split("f1") { return F1Score(classes: classes, average: a) }
        if key.hasPrefix("top"), key.hasSuffix("_accuracy") {
            let digits = key.dropFirst(3).dropLast("_accuracy".count)
            guard let k = Int(digits), k >= 1 else {
                throw MetricError("MetricRegistry.make", "\"\(name)\": k in top<k>_accuracy must be a positive integer")
            }
            return TopKAccuracy(k: k)
        }
        throw MetricError("MetricRegistry.make", "unknown metric \"\(name)\"; valid names: \(validNames.joined(separator: ", "))")
    }
}

/// A named group of metrics updated together, e.g. from a configuration file's list.
///
/// ```swift
/// let metrics = try MetricSet(names: ["loss", "accuracy", "f1_macro"], classes: 10)
/// metrics.update(loss: Double(loss.item), weight: Double(batch))
/// try metrics.update(logits, labels: labels)
/// print(metrics.compute())   // [("loss", ...), ("accuracy", ...), ("f1_macro", ...)]
/// ```
///
/// Each update goes to the members that accept it: scores and labels to
/// ``ClassificationMetric``s, prediction and target to ``RegressionMetric``s, losses to
/// ``RunningMean``s.
public final class MetricSet {
    /// The metrics, in the order given.
    public private(set) var metrics: [any Metric]

    public init(_ metrics: [any Metric]) { self.metrics = metrics }

    /// Metrics created by ``MetricRegistry/make(_:classes:)``; throws on the first bad name.
    public convenience init(names: [String], classes: Int? = nil) throws(MetricError) {
        var ms: [any Metric] = []
        for n in names { ms.append(try MetricRegistry.make(n, classes: classes)) }
        self.init(ms)
    }

    /// The member named `name`, if any.
    public subscript(name: String) -> (any Metric)? { metrics.first { $0.name == name } }

    /// Updates every classification metric; stops at (and throws) the first error.
    public func update(_ scores: Tensor, labels: IntTensor) throws(MetricError) {
        for case let m as any ClassificationMetric in metrics { try m.update(scores, labels: labels) }
    }

    /// Updates every regression metric; stops at (and throws) the first error.
    public func update(_ prediction: Tensor, target: Tensor) throws(MetricError) {
        for case let m as any RegressionMetric in metrics { try m.update(prediction, target: target) }
    }

    /// Updates every ``RunningMean``.
    public func update(loss: Double, weight: Double = 1) {
        for case let m as RunningMean in metrics { m.update(loss, weight: weight) }
    }

    public func reset() { for m in metrics { m.reset() } }

    /// `(name, value)` of every metric, in order.
    public func compute() -> [(name: String, value: Double)] { metrics.map { ($0.name, $0.compute()) } }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop(while: { $0.isWhitespace }).reversed().drop(while: { $0.isWhitespace }).reversed())
    }

    fileprivate func replacingAll(_ a: Character, with b: Character) -> String {
        String(map { $0 == a ? b : $0 })
    }
}
