import EndToEndTraining
import Foundation

/// One line of an experiment's results: a strategy in one setting.
public struct ResultRow: Sendable, Equatable {
    /// Keys every row has; parameters and metrics may not reuse them.
    public static let standardKeys: Set<String> = ["strategy", "test_accuracy", "steps", "wall_seconds", "seeds",
                                                    "test_accuracy_mean", "test_accuracy_std", "per_seed"]

    /// One seed's outcome of the row, kept in the report beside the mean.
    public struct SeedOutcome: Sendable, Equatable {
        /// The root seed of that run.
        public var seed: UInt64
        public var testAccuracy: Double
        public var steps: Int
        public var metrics: [(String, JSONValue)]

        public init(seed: UInt64, testAccuracy: Double, steps: Int, metrics: [(String, JSONValue)] = []) {
            self.seed = seed
            self.testAccuracy = testAccuracy
            self.steps = steps
            self.metrics = metrics
        }

        public static func == (a: SeedOutcome, b: SeedOutcome) -> Bool { a.json == b.json }

        /// `{"seed", "test_accuracy", "steps", <metrics>}`.
        public var json: JSONValue {
            .object([("seed", ResultRow.seedJSON(seed)), ("test_accuracy", .double(testAccuracy)), ("steps", .int(steps))] + metrics)
        }
    }

    /// e.g. `"end-to-end"`, `"decomposition"`.
    public var strategy: String
    public var testAccuracy: Double
    /// Optimizer steps taken (all stages together for staged strategies).
    public var steps: Int
    /// Training wall time in seconds, evaluation excluded.
    public var wallSeconds: Double
    /// The setting, e.g. `[("d", 30)]`, in display order.
    public var parameters: [(String, JSONValue)]
    /// Further outcomes, e.g. `[("steps_to_target", .null)]`, in display order.
    public var metrics: [(String, JSONValue)]
    /// Every seed's outcome when the row aggregates several runs (``SeedRuns``); then
    /// `testAccuracy` is their mean. Nil for a row of one run that was not aggregated.
    public var perSeed: [SeedOutcome]?

    /// The sample standard deviation (n − 1) of the per-seed test accuracies; nil for one seed.
    public var testAccuracyStd: Double? { perSeed.flatMap { SampleStatistics.sampleStd($0.map(\.testAccuracy)) } }

    static func seedJSON(_ seed: UInt64) -> JSONValue { seed <= UInt64(Int.max) ? .int(Int(seed)) : .string(String(seed)) }

    public init(strategy: String, testAccuracy: Double, steps: Int, wallSeconds: Double,
                parameters: [(String, JSONValue)] = [], metrics: [(String, JSONValue)] = []) {
        self.strategy = strategy
        self.testAccuracy = testAccuracy
        self.steps = steps
        self.wallSeconds = wallSeconds
        self.parameters = parameters
        self.metrics = metrics
    }

    public static func == (a: ResultRow, b: ResultRow) -> Bool { a.json == b.json }

    /// `{"strategy": …, <parameters>, "test_accuracy": …, "steps": …, "wall_seconds": …, <metrics>}`; an
    /// aggregated row adds `"seeds"`, `"test_accuracy_mean"` (= `"test_accuracy"`), `"test_accuracy_std"`
    /// (sample std, null for one seed) after `"test_accuracy"` and `"per_seed": [{"seed", "test_accuracy",
    /// "steps", <metrics>}]` at the end.
    public var json: JSONValue {
        var o: [(String, JSONValue)] = [("strategy", .string(strategy))]
        o += parameters
        o.append(("test_accuracy", .double(testAccuracy)))
        if let perSeed {
            o += [("seeds", .int(perSeed.count)), ("test_accuracy_mean", .double(testAccuracy)),
                  ("test_accuracy_std", testAccuracyStd.map { .double($0) } ?? .null)]
        }
        o += [("steps", .int(steps)), ("wall_seconds", .double(wallSeconds))]
        o += metrics
        if let perSeed { o.append(("per_seed", .array(perSeed.map(\.json)))) }
        return .object(o)
    }

    /// The test accuracy as a table cell: `0.9512`, or `0.9512 ± 0.0123` (sample std) over seeds.
    public var accuracyText: String {
        let mean = String(format: "%.4f", testAccuracy)
        guard let s = testAccuracyStd else { return mean }
        return mean + " ± " + String(format: "%.4f", s)
    }

