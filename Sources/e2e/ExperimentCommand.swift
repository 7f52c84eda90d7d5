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
            {"experiment", "quick", "seed", "seeds", "budget", "results": [{"strategy", <setting>, "test_accuracy", \
            "seeds", "test_accuracy_mean", "test_accuracy_std", "steps", "wall_seconds", ..., "per_seed": [...]}], \
            <experiment fields, e.g. "snr", "breakdown">, "report", "wall_seconds"}. With --seeds N the experiment \
            runs N times (the first with --seed itself, the others with seeds derived from it); test_accuracy is \
            the mean, test_accuracy_std the sample standard deviation (n - 1). Docs: docs/experiments/NAME.md.
            """
    )

    @Argument(help: "The experiment to run (see --list).") var name: String?
    @Flag(help: "List the experiments and exit.") var list = false
    @Flag(help: "A short run (a few minutes on two cores) with the same qualitative outcome where possible.")
    var quick = false
    @Option(help: "Root seed; every data set and initialisation is derived from it.") var seed: UInt64 = 0
    @Option(help: "Repetitions with different seeds (default: 1 with --quick, 3 otherwise); the first uses --seed itself.")
    var seeds: Int?
    @Option(help: "Training budget: standard (the experiment's defaults) or paper (the budget its paper states, where it states one).")
    var budget: String = "standard"
    @Option(help: "Comma-separated values of the experiment's swept axis to run, instead of its whole sweep (parity-lines: k, parity-bits: d, module-chain: n), e.g. --grid 2,3.")
    var grid: String?
    @Option(help: "Report directory (default: reports/<name>[-quick]-<timestamp>).") var output: String?
    @Option(help: "Continue the unfinished run whose report folder this is (parity-lines, local-losses, ensemble-vs-e2e and data-size keep finished strategies and continue the unfinished one from its checkpoint; parity-bits, stocks and module-chain keep finished grid cells and train the unfinished cell again).")
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
        guard var experiment = ExperimentRegistry.experiment(named: name) else {
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

        guard var budget = ExperimentBudget(rawValue: self.budget) else {
            throw ValidationError("--budget must be standard or paper, got '\(self.budget)'")
        }
        if budget == .paper && experiment.paperBudget == nil {
            throw ValidationError("--budget paper: experiment \(name) has no budget stated by its paper; use --budget standard")
        }
        if let seeds, seeds < 1 { throw ValidationError("--seeds must be at least 1, got \(seeds)") }
        var quick = self.quick, seed = self.seed, grid = self.grid
        var seeds = self.seeds ?? (quick ? 1 : 3)
        let path = scratch.map { $0.appendingPathComponent("report").path } ?? resume ?? output ?? "reports/\(name)\(quick ? "-quick" : "")-\(TrainCommand.timestamp())"
        let directory = URL(fileURLWithPath: path).standardizedFileURL
        // Until it finishes, the run's strategy checkpoints and finished results live beside the report.
        let unfinished = UnfinishedRun(report: directory)
        let existing = try RunSupport.checkUnfinished(unfinished, path: path, resuming: resume != nil, what: "run",
                                                         resumeCommand: "e2e experiment \(name) --resume \(path)")
        let manifestless = existing == nil
        if let manifest = existing {
            guard manifest["experiment"] == name else {
                RunSupport.err("error: --resume: \(path) is an unfinished run of experiment '\(manifest["experiment"] ?? "?")', not \(name)")
                throw ExitCode(1)
            }
            quick = manifest["quick"] == "true"
            seed = manifest["seed"].flatMap(UInt64.init) ?? seed
            seeds = manifest["seeds"].flatMap(Int.init) ?? 1
            budget = manifest["budget"].flatMap(ExperimentBudget.init) ?? .standard
            if let g = manifest["grid"], self.grid != nil && self.grid != g {
                RunSupport.err("error: --resume: \(path) runs --grid \(g); leave --grid out or give the same values")
                throw ExitCode(1)
            }
            grid = manifest["grid"]
        }
        if let grid { experiment = try Self.narrowed(experiment, to: grid) }
        if manifestless {
            var manifest = ["experiment": name, "quick": String(quick), "seed": String(seed), "seeds": String(seeds), "budget": budget.rawValue]
            if let grid { manifest["grid"] = grid }
            try RunSupport.createUnfinished(unfinished, manifest: manifest)
        }
        let flag = InterruptFlag()
        let resumeLine = "resume with: e2e experiment \(name) --resume \(path)"
        let resumable = experiment.isResumable
        // Strategy runs stop at a step boundary with a checkpoint; the others keep finished grid
        // cells on disk (each written atomically) and stop at once.
        let interrupts = InterruptHandler(stopping: resumable ? "stopping after this step (again to abort)" : "stopping now; finished cells are kept",
                                          abortAtOnce: distributed) { sig in
            guard resumable else { RunSupport.out("interrupted; " + resumeLine); _exit(128 + sig) }
            flag.request()
        }
        let context = ExperimentContext(quick: quick, seed: seed, outputDirectory: directory,
                                        log: { RunSupport.out("[\(name)] " + $0) },
                                        checkpointing: StrategyCheckpointing(directory: unfinished.directory, interrupt: flag),
                                        budget: budget, communicator: communicator)
        RunSupport.out("e2e experiment \(name)\(quick ? " --quick" : "")\(budget == .paper ? " --budget paper" : "")\(grid.map { " --grid " + $0 } ?? ""): seed \(seed), \(seeds) seed(s), report \(path)")
        let start = Date()
        let result: ExperimentResult
        do { result = try SeedRuns.run(experiment, context, seeds: seeds) } catch let e as StrategyInterrupted {
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
                                                             wallSeconds: wall, seeds: seeds, budget: budget, grid: grid)
        } catch {
            RunSupport.err("error: cannot write the report to \(path): \(error)")
            throw ExitCode(1)
        }
        unfinished.remove()
        for line in result.table.split(separator: "\n") { RunSupport.out(String(line)) }
        var summary = ExperimentReport.summary(experiment: name, quick: quick, seed: seed, rows: result.rows,
                                               wallSeconds: wall, report: path, seeds: seeds, budget: budget,
                                               grid: grid, fields: result.summaryFields)
        if case .object(let fields) = summary { summary = .object(fields + [("world_size", .int(communicator.size))]) }
        RunSupport.out(summary.encoded)
    }

    /// The experiment narrowed to `--grid`'s values of its swept axis; a clear error otherwise.
    static func narrowed(_ experiment: any Experiment, to grid: String) throws -> any Experiment {
        guard let axis = experiment.sweptAxis else {
            throw ValidationError("--grid: experiment \(experiment.name) has no swept axis whose values can be chosen")
        }
        let parts = grid.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        var values: [Int] = []
        for p in parts {
            guard let v = Int(p) else { throw ValidationError("--grid: '\(p)' in '\(grid)' is not a whole number (values of \(axis), comma-separated)") }
            values.append(v)
        }
        do { return try experiment.sweeping(values) } catch { throw ValidationError("--grid: \(error)") }
    }
}
