import EndToEnd
import EndToEndTraining
import Foundation

/// The article's "needs large amounts of data", measured: each approach trained on growing
/// fractions of the same training set and scored on the same test set.
///
/// Subsets are nested (every smaller subset is part of every larger one) and stratified by
/// label, so a 1 % subset still holds every class.
public enum DataEfficiency {
    /// The issue's five fractions: 1, 3, 10, 30 and 100 % of the training set.
    public static let defaultFractions: [Double] = [0.01, 0.03, 0.1, 0.3, 1.0]

    /// The training indices of the `fraction` subset: per class, the first
    /// `max(minimumPerClass, ⌈fraction · n_class⌉)` of a seeded permutation of that class's
    /// examples (so subsets for the same seed are nested), in ascending order.
    public static func subset(labels: [Int], fraction: Double, seed: UInt64, minimumPerClass: Int = 2) throws -> [Int] {
        guard fraction > 0, fraction <= 1 else { throw ApplicationError("data efficiency: a fraction must be in (0, 1], got \(fraction)") }
        var byClass: [Int: [Int]] = [:]
        for (i, y) in labels.enumerated() { byClass[y, default: []].append(i) }
        var out: [Int] = []
        for c in byClass.keys.sorted() {
            let members = byClass[c]!
            var rng = RandomGenerator(seed: seed ^ (UInt64(truncatingIfNeeded: c) &* 0x9E37_79B9_7F4A_7C15))
            let order = rng.permutation(members.count).map { members[$0] }
            let take = min(members.count, max(minimumPerClass, Int((fraction * Double(members.count)).rounded(.up))))
            out += order.prefix(take)
        }
        return out.sorted()
    }

    /// Runs `measure(approach, fraction, indices)` for every approach at every fraction, on
    /// the subsets of ``subset(labels:fraction:seed:minimumPerClass:)``, and returns the
    /// points in (fraction, approach) order. `log` gets one line per point. With `context`,
    /// each point is a resumable part (``ApplicationContext/part(_:modules:_:)``) keyed
    /// `data-efficiency/<approach>/<fraction>`.
    public static func measure(approaches: [String], labels: [Int], fractions: [Double] = defaultFractions, seed: UInt64,
                               context: ApplicationContext? = nil, log: (String) -> Void = { _ in },
                               _ measure: (_ approach: String, _ fraction: Double, _ indices: [Int]) throws -> Double) throws -> [DataEfficiencyPoint] {
        guard fractions.count >= 5 else { throw ApplicationError("data efficiency: the issue asks for at least 5 fractions, got \(fractions.count)") }
        var points: [DataEfficiencyPoint] = []
        for f in fractions {
            let indices = try subset(labels: labels, fraction: f, seed: seed)
            for a in approaches {
                let v = try context?.part("data-efficiency/\(a)/\(f)") { try measure(a, f, indices) } ?? measure(a, f, indices)
                points.append(DataEfficiencyPoint(approach: a, fraction: f, value: v))
                log("data efficiency: \(a) on \(indices.count) examples (\(percent(f))): \(String(format: "%.4f", v))")
            }
        }
        return points
    }

    /// One figure: the metric against the training-set fraction (log axis: log₁₀ of the
    /// percentage, so 1 % is 0 and 100 % is 2), one series per approach.
    public static func chart(_ points: [DataEfficiencyPoint], metric: String, title: String? = nil) -> SVGChart {
        var order: [String] = []
        for p in points where !order.contains(p.approach) { order.append(p.approach) }
        let series = order.map { a in
            SVGChart.Series(name: a, xy: points.filter { $0.approach == a }.map { (log10Percent($0.fraction), $0.value) }, showMarkers: true)
        }
        return SVGChart(title: title ?? "\(metric) against training-set size", xLabel: "training set, log10 of % used (0 = 1 %, 2 = 100 %)",
                        yLabel: metric, series: series, showMarkers: true)
    }

    static func log10Percent(_ f: Double) -> Double { log10(100 * f) }

    static func percent(_ f: Double) -> String {
        let p = 100 * f
        return p == p.rounded() ? "\(Int(p)) %" : String(format: "%.1f %%", p)
    }
}

