import ArgumentParser
import EndToEndExperiments
import EndToEndStrategies
import EndToEndTraining
import Foundation

/// `e2e experiment NAME`: runs one of the experiments that probe the limits of end-to-end learning.
struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Run a named experiment and write its report folder.",
        discussion: """
            Each experiment writes a report folder (summary.md with the setup and results table, \
            results.json, metrics.jsonl with the learning curves, figures/*.svg) and prints progress \
            lines, then a one-line JSON summary as the last line of standard output: \
            {"experiment", "quick", "seed", "results": [{"strategy", <setting>, "test_accuracy", "steps", \
            "wall_seconds", ...}], "report", "wall_seconds"}. Docs: docs/experiments/NAME.md.
            """
    )

    @Argument(help: "The experiment to run (see --list).") var name: String?
    @Flag(help: "List the experiments and exit.") var list = false
    @Flag(help: "A short run (a few minutes on two cores) with the same qualitative outcome where possible.")
    var quick = false
    @Option(help: "Root seed; every data set and initialisation is derived from it.") var seed: UInt64 = 0
    @Option(help: "Report directory (default: reports/<name>[-quick]-<timestamp>).") var output: String?
    @Option(help: "Continue the unfinished run whose report folder this is (parity-lines, local-losses and ensemble-vs-e2e keep finished strategies and continue the unfinished one; the others start again).")
    var resume: String?
    @OptionGroup var threads: ThreadOptions

    func run() throws {
        if list {
            RunSupport.list(ExperimentRegistry.all.map { ($0.name, $0.summary) })
            return
        }
        guard let name else {
            RunSupport.err("error: give an experiment name or --list; available: \(ExperimentRegistry.names.joined(separator: ", "))")
            throw ExitCode(2)
        }
        guard let experiment = ExperimentRegistry.experiment(named: name) else {
            RunSupport.err("error: unknown experiment '\(name)'; available: \(ExperimentRegistry.names.joined(separator: ", "))")
            throw ExitCode(2)
        }
        try threads.apply()
        // Under mpirun the grid's cells are spread over the ranks (experiments that have a grid
        // of strategy runs); rank 0 writes and prints.
        let communicator = try DistributedSupport.join()
        let distributed = communicator.size > 1
        if distributed && resume != nil {
            RunSupport.err("error: --resume is not supported under mpirun yet; resume the experiment in one process")
            throw ExitCode(1)
        }
        let scratch = communicator.isRoot ? nil : DistributedSupport.scratchFolder(rank: communicator.rank)
        defer { if let scratch { try? FileManager.default.removeItem(at: scratch) } }
        if resume != nil && output != nil { throw ValidationError("--resume continues a run in its own report folder; --output does not apply") }

        var quick = self.quick, seed = self.seed
        let path = scratch.map { $0.appendingPathComponent("report").path } ?? resume ?? output ?? "reports/\(name)\(quick ? "-quick" : "")-\(TrainCommand.timestamp())"
        let directory = URL(fileURLWithPath: path).standardizedFileURL
        // Until it finishes, the run's strategy checkpoints and finished results live beside the report.
        let unfinished = UnfinishedRun(report: directory)
        if let manifest = try RunSupport.checkUnfinished(unfinished, path: path, resuming: resume != nil, what: "run",
                                                         resumeCommand: "e2e experiment \(name) --resume \(path)") {
            guard manifest["experiment"] == name else {
                RunSupport.err("error: --resume: \(path) is an unfinished run of experiment '\(manifest["experiment"] ?? "?")', not \(name)")
                throw ExitCode(1)
            }
            quick = manifest["quick"] == "true"
            seed = manifest["seed"].flatMap(UInt64.init) ?? seed
        } else {
            try RunSupport.createUnfinished(unfinished, manifest: ["experiment": name, "quick": String(quick), "seed": String(seed)])
        }
        let flag = InterruptFlag()
        let resumeLine = "resume with: e2e experiment \(name) --resume \(path)"
        let resumable = experiment.isResumable
        let interrupts = InterruptHandler(abortAtOnce: distributed) {
            // Only strategy runs can stop at a step boundary with a checkpoint; others stop now.
            guard resumable else { RunSupport.out("interrupted; " + resumeLine + " (this experiment starts again)"); _exit(130) }
            flag.request()
        }
        let context = ExperimentContext(quick: quick, seed: seed, outputDirectory: directory,
                                        log: { RunSupport.out("[\(name)] " + $0) },
                                        checkpointing: StrategyCheckpointing(directory: unfinished.directory, interrupt: flag),
                                        communicator: communicator)
        RunSupport.out("e2e experiment \(name)\(quick ? " --quick" : ""): seed \(seed), report \(path)")
        let start = Date()
        let result: ExperimentResult
        do { result = try experiment.run(context) } catch let e as StrategyInterrupted {
            interrupts.uninstall()
            RunSupport.out("interrupted: \(e)")
            RunSupport.out(resumeLine)
            throw ExitCode(interrupts.exitStatus)
        } catch {
            interrupts.uninstall()
            RunSupport.err("error: experiment \(name) failed: \(error)")
            RunSupport.err("finished parts are kept; after fixing the cause: e2e experiment \(name) --resume \(path)")
            throw ExitCode(1)
        }
        interrupts.uninstall()
        let wall = Date().timeIntervalSince(start)
        guard communicator.isRoot else {
            unfinished.remove()
            return
        }
        do {
            try ExperimentReport(directory: directory).write(result, experiment: experiment, quick: quick, seed: seed,
                                                             wallSeconds: wall)
        } catch {
            RunSupport.err("error: cannot write the report to \(path): \(error)")
            throw ExitCode(1)
        }
        unfinished.remove()
        for line in result.table.split(separator: "\n") { RunSupport.out(String(line)) }
        var summary = ExperimentReport.summary(experiment: name, quick: quick, seed: seed, rows: result.rows,
                                               wallSeconds: wall, report: path)
        if case .object(let fields) = summary { summary = .object(fields + [("world_size", .int(communicator.size))]) }
        RunSupport.out(summary.encoded)
    }
}
