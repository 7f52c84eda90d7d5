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

            Until it finishes, the comparison lives in a hidden folder beside its report \
            (.<report>.training/): each finished strategy's result, and a checkpoint of the \
            strategy in progress every --checkpoint-every steps. On SIGINT or SIGTERM the step \
            in progress finishes, a checkpoint is written, the resume command is printed and the \
            exit status is 130 or 143. `--resume REPORT` skips the finished strategies and \
            continues the unfinished one, to the numbers an uninterrupted run gives.
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

    @Option(help: "Continue the unfinished comparison whose report folder this is.")
    var resume: String?

    @Option(name: .customLong("checkpoint-every"), help: "Steps between checkpoints of the strategy in progress.")
    var checkpointEvery: Int = 100

    @OptionGroup var threads: ThreadOptions

    func run() throws {
        let started = Date()
        // Under mpirun the strategies are spread over the ranks; rank 0 writes and prints.
        let communicator = try DistributedSupport.join()
        let distributed = communicator.size > 1
        if distributed && resume != nil {
            RunSupport.err("error: --resume is not supported under mpirun yet; resume the comparison in one process")
            throw ExitCode(1)
        }
        let scratch = communicator.isRoot ? nil : DistributedSupport.scratchFolder(rank: communicator.rank)
        defer { if let scratch { try? FileManager.default.removeItem(at: scratch) } }
        var cfg: CompareConfig
        do { cfg = try CompareConfig.load(contentsOf: URL(fileURLWithPath: config)) } catch {
            RunSupport.err("\(error)")
            throw ExitCode(2)
        }
        // A resumed comparison keeps the overrides it was started with, unless given again.
        var steps = self.steps, strategies = self.strategies
        if let resume, let manifest = try? UnfinishedRun(report: URL(fileURLWithPath: resume)).readManifest() {
            if steps == nil { steps = manifest["steps"].flatMap(Int.init) }
            if strategies == nil { strategies = manifest["strategies"] }
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
        if resume != nil && output != nil { throw ValidationError("--resume continues a comparison in its own report folder; --output does not apply") }
        guard checkpointEvery >= 1 else { throw ValidationError("--checkpoint-every must be at least 1, got \(checkpointEvery)") }
        let directory = scratch?.appendingPathComponent("report")
            ?? resume.map { URL(fileURLWithPath: $0) } ?? output.map { URL(fileURLWithPath: $0) } ?? cfg.reportDirectory
        let configText = (try? String(contentsOf: URL(fileURLWithPath: config), encoding: .utf8)) ?? ""
        let unfinished = UnfinishedRun(report: directory)
        let reportPath = resume ?? output ?? TrainCommand.relativePath(directory.standardizedFileURL)
        _ = try RunSupport.checkUnfinished(unfinished, path: reportPath, resuming: resume != nil, what: "comparison",
                                           resumeCommand: "e2e compare \(config) --resume \(reportPath)",
                                           config: config, configText: configText)

        RunSupport.out("compare \(cfg.name): \(list.map(\.name).joined(separator: ", "))")
        RunSupport.out("data \(cfg.data.rawValue)\(cfg.data == .parityLines ? " k=\(cfg.k)" : ""): \(cfg.trainCount) train, \(cfg.testCount) test; \(cfg.steps) steps of \(cfg.batchSize), budget by \(cfg.policy.rawValue); threads \(Threading.threadCount)"
                       + (distributed ? "; strategies spread over \(DistributedSupport.describe(communicator))" : ""))
        var setup: StrategySetup
        do { setup = try cfg.makeSetup(log: { RunSupport.out($0) }) } catch {
            RunSupport.err("error: cannot load data '\(cfg.data.rawValue)': \(error)")
            throw ExitCode(1)
        }
        if resume == nil {
            // Only now, so that a configuration or data error leaves no unfinished run behind.
            var manifest = ["config": config, "config_sha": TrainCommand.digest(configText)]
            if let steps { manifest["steps"] = String(steps) }
            if let strategies { manifest["strategies"] = strategies }
            try RunSupport.createUnfinished(unfinished, manifest: manifest)
        }
        let flag = InterruptFlag()
        setup.checkpointing = StrategyCheckpointing(directory: unfinished.directory, everySteps: checkpointEvery, interrupt: flag)
        let interrupts = InterruptHandler(abortAtOnce: distributed) { flag.request() }
        let result: ComparisonResults
        do { result = try Comparison(setup: setup, strategies: list, communicator: communicator).run() } catch let e as StrategyInterrupted {
            interrupts.uninstall()
            RunSupport.out("interrupted: \(e)")
            RunSupport.out("resume with: e2e compare \(config) --resume \(reportPath)")
            throw ExitCode(interrupts.exitStatus)
        } catch {
            interrupts.uninstall()
            RunSupport.err("error: \(error)")
            RunSupport.err("finished strategies and checkpoints are kept; after fixing the cause: e2e compare \(config) --resume \(reportPath)")
            throw ExitCode(1)
        }
        interrupts.uninstall()
        let text: String? = configText.isEmpty ? nil : configText
        guard communicator.isRoot else {
            unfinished.remove()
            return
        }
        let folder = try result.writeReport(
            to: directory, title: "Strategies compared: \(cfg.name)", configText: text,
            configFilename: "config" + (config.hasSuffix(".json") ? ".json" : ".yaml"))
        unfinished.remove()
        RunSupport.out("")
        RunSupport.out(result.markdownTable)
        RunSupport.out("report: \(folder.path)")
        RunSupport.out(result.jsonSummary(extra: [
            "command": "compare", "config": cfg.name, "report": folder.path,
            "total_seconds": (Date().timeIntervalSince(started) * 1000).rounded() / 1000,
            "world_size": communicator.size,
        ]))
    }
}
