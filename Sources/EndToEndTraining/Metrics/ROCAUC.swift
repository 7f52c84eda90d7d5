import EndToEnd

/// Area under the ROC curve, computed exactly from all scores seen since the last reset,
/// as scikit-learn's `roc_auc_score`.
///
/// - Binary: `[B]` or `[B, 1]` scores (probabilities, logits, any monotone score) with
///   0/1 labels. The AUC is the Mann–Whitney statistic: the probability that a random
///   positive scores higher than a random negative, ties counting one half. It is computed
///   by sorting, with tied scores given the average of their ranks, which equals
///   scikit-learn's trapezoidal area exactly.
/// - Multi-class: `[B, C]` probabilities (`C >= 2`) with labels in `0..<C`: the macro
///   average of the one-vs-rest AUCs of each column (scikit-learn's
///   `multi_class="ovr", average="macro"`).
///
/// The mode (number of score columns) is fixed by the first update, or by `classes`.
///
/// **Undefined cases.** The AUC needs both positive and negative samples. When the
/// binary labels seen are all 0 or all 1 — or, for multi-class, when some class never
/// occurs in the labels (or every label is that class) — ``compute()`` returns NaN
/// (scikit-learn raises `ValueError` there), and ``checkedCompute()`` throws a
/// ``MetricError`` that says which class is missing. ``perClass()`` gives each one-vs-rest
/// AUC, NaN for the undefined ones, for callers that want to average the rest.
///
/// Memory grows with the number of samples (every score is kept until ``reset()``).
public final class ROCAUC: ClassificationMetric {
    public let name: String
    /// Score columns per sample: 1 for binary, `C` for multi-class; `nil` until the first
    /// update when not given at initialization.
    public internal(set) var columns: Int?
    var scores: [Float] = []
    var labels: [Int] = []
    private let fixedColumns: Int?

    /// - Parameter classes: the number of score columns that will be fed: `1` for binary
    ///   `[B]` / `[B, 1]` scores, `C` for `[B, C]` probabilities; `nil` takes it from the
    ///   first batch.
    public init(classes: Int? = nil, name: String = "roc_auc") {
        if let c = classes { precondition(c >= 1, "ROCAUC: classes must be positive, got \(c)") }
        self.fixedColumns = classes
        self.columns = classes
        self.name = name
    }

    /// Number of samples stored.
    public var count: Int { labels.count }

    /// Accumulates a batch. Throws (and adds nothing) on mismatched shapes, a column count
    /// different from earlier batches, out-of-range labels, or NaN scores.
    public func update(_ scores: Tensor, labels: IntTensor) throws(MetricError) {
        let op = "ROCAUC.update"
        guard scores.rank == 1 || scores.rank == 2 else {
            throw MetricError(op, "scores must be [B], [B, 1] or [B, C], got shape \(scores.shape)")
        }
        let b = scores.shape[0]
        let c = scores.rank == 1 ? 1 : scores.shape[1]
        let y = try ClassificationInput.labels(labels, batch: b, op: op)
        if let expected = columns, expected != c {
            throw MetricError(op, "scores have \(c) column(s), earlier batches (or classes:) had \(expected)")
        }
        let upper = c == 1 ? 2 : c
        for v in y where v < 0 || v >= upper {
            throw MetricError(op, c == 1 ? "binary labels must be 0 or 1, got \(v)" : "label \(v) is out of range for \(c) classes")
        }
        let s = scores.scalars
        if s.contains(where: { $0.isNaN }) { throw MetricError(op, "scores contain NaN") }
        columns = c
        self.scores += s
        self.labels += y
    }

    public func reset() {
        scores = []
        labels = []
        columns = fixedColumns
    }

    /// The one-vs-rest AUC of each class (for binary, a single value for class 1); NaN
    /// for a class that has no positive or no negative samples. Empty before any update.
    public func perClass() -> [Double] {
        guard let c = columns, !labels.isEmpty else { return [] }
        if c == 1 { return [Self.binaryAUC(scores: scores, positive: labels.map { $0 == 1 })] }
        return (0..<c).map { k in
            let column = (0..<labels.count).map { scores[$0 * c + k] }
            return Self.binaryAUC(scores: column, positive: labels.map { $0 == k })
        }
    }

    /// The AUC (macro one-vs-rest for multi-class), or NaN when undefined: no samples, or
    /// a class without positive or negative samples (see the type's documentation).
    public func compute() -> Double {
        let values = perClass()
        guard !values.isEmpty, !values.contains(where: { $0.isNaN }) else { return .nan }
        return values.reduce(0, +) / Double(values.count)
    }

    /// Like ``compute()`` but throws a ``MetricError`` explaining why the AUC is undefined
    /// instead of returning NaN.
    public func checkedCompute() throws(MetricError) -> Double {
        let op = "ROCAUC.compute"
        guard let c = columns, !labels.isEmpty else { throw MetricError(op, "no samples") }
        let values = perClass()
        if c == 1, values[0].isNaN {
            throw MetricError(op, "only one class (\(labels[0])) is present in the labels; ROC AUC is undefined")
        }
        if let k = values.firstIndex(where: { $0.isNaN }) {
            let n = labels.filter { $0 == k }.count
            throw MetricError(op, n == 0
                ? "class \(k) does not occur in the labels; one-vs-rest ROC AUC is undefined"
                : "every label is class \(k); one-vs-rest ROC AUC is undefined")
        }
        return values.reduce(0, +) / Double(values.count)
    }

    /// Exact binary AUC by ranks (ties get their average rank); NaN without both classes.
    public static func binaryAUC(scores: [Float], positive: [Bool]) -> Double {
        precondition(scores.count == positive.count, "ROCAUC.binaryAUC: \(scores.count) scores, \(positive.count) labels")
        let n = scores.count
        let nPos = positive.reduce(0) { $0 + ($1 ? 1 : 0) }
        let nNeg = n - nPos
        guard nPos > 0, nNeg > 0 else { return .nan }
        let order = (0..<n).sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0
        var i = 0
        while i < n {
            var j = i + 1
            while j < n && scores[order[j]] == scores[order[i]] { j += 1 }
            // Ranks i+1 ... j (1-based) share the average (i + 1 + j) / 2.
            let rank = Double(i + 1 + j) / 2
            for k in i..<j where positive[order[k]] { rankSum += rank }
            i = j
        }
        let p = Double(nPos)
        return (rankSum - p * (p + 1) / 2) / (p * Double(nNeg))
    }
}
