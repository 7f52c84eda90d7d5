import EndToEnd

/// Metrics of a binary classifier's scores on rare positives (fraud, faults, defaults):
/// the precision-recall curve, its area as average precision, recall at a fixed
/// false-positive rate, and precision/recall at an operating threshold.
///
/// Scores are any monotone score of the positive class (probabilities, logits); labels are
/// 0 or 1; a threshold `t` predicts positive when `score ≥ t`. The values match
/// scikit-learn's `precision_recall_curve`, `average_precision_score` and `roc_curve` (see
/// the fixtures made by `scripts/make_precision_recall_fixtures.py`).
///
/// ```swift
/// let ap = try PrecisionRecall.averagePrecision(scores: p, labels: y)
/// let r = try PrecisionRecall.recall(atFalsePositiveRate: 0.01, scores: p, labels: y)
/// let t = try PrecisionRecall.bestF1Threshold(scores: validationP, labels: validationY)
/// let op = try PrecisionRecall.operatingPoint(threshold: t.threshold, scores: p, labels: y)
/// ```
public enum PrecisionRecall {
    /// One point of the precision-recall curve.
    public struct Point: Sendable, Equatable {
        /// The score threshold (one of the scores).
        public var threshold: Float
        public var precision: Double
        public var recall: Double
        public var truePositives: Int
        public var falsePositives: Int
    }

    /// The curve at every distinct score, highest threshold first (scikit-learn's
    /// `precision_recall_curve` lists the same points lowest threshold first and adds the
    /// end point precision 1, recall 0).
    ///
    /// - Throws: ``MetricError`` on mismatched lengths, no samples, labels other than 0/1,
    ///   NaN scores, or no positive label (recall is undefined).
    public static func curve(scores: [Float], labels: [Int]) throws(MetricError) -> [Point] {
        let op = "precision_recall_curve"
        try BinaryDiagnosticMetrics.check(scores: scores, labels: labels, op: op)
        let positives = labels.reduce(0, +)
        guard positives > 0 else { throw MetricError(op, "needs at least one positive label; recall is undefined without one") }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var points: [Point] = []
        var tp = 0, fp = 0, i = 0
        // Tied scores enter together: one threshold per distinct score.
        while i < order.count {
            let s = scores[order[i]]
            while i < order.count && scores[order[i]] == s {
                if labels[order[i]] == 1 { tp += 1 } else { fp += 1 }
                i += 1
            }
            points.append(Point(threshold: s, precision: Double(tp) / Double(tp + fp), recall: Double(tp) / Double(positives),
                                truePositives: tp, falsePositives: fp))
        }
        return points
    }

    /// Average precision, the area under the precision-recall step curve:
    /// `Σₖ (Rₖ − Rₖ₋₁) · Pₖ` over the thresholds from the highest down (R₀ = 0), as
    /// scikit-learn's `average_precision_score` (no interpolation).
    ///
    /// A random scorer's expected value is the positive rate, so compare it with that.
    /// - Throws: as ``curve(scores:labels:)``.
    public static func averagePrecision(scores: [Float], labels: [Int]) throws(MetricError) -> Double {
        var previous = 0.0, ap = 0.0
        for p in try curve(scores: scores, labels: labels) {
            ap += (p.recall - previous) * p.precision
            previous = p.recall
        }
        return ap
    }

    /// The highest recall (true-positive rate) of any threshold whose false-positive rate is
    /// at most `rate`: `max(tpr[fpr <= rate])` over scikit-learn's
    /// `roc_curve(..., drop_intermediate=False)`. Fraud teams read it as "the share of fraud
    /// caught when 1 in 100 good transactions may be flagged".
    ///
    /// - Throws: ``MetricError`` without both classes, for a rate outside [0, 1], or bad input.
    public static func recall(atFalsePositiveRate rate: Double, scores: [Float], labels: [Int]) throws(MetricError) -> Double {
        guard (0...1).contains(rate) else { throw MetricError("recall_at_fpr", "the false-positive rate must be in [0, 1], got \(rate)") }
        return try BinaryDiagnosticMetrics.sensitivity(atSpecificity: 1 - rate, scores: scores, labels: labels)
    }

    /// What a threshold does on a labelled set.
    public struct OperatingPoint: Sendable, Equatable {
        public var threshold: Float
        /// Precision of the flagged examples; 0 when nothing is flagged (scikit-learn's
        /// `zero_division=0`).
        public var precision: Double
        public var recall: Double
        public var falsePositiveRate: Double
        public var flagged: Int
        public var f1: Double {
            precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
        }
    }

    /// Precision, recall and false-positive rate of predicting positive when `score ≥ threshold`
    /// (scikit-learn's `precision_score` / `recall_score` of `scores >= threshold`).
    ///
    /// - Throws: ``MetricError`` on bad input or without both classes.
    public static func operatingPoint(threshold: Float, scores: [Float], labels: [Int]) throws(MetricError) -> OperatingPoint {
        let op = "operating_point"
        try BinaryDiagnosticMetrics.check(scores: scores, labels: labels, op: op)
        let positives = labels.reduce(0, +), negatives = labels.count - positives
        guard positives > 0, negatives > 0 else {
            throw MetricError(op, "needs both positive and negative labels, got \(positives) positive and \(negatives) negative")
        }
        var tp = 0, fp = 0
        for (s, y) in zip(scores, labels) where s >= threshold {
            if y == 1 { tp += 1 } else { fp += 1 }
        }
        return OperatingPoint(threshold: threshold, precision: tp + fp > 0 ? Double(tp) / Double(tp + fp) : 0,
                              recall: Double(tp) / Double(positives), falsePositiveRate: Double(fp) / Double(negatives), flagged: tp + fp)
    }

    /// The threshold with the highest F1 on `scores` (typically a validation set's), the
    /// highest threshold among equals; its F1 comes with it. Choosing the operating point on
    /// validation data keeps the test set's precision and recall honest.
    ///
    /// - Throws: as ``curve(scores:labels:)``.
    public static func bestF1Threshold(scores: [Float], labels: [Int]) throws(MetricError) -> (threshold: Float, f1: Double) {
        var best: (threshold: Float, f1: Double) = (.infinity, -1)
        for p in try curve(scores: scores, labels: labels) {
            let f1 = p.precision + p.recall > 0 ? 2 * p.precision * p.recall / (p.precision + p.recall) : 0
            if f1 > best.f1 { best = (p.threshold, f1) }
        }
        return best
    }
}
