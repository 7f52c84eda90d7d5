import EndToEnd

// MARK: - Errors and shared protocols

/// An error from a metric: inputs of the wrong shape, labels out of range, or a metric
/// name that the registry does not know. The same type as the tensor engine's errors
/// (an op name and a message naming the shapes involved).
public typealias MetricError = TensorError

/// A metric fed with model scores and integer class labels, one batch at a time.
///
/// `scores` is either `[B, C]` (logits or probabilities for `C >= 2` classes) or a single
/// score per sample, `[B]` or `[B, 1]`, for binary problems; `labels` is `[B]`.
public protocol ClassificationMetric: Metric {
    /// Accumulates one batch.
    func update(_ scores: Tensor, labels: IntTensor) throws(MetricError)
}

/// How per-class precision, recall or F1 are combined into one number.
///
/// The definitions are those of scikit-learn's `precision_score` / `recall_score` /
/// `f1_score` with `zero_division=0` (and of torchmetrics' multiclass metrics):
///
/// - ``macro``: unweighted mean over the classes that occur in the labels or the
///   predictions seen so far (classes seen in neither are left out, as scikit-learn does
///   when `labels=None`).
/// - ``micro``: computed from the summed true positives, false positives and false
///   negatives of all classes; for single-label multi-class data this equals accuracy.
/// - ``weighted``: mean of the per-class values weighted by support (number of true
///   samples of each class).
/// - ``binary(positiveClass:)``: the value for one class only (scikit-learn's
///   `average="binary", pos_label=positiveClass`).
///
/// A class with no predicted samples has precision 0, a class with no true samples has
/// recall 0, and F1 is 0 when precision + recall is 0 (scikit-learn's `zero_division=0`).
public enum Average: Equatable, Sendable, CustomStringConvertible {
    case macro
    case micro
    case weighted
    case binary(positiveClass: Int)

    /// `"macro"`, `"micro"`, `"weighted"` or `"binary"` (the suffix used in metric names).
    public var description: String {
        switch self {
        case .macro: "macro"
        case .micro: "micro"
        case .weighted: "weighted"
        case .binary: "binary"
        }
    }
}

// MARK: - Input decoding

/// Turns a batch of scores and labels into predicted and true class indices.
enum ClassificationInput {
    /// Labels `[B]` (or `[B, 1]`) as `Int`s, checked for the batch size.
    static func labels(_ labels: IntTensor, batch: Int, op: String) throws(MetricError) -> [Int] {
        let ok = labels.rank == 1 || (labels.rank == 2 && labels.shape[1] == 1)
        guard ok, labels.shape[0] == batch else {
            throw MetricError(op, "labels of shape \(labels.shape) do not match \(batch) samples; expected [\(batch)]")
        }
        return labels.scalars.map { Int($0) }
    }

    /// Whether `scores` hold one score per sample (`[B]` or `[B, 1]`).
    static func isBinaryScores(_ scores: Tensor) -> Bool {
        scores.rank == 1 || (scores.rank == 2 && scores.shape[1] == 1)
    }

    /// Predicted and true classes, and the number of classes the scores describe.
    ///
    /// `[B, C]` scores predict the first index of the row maximum (like `argmax`);
    /// `[B]` or `[B, 1]` scores predict class 1 where `score > threshold` (torchmetrics'
    /// rule), and then labels must be 0 or 1.
    static func decode(_ scores: Tensor, labels: IntTensor, threshold: Float, op: String)
        throws(MetricError) -> (predicted: [Int], actual: [Int], classes: Int)
    {
        guard scores.rank == 1 || scores.rank == 2 else {
            throw MetricError(op, "scores must be [B, C], [B, 1] or [B], got shape \(scores.shape)")
        }
        let batch = scores.shape[0]
        let actual = try Self.labels(labels, batch: batch, op: op)
        let values = scores.scalars
        if isBinaryScores(scores) {
            for y in actual where y != 0 && y != 1 {
                throw MetricError(op, "binary scores need labels 0 or 1, got \(y)")
            }
            return (values.map { $0 > threshold ? 1 : 0 }, actual, 2)
        }
        let c = scores.shape[1]
        guard c >= 1 else { throw MetricError(op, "scores of shape \(scores.shape) have no classes") }
        for y in actual where y < 0 || y >= c {
            throw MetricError(op, "label \(y) is out of range for \(c) classes (scores of shape \(scores.shape))")
        }
        var predicted = [Int](repeating: 0, count: batch)
        for i in 0..<batch {
            var best = 0
            for j in 1..<max(c, 1) where values[i * c + j] > values[i * c + best] { best = j }
            predicted[i] = best
        }
        return (predicted, actual, c)
    }

