import EndToEndTraining
import Foundation

/// Writes an application's report folder, through ``ReportWriter`` (complete or not at all):
///
/// ```
/// <directory>/
///   summary.md      the task, data, results, data efficiency, shift, maintenance, models, notes
///   results.json    the JSON summary (the command's last line, without "report")
///   metrics.jsonl   the learning curves: {"step", "wall_seconds", "split": <approach>, <metric>}
///   figures/        learning curves, data efficiency, shift, the app's figures and images (PNG)
///   models/<approach>/config.yaml, model.safetensors, inputs.npy, labels.npy
/// ```
public struct ApplicationReport: Sendable {
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    /// Writes the report of `result` and returns the URL of `summary.md`. The models are
    /// copied from `context.artifactsDirectory/models` when the application saved any.
    @discardableResult
    public func write(_ result: ApplicationResult, application: any Application, context: ApplicationContext,
                      wallSeconds: Double) throws -> URL {
        let summary = result.summary(app: application.name, report: nil)
        var final: [String: Double] = [:]
        for r in result.results { final["\(r.approach): \(r.metric)"] = r.value }

        var sections: [String] = []
        sections.append("## Application\n\n\(application.summary)\n\n- size: \(context.size.rawValue)\n- seed: \(context.seed)\n"
                        + "- wall time: \(String(format: "%.1f", wallSeconds)) s")
        var data = "## Data\n\n- source: \(result.data.source)\n- training examples: \(result.data.train)\n- test examples: \(result.data.test)\n"
        if let l = result.data.licence { data += "- licence: \(l)\n" }
        if let n = result.data.note { data += "- note: \(n)\n" }
        sections.append(data)
        if !result.setup.isEmpty { sections.append("## Setup\n\n" + result.setup) }
        sections.append("## Results\n\n" + Self.resultsTable(result.results))
        if !result.dataEfficiency.isEmpty { sections.append("## Data efficiency\n\n" + Self.dataEfficiencyTable(result.dataEfficiency)) }
        if !result.shift.isEmpty { sections.append("## Shift\n\n" + ShiftComparison.table(result.shift, shift: "shifted")) }
        if !result.maintenance.isEmpty { sections.append("## Maintenance\n\n" + MaintenanceCost.table(result.maintenance)) }
        if !result.models.isEmpty {
            var m = "## Models\n\nEach trained network's configuration and weights, with the exported test examples:\n\n"
            for s in result.models {
                m += "- \(s.approach): `e2e predict \(s.config) --checkpoint \(s.checkpoint) --input \((s.config as NSString).deletingLastPathComponent)/inputs.npy --output predictions.csv` (paths relative to this folder)\n"
            }
            sections.append(m)
        }
        sections += result.notes

        var charts = result.figures
        let names = Set(charts.map(\.filename))
        if !result.dataEfficiency.isEmpty && !names.contains("data_efficiency") {
            charts.append(("data_efficiency", DataEfficiency.chart(result.dataEfficiency, metric: result.results.first?.metric ?? "metric")))
        }
        if !result.shift.isEmpty && !names.contains("shift") { charts.append(("shift", ShiftComparison.chart(result.shift, shift: "shifted"))) }

        let models = context.artifactsDirectory.appendingPathComponent("models", isDirectory: true)
        let copied: [(path: String, source: URL)] = FileManager.default.fileExists(atPath: models.path) ? [("models", models)] : []
        return try ReportWriter(directory: directory).write(
            title: "Application: \(application.name)\(context.size == .full ? "" : " (\(context.size.rawValue))")",
            configText: summary.encoded + "\n", configFilename: "results.json", log: result.log,
            finalMetrics: final, extraMarkdown: sections, extraCharts: charts,
            extraFiles: result.images.map { (path: "figures/" + $0.filename, data: $0.data) }, copiedItems: copied)
    }

    /// Approach, metric, value, training seconds, parameters and the extra outcomes.
    public static func resultsTable(_ rows: [ApproachResult]) -> String {
        var extraKeys: [String] = []
        for r in rows { for (k, _) in r.extra where !extraKeys.contains(k) { extraKeys.append(k) } }
        var md = "| approach | metric | value | train s | parameters |" + extraKeys.map { " \($0) |" }.joined() + "\n"
        md += "|---|---|---:|---:|---:|" + String(repeating: "---:|", count: extraKeys.count) + "\n"
        for r in rows {
            md += "| \(r.approach) | \(r.metric) | \(Format.number(r.value)) | \(String(format: "%.2f", r.trainSeconds)) | \(r.parameters) |"
            for k in extraKeys {
                let v = r.extra.first { $0.0 == k }?.1
                md += " \(v.map(Self.cell) ?? "–") |"
            }
            md += "\n"
        }
        return md
    }

    /// One row per approach, one column per fraction.
    public static func dataEfficiencyTable(_ points: [DataEfficiencyPoint]) -> String {
        var fractions: [Double] = [], approaches: [String] = []
        for p in points {
            if !fractions.contains(p.fraction) { fractions.append(p.fraction) }
            if !approaches.contains(p.approach) { approaches.append(p.approach) }
        }
        var md = "| approach |" + fractions.map { " \(DataEfficiency.percent($0)) |" }.joined() + "\n|---|"
            + String(repeating: "---:|", count: fractions.count) + "\n"
        for a in approaches {
            md += "| \(a) |"
            for f in fractions {
                md += " \(points.first { $0.approach == a && $0.fraction == f }.map { Format.number($0.value) } ?? "–") |"
            }
            md += "\n"
        }
        return md
    }

    static func cell(_ v: JSONValue) -> String {
        if case .double(let d) = v { return Format.number(d) }
        if case .string(let s) = v { return s }
        return v.encoded
    }
}
