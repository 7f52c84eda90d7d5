import ArgumentParser
import EndToEndExperiments
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

        let path = output ?? "reports/\(name)\(quick ? "-quick" : "")-\(TrainCommand.timestamp())"
        let directory = URL(fileURLWithPath: path).standardizedFileURL
        let context = ExperimentContext(quick: quick, seed: seed, outputDirectory: directory,
                                        log: { RunSupport.out("[\(name)] " + $0) })
        RunSupport.out("e2e experiment \(name)\(quick ? " --quick" : ""): seed \(seed), report \(path)")
        let start = Date()
        let result: ExperimentResult
        do { result = try experiment.run(context) } catch {
            RunSupport.err("error: experiment \(name) failed: \(error)")
            throw ExitCode(1)
        }
        let wall = Date().timeIntervalSince(start)
        do {
            try ExperimentReport(directory: directory).write(result, experiment: experiment, quick: quick, seed: seed,
                                                             wallSeconds: wall)
        } catch {
            RunSupport.err("error: cannot write the report to \(path): \(error)")
            throw ExitCode(1)
        }
        for line in result.table.split(separator: "\n") { RunSupport.out(String(line)) }
        RunSupport.out(ExperimentReport.summary(experiment: name, quick: quick, seed: seed, rows: result.rows,
                                                wallSeconds: wall, report: path).encoded)
    }
}