    /// Checks already-predicted classes against labels.
    static func decode(predictions: IntTensor, labels: IntTensor, op: String) throws(MetricError) -> (predicted: [Int], actual: [Int]) {
        guard predictions.rank == 1 else {
            throw MetricError(op, "predictions must be [B], got shape \(predictions.shape)")
        }
        let actual = try Self.labels(labels, batch: predictions.shape[0], op: op)
        let predicted = predictions.scalars.map { Int($0) }
        for v in predicted + actual where v < 0 {
            throw MetricError(op, "class indices must be non-negative, got \(v)")
        }
        return (predicted, actual)
    }
}

// MARK: - Accuracy

/// Fraction of samples whose predicted class equals the label (scikit-learn's
/// `accuracy_score`, torchmetrics' `Accuracy(average="micro")`).
///
/// - `[B, C]` logits or probabilities: the prediction is the first index of each row's
///   maximum (`argmax`). Softmax does not change it, so logits and probabilities agree.
/// - `[B]` or `[B, 1]` scores with 0/1 labels: the prediction is `score > threshold`.
///   The threshold applies to the raw values: use `0.5` for probabilities, `0` for logits.
///
/// ```swift
/// let acc = Accuracy()
/// try acc.update(logits, labels: labels)   // each batch
/// print(acc.compute())                     // 0.0 ... 1.0; NaN before any sample
/// ```
public final class Accuracy: ClassificationMetric {
    public let name: String
    /// Decision threshold for single-column (binary) scores.
    public let threshold: Float
    /// Number of correctly classified samples since the last reset.
    public internal(set) var correct = 0
    /// Number of samples since the last reset.
    public internal(set) var total = 0

    /// - Parameters:
    ///   - threshold: the binary decision threshold (`score > threshold` predicts 1).
    ///   - name: the name shown in logs.
    public init(threshold: Float = 0.5, name: String = "accuracy") {
        self.threshold = threshold
        self.name = name
    }

    /// Accumulates a batch of `[B, C]` scores, or `[B]` / `[B, 1]` binary scores, against
    /// labels `[B]`. Throws on mismatched shapes or out-of-range labels (nothing is added).
    public func update(_ scores: Tensor, labels: IntTensor) throws(MetricError) {
        let d = try ClassificationInput.decode(scores, labels: labels, threshold: threshold, op: "Accuracy.update")
        add(d.predicted, d.actual)
    }

    /// Accumulates predicted class indices `[B]` against labels `[B]`.
    public func update(predictions: IntTensor, labels: IntTensor) throws(MetricError) {
        let d = try ClassificationInput.decode(predictions: predictions, labels: labels, op: "Accuracy.update")
        add(d.predicted, d.actual)
    }

    private func add(_ p: [Int], _ y: [Int]) {
        for i in 0..<p.count where p[i] == y[i] { correct += 1 }
        total += p.count
    }

    public func reset() { correct = 0; total = 0 }

    /// `correct / total`, or NaN when no sample has been seen.
    public func compute() -> Double { total == 0 ? .nan : Double(correct) / Double(total) }
}

/// Fraction of samples whose label is among the `k` highest scores (scikit-learn's
/// `top_k_accuracy_score`, torchmetrics' `Accuracy(top_k=k)`).
///
/// Ties are broken toward the lower class index, the same rule as `argmax`, so
/// `TopKAccuracy(k: 1)` always equals ``Accuracy``. (scikit-learn breaks ties toward the
/// higher index, so results can differ from it only when the label's score is tied with
/// another class at the k-th place.) When `k >= C` every sample counts as correct.
public final class TopKAccuracy: ClassificationMetric {
    public let name: String
    /// How many of the highest-scoring classes count as a hit.
    public let k: Int
    public internal(set) var correct = 0
    public internal(set) var total = 0

    /// - Parameter k: a positive number of classes (traps if `k < 1`).
    public init(k: Int, name: String? = nil) {
        precondition(k >= 1, "TopKAccuracy: k must be at least 1, got \(k)")
        self.k = k
        self.name = name ?? "top\(k)_accuracy"
    }