    /// A short name for the row: strategy and setting, e.g. `"end-to-end d=30"`.
    public var label: String {
        ([strategy] + parameters.map { "\($0.0)=\($0.1.text)" }).joined(separator: " ")
    }
}

/// A learning curve: one metric of one run, sampled during training.
public struct Curve: Sendable, Equatable {
    public struct Point: Sendable, Equatable {
        public var step: Int
        /// Training wall time so far (evaluation excluded).
        public var wallSeconds: Double
        public var value: Double
        /// The band around `value` when the curve aggregates several seeds (their minimum and
        /// maximum at this step); nil for one run.
        public var low: Double?
        public var high: Double?
        public init(step: Int, wallSeconds: Double, value: Double, low: Double? = nil, high: Double? = nil) {
            self.step = step
            self.wallSeconds = wallSeconds
            self.value = value
            self.low = low
            self.high = high
        }
    }

    /// The series name in figures, e.g. `"end-to-end k=1000"`.
    public var label: String
    /// The metric, e.g. `"test_accuracy"`; curves of one metric share a figure.
    public var metric: String
    public var points: [Point]

    public init(label: String, metric: String, points: [Point]) {
        self.label = label
        self.metric = metric
        self.points = points
    }
}

/// How a metric's figures are drawn.
public struct MetricStyle: Sendable, Equatable {
    /// Axis label, e.g. `"test accuracy"`.
    public var label: String
    public var range: ClosedRange<Double>?
    public var logY: Bool
    /// e.g. `[.init(y: 0.5, label: "chance")]`.
    public var referenceLines: [SVGChart.ReferenceLine]

    public init(label: String, range: ClosedRange<Double>? = nil, logY: Bool = false,
                referenceLines: [SVGChart.ReferenceLine] = []) {
        self.label = label
        self.range = range
        self.logY = logY
        self.referenceLines = referenceLines
    }
}

/// Everything an experiment reports.
public struct ExperimentResult: Sendable {
    public var rows: [ResultRow]
    /// Drawn as `figures/<metric>_vs_step.svg` and `figures/<metric>_vs_time.svg`, one series per label.
    public var curves: [Curve]
    /// Axis settings per metric; metrics without one use their name as the axis label.
    public var styles: [String: MetricStyle]
    /// Further figures, written as `figures/<filename>.svg`.
    public var figures: [(filename: String, chart: SVGChart)]
    /// Markdown: the exact setup (data, models, losses, optimizers, budgets).
    public var setup: String
    /// Markdown sections appended to the summary (observations, caveats).
    public var notes: [String]
    /// Further top-level entries of the JSON summary, e.g. `("snr", [...])` or `("breakdown", {...})`.
    public var summaryFields: [(String, JSONValue)]

    public init(rows: [ResultRow], curves: [Curve] = [], styles: [String: MetricStyle] = [:],
                figures: [(filename: String, chart: SVGChart)] = [], setup: String = "", notes: [String] = [],
                summaryFields: [(String, JSONValue)] = []) {
        self.summaryFields = summaryFields
        self.rows = rows
        self.curves = curves
        self.styles = styles
        self.figures = figures
        self.setup = setup
        self.notes = notes
    }

    /// The rows as a Markdown table: strategy, parameters, accuracy, steps, wall time, metrics.
    public var table: String {
        var paramKeys: [String] = [], metricKeys: [String] = []
        for r in rows {
            for (k, _) in r.parameters where !paramKeys.contains(k) { paramKeys.append(k) }
            for (k, _) in r.metrics where !metricKeys.contains(k) { metricKeys.append(k) }
        }
        let seeds = rows.contains { $0.perSeed != nil && $0.perSeed!.count > 1 }
        let header = ["strategy"] + paramKeys + (seeds ? ["seeds", "test accuracy (mean ± std)"] : ["test accuracy"])
            + ["steps", "wall (s)"] + metricKeys
        var md = "| " + header.joined(separator: " | ") + " |\n"
        md += "|---|" + String(repeating: "---:|", count: header.count - 1) + "\n"
        for r in rows {
            let p = Dictionary(r.parameters, uniquingKeysWith: { a, _ in a })
            let m = Dictionary(r.metrics, uniquingKeysWith: { a, _ in a })
            var cells = [r.strategy]
            cells += paramKeys.map { p[$0]?.text ?? "" }
            if seeds { cells.append(String(r.perSeed?.count ?? 1)) }
            cells += [r.accuracyText, String(r.steps), String(format: "%.1f", r.wallSeconds)]
            cells += metricKeys.map { m[$0]?.text ?? "" }
            md += "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n"
        }
        return md
    }

