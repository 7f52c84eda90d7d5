import EndToEndTraining
import Foundation

/// One line of an experiment's results: a strategy in one setting.
public struct ResultRow: Sendable, Equatable {
    /// Keys every row has; parameters and metrics may not reuse them.
    public static let standardKeys: Set<String> = ["strategy", "test_accuracy", "steps", "wall_seconds"]

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

    /// `{"strategy": …, <parameters>, "test_accuracy": …, "steps": …, "wall_seconds": …, <metrics>}`.
    public var json: JSONValue {
        var o: [(String, JSONValue)] = [("strategy", .string(strategy))]
        o += parameters
        o += [("test_accuracy", .double(testAccuracy)), ("steps", .int(steps)), ("wall_seconds", .double(wallSeconds))]
        o += metrics
        return .object(o)
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
        public init(step: Int, wallSeconds: Double, value: Double) {
            self.step = step
            self.wallSeconds = wallSeconds
            self.value = value
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

    public init(rows: [ResultRow], curves: [Curve] = [], styles: [String: MetricStyle] = [:],
                figures: [(filename: String, chart: SVGChart)] = [], setup: String = "", notes: [String] = []) {
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
        let header = ["strategy"] + paramKeys + ["test accuracy", "steps", "wall (s)"] + metricKeys
        var md = "| " + header.joined(separator: " | ") + " |\n"
        md += "|---|" + String(repeating: "---:|", count: header.count - 1) + "\n"
        for r in rows {
            let p = Dictionary(r.parameters, uniquingKeysWith: { a, _ in a })
            let m = Dictionary(r.metrics, uniquingKeysWith: { a, _ in a })
            var cells = [r.strategy]
            cells += paramKeys.map { p[$0]?.text ?? "" }
            cells += [String(format: "%.4f", r.testAccuracy), String(r.steps), String(format: "%.1f", r.wallSeconds)]
            cells += metricKeys.map { m[$0]?.text ?? "" }
            md += "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n"
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
                    SVGChart.Series(name: c.label, xy: c.points.map { (axis == 0 ? Double($0.step) : $0.wallSeconds, $0.value) })
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