    /// Accumulates `[B, C]` scores against labels `[B]`.
    public func update(_ scores: Tensor, labels: IntTensor) throws(MetricError) {
        let op = "TopKAccuracy.update"
        guard scores.rank == 2 else {
            throw MetricError(op, "scores must be [B, C], got shape \(scores.shape)")
        }
        let (b, c) = (scores.shape[0], scores.shape[1])
        let y = try ClassificationInput.labels(labels, batch: b, op: op)
        for v in y where v < 0 || v >= c {
            throw MetricError(op, "label \(v) is out of range for \(c) classes")
        }
        let s = scores.scalars
        for i in 0..<b {
            let row = i * c
            let target = s[row + y[i]]
            // Rank of the label: classes scoring higher, plus tied classes with lower index.
            var ahead = 0
            for j in 0..<c where s[row + j] > target || (s[row + j] == target && j < y[i]) { ahead += 1 }
            if ahead < k { correct += 1 }
        }
        total += b
    }

    public func reset() { correct = 0; total = 0 }

    /// `correct / total`, or NaN when no sample has been seen.
    public func compute() -> Double { total == 0 ? .nan : Double(correct) / Double(total) }
}

// MARK: - Precision / recall / F1

/// Per-class counts shared by ``Precision``, ``Recall`` and ``F1Score``.
///
/// `counts[t][p]` is the number of samples with true class `t` predicted as `p`; it grows
/// as larger class indices appear unless the number of classes was fixed.
struct ClassCounts {
    var fixedClasses: Int?
    var counts: [[Int]] = []

    init(classes: Int?) {
        fixedClasses = classes
        if let c = classes { counts = Array(repeating: Array(repeating: 0, count: c), count: c) }
    }

    var classes: Int { counts.count }

    mutating func reset() { self = ClassCounts(classes: fixedClasses) }

    mutating func add(_ predicted: [Int], _ actual: [Int], op: String) throws(MetricError) {
        let largest = max(predicted.max() ?? -1, actual.max() ?? -1)
        if let c = fixedClasses {
            guard largest < c else { throw MetricError(op, "class \(largest) is out of range for \(c) classes") }
        } else if largest >= classes {
            let n = largest + 1
            for i in 0..<counts.count { counts[i] += Array(repeating: 0, count: n - counts[i].count) }
            counts += Array(repeating: Array(repeating: 0, count: n), count: n - counts.count)
        }
        for i in 0..<predicted.count { counts[actual[i]][predicted[i]] += 1 }
    }

    var truePositives: [Int] { (0..<classes).map { counts[$0][$0] } }
    /// Samples of each true class (row sums).
    var support: [Int] { counts.map { $0.reduce(0, +) } }
    /// Samples predicted as each class (column sums).
    var predictedCount: [Int] { (0..<classes).map { p in counts.reduce(0) { $0 + $1[p] } } }
    var total: Int { support.reduce(0, +) }

    enum Kind { case precision, recall, f1 }

    static func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }

    /// The per-class value; 0 where its denominator is 0 (`zero_division=0`).
    func perClass(_ kind: Kind) -> [Double] {
        let tp = truePositives, sup = support, pred = predictedCount
        return (0..<classes).map { c in
            switch kind {
            case .precision: Self.ratio(tp[c], pred[c])
            case .recall: Self.ratio(tp[c], sup[c])
            case .f1: Self.ratio(2 * tp[c], pred[c] + sup[c])
            }
        }
    }

    func value(_ kind: Kind, _ average: Average) -> Double {
        guard total > 0 else { return .nan }
        let values = perClass(kind)
        let sup = support, pred = predictedCount
        switch average {
        case .binary(let positive):
            return positive < classes ? values[positive] : 0
        case .macro:
            let present = (0..<classes).filter { sup[$0] + pred[$0] > 0 }
            return present.map { values[$0] }.reduce(0, +) / Double(present.count)
        case .weighted:
            return (0..<classes).map { values[$0] * Double(sup[$0]) }.reduce(0, +) / Double(total)
        case .micro:
            let tp = truePositives.reduce(0, +)
            let fp = pred.reduce(0, +) - tp
            let fn = sup.reduce(0, +) - tp
            switch kind {
            case .precision: return Self.ratio(tp, tp + fp)
            case .recall: return Self.ratio(tp, tp + fn)
            case .f1: return Self.ratio(2 * tp, 2 * tp + fp + fn)
            }
        }
    }
}