    /// The per-seed outcomes as a Markdown table (one line per row and seed), or nil when no row
    /// aggregates more than one seed.
    public var perSeedTable: String? {
        guard rows.contains(where: { ($0.perSeed?.count ?? 0) > 1 }) else { return nil }
        var metricKeys: [String] = []
        for r in rows { for o in r.perSeed ?? [] { for (k, _) in o.metrics where !metricKeys.contains(k) { metricKeys.append(k) } } }
        let header = ["row", "seed", "test accuracy", "steps"] + metricKeys
        var md = "| " + header.joined(separator: " | ") + " |\n|---|" + String(repeating: "---:|", count: header.count - 1) + "\n"
        for r in rows {
            for o in r.perSeed ?? [] {
                let m = Dictionary(o.metrics, uniquingKeysWith: { a, _ in a })
                let cells = [r.label, ResultRow.seedJSON(o.seed).text, String(format: "%.4f", o.testAccuracy), String(o.steps)]
                    + metricKeys.map { m[$0]?.text ?? "" }
                md += "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n"
            }
        }
        return md
    }

    /// Line charts of every curve metric against step and against wall time.
    public func curveCharts() -> [(filename: String, chart: SVGChart)] {
        var metrics: [String] = []
        for c in curves where !metrics.contains(c.metric) { metrics.append(c.metric) }
        var out: [(String, SVGChart)] = []
        for metric in metrics {
            let style = styles[metric] ?? MetricStyle(label: metric)
            let of = curves.filter { $0.metric == metric }
            for (axis, suffix, xLabel) in [(0, "step", "step"), (1, "time", "training wall time (s)")] {
                let series = of.map { c in
                    var s = SVGChart.Series(name: c.label, xy: c.points.map { (axis == 0 ? Double($0.step) : $0.wallSeconds, $0.value) })
                    s.band = c.points.compactMap { p in
                        guard let lo = p.low, let hi = p.high else { return nil }
                        return SVGChart.BandPoint(x: axis == 0 ? Double(p.step) : p.wallSeconds, low: lo, high: hi)
                    }
                    return s
                }
                let chart = SVGChart(title: "\(style.label) vs \(axis == 0 ? "step" : "wall time")", xLabel: xLabel,
                                     yLabel: style.label, series: series, logY: style.logY,
                                     referenceLines: style.referenceLines, yRange: style.range)
                out.append(("\(metric)_vs_\(suffix).svg", chart))
            }
        }
        return out
    }
}

extension ResultRow {
    /// The value of parameter `key` as a number, or nil.
    public func number(_ key: String) -> Double? {
        (parameters.first { $0.0 == key } ?? metrics.first { $0.0 == key }).flatMap { Double($0.1.text) }
    }

    /// One series per strategy (in order of first appearance) of test accuracy against the
    /// numeric parameter `parameter`: the mean, with a min–max band over seeds when rows carry them.
    public static func seriesByStrategy(_ rows: [ResultRow], parameter: String,
                                        name: (String) -> String = { $0 }) -> [SVGChart.Series] {
        var strategies: [String] = []
        for r in rows where !strategies.contains(r.strategy) { strategies.append(r.strategy) }
        return strategies.map { strategy in
            let of = rows.filter { $0.strategy == strategy && $0.number(parameter) != nil }
            var s = SVGChart.Series(name: name(strategy), xy: of.map { ($0.number(parameter)!, $0.testAccuracy) })
            s.band = of.compactMap { r in
                guard let per = r.perSeed, per.count > 1 else { return nil }
                let values = per.map(\.testAccuracy)
                return SVGChart.BandPoint(x: r.number(parameter)!, low: values.min()!, high: values.max()!)
            }
            return s
        }
    }
}
