import EndToEnd
import EndToEndTraining
import Foundation

/// Runs several strategies on the same setup (same model recipe, data, data order, optimizer
/// and budget) and reports them side by side.
///
/// ```swift
/// let comparison = Comparison(setup: setup, strategies: [EndToEndStrategy(), StepByStepStrategy()])
/// let result = try comparison.run()
/// try result.writeReport(to: URL(fileURLWithPath: "reports/compare"), title: "Parity, k = 2")
/// print(result.jsonSummary())
/// ```
public struct Comparison: Sendable {
    public var setup: StrategySetup
    public var strategies: [any Strategy]
    /// The processes the strategies are spread over (``Communicator/spread(_:encode:decode:_:)``);
    /// every process gets all the results.
    public var communicator: any Communicator

    public init(setup: StrategySetup, strategies: [any Strategy], communicator: any Communicator = LocalCommunicator()) {
        self.setup = setup
        self.strategies = strategies
        self.communicator = communicator
    }

    /// Runs every strategy, spread over the ranks of an MPI job: an ensemble whose members can
    /// train apart (``EnsembleStrategy/spreadsMembers(over:)``) runs on every rank together, its
    /// members spread over them; every other strategy runs whole on one rank (snake order).
    /// Each starts from the same seeded weights and batches wherever it runs, so the results,
    /// in the listed order on every rank, equal one process's (timings aside).
    public func run() throws -> ComparisonResults {
        _ = try setup.validate()
        var names = Set<String>()
        for s in strategies where !names.insert(s.name).inserted {
            throw StrategyError("strategy '\(s.name)' is listed twice")
        }
        let start = Date()
        let size = communicator.size
        let together = strategies.indices.filter { (strategies[$0] as? EnsembleStrategy)?.spreadsMembers(over: size) == true }
        let alone = strategies.indices.filter { !together.contains($0) }
        let decode = { (bytes: [UInt8]) in
            try StrategyResult(decoding: Data(bytes), file: URL(fileURLWithPath: "(a result from another rank)"))
        }
        var results = [StrategyResult?](repeating: nil, count: strategies.count)
        for i in together {
            setup.log?("== \(strategies[i].name) (members spread over \(size) processes)")
            var s = setup
            s.memberCommunicator = communicator
            // A rank's checkpoint would hold the other ranks' members as they started; resuming
            // under mpirun is refused anyway.
            s.checkpointing = nil
            let mine = try s.run(strategies[i])
            // Rank 0's result (its diagnostics are those of member 0, which it trains) on every rank.
            results[i] = try decode(try communicator.allgather([UInt8](try mine.encoded()))[0])
        }
        let spread = try communicator.spread(alone.count, encode: { [UInt8](try $0.encoded()) }, decode: decode) { j in
            setup.log?("== \(strategies[alone[j]].name)")
            return try setup.run(strategies[alone[j]])
        }
        for (j, r) in spread.enumerated() { results[alone[j]] = r }
        return ComparisonResults(results: results.map { $0! }, wallSeconds: Date().timeIntervalSince(start))
    }
}

/// The results of a ``Comparison``.
public struct ComparisonResults: Sendable {
    public var results: [StrategyResult]
    /// Seconds for the whole comparison, evaluations included.
    public var wallSeconds: Double

    public init(results: [StrategyResult], wallSeconds: Double) {
        self.results = results
        self.wallSeconds = wallSeconds
    }

    /// Every strategy's curves and diagnostics in one log, the strategy's name as the split.
    public var log: [MetricsRecord] {
        results.flatMap { r in (r.curve + r.diagnostics).map { rec in
            var rec = rec
            rec.split = r.strategy
            return rec
        } }
    }