/// Shared implementation of the three averaged metrics.
public class AveragedClassificationMetric: ClassificationMetric {
    public let name: String
    /// How per-class values are combined.
    public let average: Average
    /// Decision threshold for single-column (binary) scores (`score > threshold` is class 1).
    public let threshold: Float
    var state: ClassCounts
    let kind: ClassCounts.Kind
    let typeName: String

    init(kind: ClassCounts.Kind, typeName: String, prefix: String, classes: Int?, average: Average, threshold: Float, name: String?) {
        if let c = classes { precondition(c >= 1, "\(typeName): classes must be positive, got \(c)") }
        if case .binary(let p) = average { precondition(p >= 0, "\(typeName): positiveClass must be non-negative, got \(p)") }
        self.kind = kind
        self.typeName = typeName
        self.average = average
        self.threshold = threshold
        self.state = ClassCounts(classes: classes)
        if let name { self.name = name } else if case .binary = average { self.name = prefix } else { self.name = "\(prefix)_\(average)" }
    }

    /// Accumulates `[B, C]` scores (argmax) or `[B]` / `[B, 1]` binary scores (threshold)
    /// against labels `[B]`. Throws on mismatched shapes or out-of-range labels.
    public func update(_ scores: Tensor, labels: IntTensor) throws(MetricError) {
        let op = "\(typeName).update"
        let d = try ClassificationInput.decode(scores, labels: labels, threshold: threshold, op: op)
        if let c = state.fixedClasses, !ClassificationInput.isBinaryScores(scores), d.classes != c {
            throw MetricError(op, "scores have \(d.classes) classes, metric was created for \(c)")
        }
        try state.add(d.predicted, d.actual, op: op)
    }

    /// Accumulates predicted class indices `[B]` against labels `[B]`.
    public func update(predictions: IntTensor, labels: IntTensor) throws(MetricError) {
        let op = "\(typeName).update"
        let d = try ClassificationInput.decode(predictions: predictions, labels: labels, op: op)
        try state.add(d.predicted, d.actual, op: op)
    }

    /// The value of every class `0..<classes` (scikit-learn's `average=None`), 0 where
    /// undefined.
    public func perClass() -> [Double] { state.perClass(kind) }

    public func reset() { state.reset() }

    /// The averaged value, or NaN when no sample has been seen since the last reset.
    public func compute() -> Double { state.value(kind, average) }
}

/// Precision `tp / (tp + fp)`, as scikit-learn's `precision_score(..., zero_division=0)`.
///
/// ```swift
/// let p = Precision(average: .macro)          // or .micro, .weighted, .binary(positiveClass: 1)
/// try p.update(logits, labels: labels)
/// p.compute()
/// ```
/// See ``Average`` for the averaging modes and the zero-division rule. Pass `classes` to
/// fix the number of classes (labels outside it then throw); otherwise it grows with the
/// largest class seen.
public final class Precision: AveragedClassificationMetric {
    public init(classes: Int? = nil, average: Average = .macro, threshold: Float = 0.5, name: String? = nil) {
        super.init(kind: .precision, typeName: "Precision", prefix: "precision", classes: classes, average: average, threshold: threshold, name: name)
    }
}

/// Recall `tp / (tp + fn)`, as scikit-learn's `recall_score(..., zero_division=0)`.
/// See ``Precision`` and ``Average``.
public final class Recall: AveragedClassificationMetric {
    public init(classes: Int? = nil, average: Average = .macro, threshold: Float = 0.5, name: String? = nil) {
        super.init(kind: .recall, typeName: "Recall", prefix: "recall", classes: classes, average: average, threshold: threshold, name: name)
    }
}

/// F1 `2 tp / (2 tp + fp + fn)`, as scikit-learn's `f1_score(..., zero_division=0)`.
///
/// The macro average is the mean of per-class F1 scores (not the F1 of macro precision
/// and recall), as in scikit-learn and torchmetrics. See ``Precision`` and ``Average``.
public final class F1Score: AveragedClassificationMetric {
    public init(classes: Int? = nil, average: Average = .macro, threshold: Float = 0.5, name: String? = nil) {
        super.init(kind: .f1, typeName: "F1Score", prefix: "f1", classes: classes, average: average, threshold: threshold, name: name)
    }
}
