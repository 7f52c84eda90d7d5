import EndToEndTraining
import Foundation

/// Writes an experiment's report folder and its JSON summary.
///
/// ```
/// <directory>/
///   summary.md      headline accuracies, figures, setup, results table, notes
///   results.json    the JSON summary (same as the command's last line, without "report")
///   metrics.jsonl   every curve point: {"step", "wall_seconds", "split": <curve label>, <metric>: value}
///   figures/<metric>_vs_step.svg, figures/<metric>_vs_time.svg, the experiment's own figures
/// ```
///
/// The folder is written by ``ReportWriter``, so it appears complete or not at all.
public struct ExperimentReport: Sendable {
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    /// The summary object: `{"experiment", "quick", "seed", ["seeds", "budget", "grid",] "results": [rows],
    /// <fields>, "wall_seconds"}`, plus `"report"` when given. `grid` is the `--grid` text: the
    /// values of the swept axis the run was narrowed to.
    public static func summary(experiment: String, quick: Bool, seed: UInt64, rows: [ResultRow],
                               wallSeconds: Double, report: String? = nil, seeds: Int? = nil,
                               budget: ExperimentBudget? = nil, grid: String? = nil,
                               fields: [(String, JSONValue)] = []) -> JSONValue {
        var o: [(String, JSONValue)] = [
            ("experiment", .string(experiment)), ("quick", .bool(quick)), ("seed", ResultRow.seedJSON(seed)),
        ]
        if let seeds { o.append(("seeds", .int(seeds))) }
        if let budget { o.append(("budget", .string(budget.rawValue))) }
        if let grid { o.append(("grid", .string(grid))) }
        o.append(("results", .array(rows.map(\.json))))
        o += fields
        if let report { o.append(("report", .string(report))) }
        o.append(("wall_seconds", .double(wallSeconds)))
        return .object(o)
    }

    /// Writes the report and returns the URL of `summary.md`.
    ///
    /// - Throws: ``ExperimentReportError`` when a row reuses a standard key or repeats a key,
    ///   or a figure name is not a plain file name; ``ReportWriterError`` on I/O failure.
    @discardableResult
    public func write(_ result: ExperimentResult, experiment: Experiment, quick: Bool, seed: UInt64,
                      wallSeconds: Double, seeds: Int? = nil, budget: ExperimentBudget? = nil,
                      grid: String? = nil) throws -> URL {
        for row in result.rows {
            var seen = Set<String>()
            for key in row.parameters.map(\.0) + row.metrics.map(\.0) {
                if ResultRow.standardKeys.contains(key) { throw ExperimentReportError.reservedKey(key, row: row.label) }
                if !seen.insert(key).inserted { throw ExperimentReportError.duplicateKey(key, row: row.label) }
            }
        }
        let summary = Self.summary(experiment: experiment.name, quick: quick, seed: seed, rows: result.rows,
                                   wallSeconds: wallSeconds, seeds: seeds, budget: budget, grid: grid,
                                   fields: result.summaryFields)

        // The curves travel as a metrics log, one "split" per curve label.
        var records: [MetricsRecord] = []
        for c in result.curves {
            for p in c.points {
                records.append(MetricsRecord(step: p.step, wallSeconds: p.wallSeconds, split: c.label, values: [c.metric: p.value]))
            }
        }
        let fm = FileManager.default
        let staging = fm.temporaryDirectory.appendingPathComponent("e2e-experiment-\(UUID().uuidString).jsonl")
        try Data(MetricsLog.encode(records).utf8).write(to: staging)
        defer { try? fm.removeItem(at: staging) }

        var final: [String: Double] = [:]
        for r in result.rows { final[r.label + ": test_accuracy"] = r.testAccuracy }

        var sections: [String] = []
        sections.append("## Experiment\n\n\(experiment.summary)\n\n- mode: \(quick ? "quick (`--quick`)" : "full")\n- seed: \(seed)\(seeds.map { $0 > 1 ? " (\($0) seeds derived from it; means ± sample std)" : "" } ?? "")\(budget == .paper ? "\n- budget: the paper's" : "")\(grid.map { "\n- swept axis narrowed to: \($0) (`--grid`)" } ?? "")\n- wall time: \(String(format: "%.1f", wallSeconds)) s")
        if !result.setup.isEmpty { sections.append("## Setup\n\n" + result.setup) }
        sections.append("## Results\n\n" + result.table)
        if let perSeed = result.perSeedTable { sections.append("## Per seed\n\n" + perSeed) }
        sections += result.notes

        var charts = result.curveCharts()
        charts += result.figures
        return try ReportWriter(directory: directory).write(
            title: "Experiment: \(experiment.name)\(quick ? " (quick)" : "")", configText: summary.encoded + "\n",
            configFilename: "results.json", log: [], metricsFile: staging, finalMetrics: final,
            extraMarkdown: sections, extraCharts: charts)
    }
}

public enum ExperimentReportError: Error, Equatable, CustomStringConvertible {
    case reservedKey(String, row: String)
    case duplicateKey(String, row: String)

    public var description: String {
        switch self {
        case let .reservedKey(k, row):
            return "experiment report: row '\(row)' uses the standard key '\(k)' as a parameter or metric"
        case let .duplicateKey(k, row):
            return "experiment report: row '\(row)' has the key '\(k)' twice"
        }
    }
}