    /// The results table in Markdown: final metrics, budgets, and the difference from
    /// end-to-end (when it was run).
    public var markdownTable: String {
        let interfaces = Set(results.flatMap { $0.metrics.keys.filter { $0.hasSuffix("_accuracy") && $0 != "test_accuracy"
            && !$0.hasPrefix("member") } }).sorted()
        let baseline = results.first { $0.strategy == "end-to-end" }?.testAccuracy
        var header = ["strategy", "test accuracy"] + interfaces.map { $0.replacingOccurrences(of: "_", with: " ") }
        header += ["test loss", "steps", "samples seen", "parameters", "train seconds"]
        if baseline != nil { header.append("Δ accuracy vs end-to-end") }
        var md = "| " + header.joined(separator: " | ") + " |\n|" + header.map { _ in "---" }.joined(separator: "|") + "|\n"
        for r in results {
            var row = [r.strategy, Self.format(r.testAccuracy)] + interfaces.map { Self.format(r.metrics[$0]) }
            row += [Self.format(r.metrics["test_loss"]), "\(r.steps)", "\(r.samplesSeen)", "\(r.parameterCount)",
                    String(format: "%.1f", r.wallSeconds)]
            if let b = baseline { row.append(r.testAccuracy.map { String(format: "%+.4f", $0 - b) } ?? "–") }
            md += "| " + row.joined(separator: " | ") + " |\n"
        }
        return md
    }

    static func format(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "–" }

    /// One JSON object: `{"results": [{"strategy", "test_accuracy", "wall_seconds", "steps",
    /// "samples", "parameters", ...final metrics}], "wall_seconds", ...extra}`.
    public func jsonSummary(extra: [String: Any] = [:]) -> String {
        var object = extra
        object["results"] = results.map { r -> [String: Any] in
            var row: [String: Any] = ["strategy": r.strategy, "wall_seconds": Self.round(r.wallSeconds), "steps": r.steps,
                                      "samples": r.samplesSeen, "parameters": r.parameterCount]
            for (k, v) in r.metrics where v.isFinite { row[k] = Self.round(v) }
            return row
        }
        object["wall_seconds"] = Self.round(wallSeconds)
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func round(_ v: Double) -> Double { (v * 1e6).rounded() / 1e6 }

    /// Writes the report folder (atomically): summary with the table, the combined log,
    /// learning curves of all strategies overlaid, gradient diagnostics, and `results.json`.
    @discardableResult
    public func writeReport(to directory: URL, title: String, configText: String? = nil, configFilename: String? = nil,
                            notes: [String] = []) throws -> URL {
        var charts: [(filename: String, chart: SVGChart)] = []
        let log = self.log
        for metric in log.metricNames where metric.hasPrefix("snr/") {
            var chart = log.chart(metric, against: .step,
                                  title: "Gradient signal-to-noise ratio of \(metric.dropFirst(4)) vs step")
            chart.logY = true
            chart.yLabel = "SNR = |mean g| / std g (log scale)"
            charts.append((filename: "snr_" + metric.dropFirst(4).replacingOccurrences(of: "/", with: "_") + "_log", chart: chart))
        }
        if results.contains(where: { $0.testAccuracy != nil }) {
            charts.append((filename: "final_test_accuracy", chart: SVGChart.bar(
                title: "Final test accuracy by strategy", yLabel: "test accuracy",
                bars: results.map { SVGChart.Bar(label: $0.strategy, value: $0.testAccuracy ?? 0) })))
            charts.append((filename: "train_seconds", chart: SVGChart.bar(
                title: "Training time by strategy", yLabel: "training time (s)",
                bars: results.map { SVGChart.Bar(label: $0.strategy, value: $0.wallSeconds) })))
        }
        var final: [String: Double] = [:]
        for r in results { for (k, v) in r.metrics { final["\(r.strategy)/\(k)"] = v } }
        var sections = ["## Strategies\n\n" + markdownTable]
        sections.append("Steps count optimizer updates over all stages; samples seen count examples fed to a model (an "
                        + "ensemble step counts once per member); parameters count everything trained, auxiliary heads "
                        + "and every member included; train seconds exclude evaluation and diagnostics.")
        let stageLines = results.map { r in "- **\(r.strategy)**: " + r.stages.map { "\($0.name) (\($0.steps) steps)" }.joined(separator: ", ") }
        sections.append("## Stages\n\n" + stageLines.joined(separator: "\n"))
        sections += notes
        let summary = try ReportWriter(directory: directory).write(
            title: title, configText: configText, configFilename: configFilename, log: log, finalMetrics: final,
            extraMarkdown: sections, extraCharts: charts)
        let dir = summary.deletingLastPathComponent()
        try AtomicFile.write(Data((jsonSummary() + "\n").utf8), to: dir.appendingPathComponent("results.json"))
        return dir
    }
}
