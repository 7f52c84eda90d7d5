import EndToEnd

/// Counts of true class versus predicted class, as scikit-learn's `confusion_matrix`:
/// `counts[t][p]` is the number of samples of true class `t` predicted as class `p`
/// (rows are true classes, columns predictions).
///
/// ```swift
/// let cm = ConfusionMatrix(classes: 3)
/// try cm.update(logits, labels: labels)
/// print(cm.table(classNames: ["cat", "dog", "bird"]))
/// ```
///
/// As a ``Metric``, ``compute()`` returns the accuracy (trace / total).
public final class ConfusionMatrix: ClassificationMetric {
    public let name: String
    /// Number of classes (rows and columns).
    public let classes: Int
    /// Decision threshold for single-column (binary) scores (`score > threshold` is class 1).
    public let threshold: Float
    /// `counts[trueClass][predictedClass]`.
    public internal(set) var counts: [[Int]]

    /// - Parameter classes: the number of classes, at least 1 (traps otherwise).
    public init(classes: Int, threshold: Float = 0.5, name: String = "confusion_matrix") {
        precondition(classes >= 1, "ConfusionMatrix: classes must be positive, got \(classes)")
        self.classes = classes
        self.threshold = threshold
        self.name = name
        self.counts = Array(repeating: Array(repeating: 0, count: classes), count: classes)
    }

    /// Accumulates `[B, C]` scores (argmax; `C` must equal ``classes``) or `[B]` / `[B, 1]`
    /// binary scores (threshold; needs `classes == 2`) against labels `[B]`.
    public func update(_ scores: Tensor, labels: IntTensor) throws(MetricError) {
        let op = "ConfusionMatrix.update"
        let d = try ClassificationInput.decode(scores, labels: labels, threshold: threshold, op: op)
        guard d.classes == classes else {
            throw MetricError(op, "scores of shape \(scores.shape) describe \(d.classes) classes, matrix has \(classes)")
        }
        try add(d.predicted, d.actual, op: op)
    }

    /// Accumulates predicted class indices `[B]` against labels `[B]`.
    public func update(predictions: IntTensor, labels: IntTensor) throws(MetricError) {
        let op = "ConfusionMatrix.update"
        let d = try ClassificationInput.decode(predictions: predictions, labels: labels, op: op)
        try add(d.predicted, d.actual, op: op)
    }

    private func add(_ p: [Int], _ y: [Int], op: String) throws(MetricError) {
        for v in p + y where v >= classes {
            throw MetricError(op, "class \(v) is out of range for \(classes) classes")
        }
        for i in 0..<p.count { counts[y[i]][p[i]] += 1 }
    }

    /// Number of samples counted.
    public var total: Int { counts.reduce(0) { $0 + $1.reduce(0, +) } }
    /// Samples of each true class (row sums).
    public var support: [Int] { counts.map { $0.reduce(0, +) } }
    /// Samples predicted as each class (column sums).
    public var predictedCount: [Int] { (0..<classes).map { p in counts.reduce(0) { $0 + $1[p] } } }

    /// Precision of each class, `counts[c][c] / column sum`; 0 for a class never predicted.
    public var precision: [Double] {
        let pred = predictedCount
        return (0..<classes).map { pred[$0] == 0 ? 0 : Double(counts[$0][$0]) / Double(pred[$0]) }
    }

    /// Recall of each class, `counts[c][c] / row sum`; 0 for a class with no samples.
    public var recall: [Double] {
        let sup = support
        return (0..<classes).map { sup[$0] == 0 ? 0 : Double(counts[$0][$0]) / Double(sup[$0]) }
    }

    public func reset() { counts = Array(repeating: Array(repeating: 0, count: classes), count: classes) }

    /// Accuracy, trace / total; NaN when empty.
    public func compute() -> Double {
        let n = total
        return n == 0 ? .nan : Double((0..<classes).reduce(0) { $0 + counts[$1][$1] }) / Double(n)
    }

    /// A plain-text table, true classes as rows and predictions as columns, with
    /// per-class recall (row) and precision (column) in the margins:
    ///
    /// ```
    /// true\pred    cat    dog  recall
    ///       cat      3      1   0.750
    ///       dog      0      2   1.000
    /// precision  1.000  0.667
    /// ```
    ///
    /// - Parameter classNames: one name per class (traps on a count mismatch); class
    ///   indices are used when `nil`.
    public func table(classNames: [String]? = nil) -> String {
        if let names = classNames {
            precondition(names.count == classes, "ConfusionMatrix.table: \(names.count) class names for \(classes) classes")
        }
        let names = classNames ?? (0..<classes).map(String.init)
        func f(_ x: Double) -> String {
            let r = (x * 1000).rounded() / 1000
            var s = String(r)
            let decimals = s.split(separator: ".").last?.count ?? 0
            if decimals < 3 { s += String(repeating: "0", count: 3 - decimals) }
            return s
        }
        let p = precision.map(f), r = recall.map(f)
        let header = "true\\pred"
        let footer = "precision"
        let firstWidth = max(header.count, footer.count, names.map(\.count).max() ?? 0)
        let colWidth = (0..<classes).map { c in
            max(names[c].count, p[c].count, counts.map { String($0[c]).count }.max() ?? 1)
        }
        func pad(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
        var lines: [String] = []
        lines.append(([pad(header, firstWidth)] + (0..<classes).map { pad(names[$0], colWidth[$0]) } + ["recall"]).joined(separator: "  "))
        for t in 0..<classes {
            let cells = (0..<classes).map { pad(String(counts[t][$0]), colWidth[$0]) }
            lines.append(([pad(names[t], firstWidth)] + cells + [pad(r[t], 6)]).joined(separator: "  "))
        }
        lines.append(([pad(footer, firstWidth)] + (0..<classes).map { pad(p[$0], colWidth[$0]) }).joined(separator: "  "))
        return lines.joined(separator: "\n")
    }
}

extension ConfusionMatrix: CustomStringConvertible {
    /// ``table(classNames:)`` with class indices.
    public var description: String { table() }
}
