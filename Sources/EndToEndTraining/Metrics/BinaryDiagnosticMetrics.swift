import EndToEnd

/// Metrics of a binary classifier's scores used to judge a diagnostic test: sensitivity at
/// a fixed specificity, and calibration (expected calibration error, reliability bins).
///
/// Scores are probabilities (or any monotone score, for the sensitivity) of the positive
/// class; labels are 0 or 1. The values match scikit-learn's `roc_curve` and
/// `calibration_curve` (see the test fixtures made by `scripts/make_diagnosis_fixtures.py`).
public enum BinaryDiagnosticMetrics {
    /// The highest true-positive rate of any threshold whose false-positive rate is at most
    /// `1 − specificity` (predicting positive when `score ≥ threshold`), i.e. the ROC curve's
    /// best sensitivity at that specificity: `max(tpr[fpr <= 1 - specificity])` over
    /// scikit-learn's `roc_curve(..., drop_intermediate=False)`.
    ///
    /// - Throws: ``MetricError`` without both classes, on mismatched lengths or bad labels.
    public static func sensitivity(atSpecificity specificity: Double, scores: [Float], labels: [Int]) throws(MetricError) -> Double {
        let op = "sensitivity_at_specificity"
        try check(scores: scores, labels: labels, op: op)
        guard (0...1).contains(specificity) else { throw MetricError(op, "specificity must be in [0, 1], got \(specificity)") }
        let p = labels.reduce(0, +), n = labels.count - p
        guard p > 0, n > 0 else { throw MetricError(op, "needs both positive and negative labels, got \(p) positive and \(n) negative") }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        let maxFPR = 1 - specificity + 1e-12
        var tp = 0, fp = 0, best = 0.0, i = 0
        // Walk thresholds from the highest score down; tied scores enter together.
        while i < order.count {
            var j = i
            while j < order.count && scores[order[j]] == scores[order[i]] {
                if labels[order[j]] == 1 { tp += 1 } else { fp += 1 }
                j += 1
            }
            if Double(fp) / Double(n) <= maxFPR { best = max(best, Double(tp) / Double(p)) }
            i = j
        }
        return best
    }

    /// One bin of a reliability diagram.
    public struct ReliabilityBin: Sendable, Equatable {
        /// The bin's range of predicted probabilities, `[lower, upper)` (the last bin includes 1).
        public var lower: Double
        public var upper: Double
        public var count: Int
        /// Mean predicted probability of the bin's examples.
        public var meanPredicted: Double
        /// Fraction of the bin's examples that are positive.
        public var fractionPositive: Double
    }

    /// The non-empty bins of `bins` equal-width bins over [0, 1], placed as scikit-learn's
    /// `calibration_curve(strategy="uniform")` places them.
    public static func reliability(probabilities: [Float], labels: [Int], bins: Int = 10) throws(MetricError) -> [ReliabilityBin] {
        let op = "reliability"
        try check(scores: probabilities, labels: labels, op: op)
        guard bins >= 1 else { throw MetricError(op, "bins must be at least 1, got \(bins)") }
        if let bad = probabilities.first(where: { !($0 >= 0 && $0 <= 1) }) {
            throw MetricError(op, "probabilities must be in [0, 1], got \(bad)")
        }
        // Inner edges i/bins computed as numpy's linspace computes them (i * step).
        let step = 1.0 / Double(bins)
        let edges = (1..<bins).map { Double($0) * step }
        var count = [Int](repeating: 0, count: bins), sumP = [Double](repeating: 0, count: bins), sumY = [Double](repeating: 0, count: bins)
        for (p, y) in zip(probabilities, labels) {
            let v = Double(p)
            var b = 0
            while b < edges.count && edges[b] <= v { b += 1 }  // searchsorted(side="right")
            count[b] += 1
            sumP[b] += v
            sumY[b] += Double(y)
        }
        return (0..<bins).compactMap { b in
            guard count[b] > 0 else { return nil }
            return ReliabilityBin(lower: Double(b) * step, upper: Double(b + 1) * step, count: count[b],
                                  meanPredicted: sumP[b] / Double(count[b]), fractionPositive: sumY[b] / Double(count[b]))
        }
    }

    /// Expected calibration error: `Σ_b (n_b / N) · |fraction positive_b − mean predicted_b|`
    /// over the bins of ``reliability(probabilities:labels:bins:)``.
    public static func expectedCalibrationError(probabilities: [Float], labels: [Int], bins: Int = 10) throws(MetricError) -> Double {
        let r = try reliability(probabilities: probabilities, labels: labels, bins: bins)
        let n = Double(labels.count)
        return r.reduce(0) { $0 + Double($1.count) / n * abs($1.fractionPositive - $1.meanPredicted) }
    }

    /// A reliability diagram: fraction positive against mean predicted probability per bin,
    /// one series per model, beside the diagonal of perfect calibration.
    public static func reliabilityDiagram(_ models: [(name: String, bins: [ReliabilityBin])], title: String = "Reliability diagram") -> SVGChart {
        var series = [SVGChart.Series(name: "perfectly calibrated", xy: [(0, 0), (1, 1)], showMarkers: false)]
        for m in models {
            series.append(SVGChart.Series(name: m.name, xy: m.bins.map { ($0.meanPredicted, $0.fractionPositive) }, showMarkers: true))
        }
        return SVGChart(title: title, xLabel: "mean predicted probability", yLabel: "fraction positive", series: series,
                        showMarkers: true, yRange: 0...1)
    }

    static func check(scores: [Float], labels: [Int], op: String) throws(MetricError) {
        guard scores.count == labels.count else { throw MetricError(op, "\(scores.count) scores but \(labels.count) labels") }
        guard !scores.isEmpty else { throw MetricError(op, "no samples") }
        if let bad = labels.first(where: { $0 != 0 && $0 != 1 }) { throw MetricError(op, "labels must be 0 or 1, got \(bad)") }
        if scores.contains(where: \.isNaN) { throw MetricError(op, "scores contain NaN") }
    }
}
