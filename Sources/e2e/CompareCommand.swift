import ArgumentParser
import EndToEndKernels
import EndToEndStrategies
import EndToEndTraining
import Foundation

/// `e2e compare CONFIG`: several training strategies on the same model, data and budget.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Train one composite model with several strategies and compare them.",
        discussion: """
            Strategies: \(StrategyCatalog.names.joined(separator: ", ")), or 'all'. Each starts from the \
            same initial weights and sees the same batches; the budget (steps, or samples with \
            budget: samples) is the same for all. Writes a report folder (table, overlaid learning \
            curves, gradient norms and signal-to-noise ratios) and prints a one-line JSON summary last. \
            The configuration schema is in docs/strategies.md.
            """
    )

    @Argument(help: "Comparison configuration (JSON or YAML).")
    var config: String

    @Option(help: "Comma-separated strategies, overriding the configuration's list ('all' for every family).")
    var strategies: String?

    @Option(help: "Optimizer steps per strategy, overriding the configuration.")
    var steps: Int?

    @Option(help: "Report folder, overriding output.directory.")
    var output: String?

    @OptionGroup var threads: ThreadOptions

    func run() throws {
        let started = Date()
        var cfg: CompareConfig
        do { cfg = try CompareConfig.load(contentsOf: URL(fileURLWithPath: config)) } catch {
            RunSupport.err("\(error)")
            throw ExitCode(2)
        }
        if let steps {
            guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
            cfg.steps = steps
        }
        if let strategies { cfg.strategies = [strategies] }
        let list: [any Strategy]
        do { list = try cfg.makeStrategies() } catch {
            RunSupport.err("error: --strategies: \(error)")
            throw ExitCode(2)
        }
        if threads.threads == nil, let t = cfg.threads { Threading.threadCount = t }
        try threads.apply()
        let directory = output.map { URL(fileURLWithPath: $0) } ?? cfg.reportDirectory

        RunSupport.out("compare \(cfg.name): \(list.map(\.name).joined(separator: ", "))")
        RunSupport.out("data \(cfg.data.rawValue)\(cfg.data == .parityLines ? " k=\(cfg.k)" : ""): \(cfg.trainCount) train, \(cfg.testCount) test; \(cfg.steps) steps of \(cfg.batchSize), budget by \(cfg.policy.rawValue); threads \(Threading.threadCount)")
        let setup: StrategySetup
        do { setup = try cfg.makeSetup(log: { RunSupport.out($0) }) } catch {
            RunSupport.err("error: cannot load data '\(cfg.data.rawValue)': \(error)")
            throw ExitCode(1)
        }
        let result: ComparisonResults
        do { result = try Comparison(setup: setup, strategies: list).run() } catch {
            RunSupport.err("error: \(error)")
            throw ExitCode(1)
        }
        let text = try? String(contentsOf: URL(fileURLWithPath: config), encoding: .utf8)
        let folder = try result.writeReport(
            to: directory, title: "Strategies compared: \(cfg.name)", configText: text,
            configFilename: "config" + (config.hasSuffix(".json") ? ".json" : ".yaml"))
        RunSupport.out("")
        RunSupport.out(result.markdownTable)
        RunSupport.out("report: \(folder.path)")
        RunSupport.out(result.jsonSummary(extra: [
            "command": "compare", "config": cfg.name, "report": folder.path,
            "total_seconds": (Date().timeIntervalSince(started) * 1000).rounded() / 1000,
        ]))
    }
}
