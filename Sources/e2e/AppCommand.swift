import ArgumentParser
import EndToEndApplications
import EndToEndTraining
import Foundation

/// `e2e app NAME`: runs one of the founding article's applications, end-to-end against the pipeline.
struct AppCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "app",
        abstract: "Run an application (end-to-end against the classic pipeline) and write its report folder.",
        discussion: """
            Each application trains an end-to-end network from the raw input and the traditional \
            multi-stage pipeline on the same split, and measures the article's claims: data \
            efficiency at 5 training-set fractions, a shifted test set, attributions beside the \
            pipeline's intermediate, and maintenance cost. The report folder holds summary.md, \
            results.json, metrics.jsonl, figures/ and models/<approach>/ (config.yaml + \
            model.safetensors + the exported test examples, for e2e predict). The last line of \
            standard output is the JSON summary: {"app", "data", "results", "data_efficiency", \
            "shift", "maintenance", ..., "report"}. Docs: docs/apps/NAME.md.
            """
    )

    @Argument(help: "The application to run (see --list).") var name: String?
    @Flag(help: "List the applications and exit.") var list = false
    @Flag(help: "A short run (about a minute on two cores).") var quick = false
    @Flag(help: "A few seconds: every code path on tiny sizes (what the tests run).") var smoke = false
    @Option(help: "Read the real data from PATH instead of the package's install location.") var data: String?
    @Option(help: "Root seed; every data set, split and initialisation is derived from it.") var seed: UInt64 = 0
    @Option(help: "Report directory (default: reports/<name>[-quick|-smoke]-<timestamp>).") var output: String?
    @OptionGroup var threads: ThreadOptions

    func run() throws {
        // Every rank would run the whole application and write the same report.
        if Distributed.launcherEnvironment() != nil, try DistributedSupport.join().size > 1 {
            RunSupport.err("error: e2e app does not run under mpirun with several ranks yet; run it as one process (mpirun -np 1, or without mpirun)")
            throw ExitCode(1)
        }
        if list {
            RunSupport.list(ApplicationRegistry.all.map { ($0.name, $0.summary) })
            return
        }
        let available = ApplicationRegistry.names.isEmpty ? "none" : ApplicationRegistry.names.joined(separator: ", ")
        guard let name else {
            RunSupport.err("error: give an application name or --list; available: \(available)")
            throw ExitCode(2)
        }
        guard let application = ApplicationRegistry.application(named: name) else {
            RunSupport.err("error: unknown application '\(name)'; available: \(available)")
            throw ExitCode(2)
        }
        if quick && smoke {
            RunSupport.err("error: give at most one of --quick and --smoke")
            throw ExitCode(2)
        }
        try threads.apply()

        let size: ApplicationContext.Size = smoke ? .smoke : quick ? .quick : .full
        let path = output ?? "reports/\(name)\(size == .full ? "" : "-" + size.rawValue)-\(TrainCommand.timestamp())"
        let directory = URL(fileURLWithPath: path).standardizedFileURL
        let fm = FileManager.default
        let artifacts = fm.temporaryDirectory.appendingPathComponent("e2e-app-\(name)-\(UUID().uuidString)", isDirectory: true)
        defer { try? fm.removeItem(at: artifacts) }
        let context = ApplicationContext(
            size: size, seed: seed, dataPath: data.map { URL(fileURLWithPath: $0).standardizedFileURL },
            outputDirectory: directory, artifactsDirectory: artifacts, cacheDirectory: Self.cacheDirectory(for: name),
            log: { RunSupport.out("[\(name)] " + $0) })
        RunSupport.out("e2e app \(name)\(size == .full ? "" : " --" + size.rawValue): seed \(seed), report \(path)")
        let start = Date()
        let result: ApplicationResult
        do {
            try fm.createDirectory(at: artifacts, withIntermediateDirectories: true)
            result = try application.run(context)
        } catch {
            RunSupport.err("error: application \(name) failed: \(error)")
            throw ExitCode(1)
        }
        let wall = Date().timeIntervalSince(start)
        do {
            try ApplicationReport(directory: directory).write(result, application: application, context: context, wallSeconds: wall)
        } catch {
            RunSupport.err("error: cannot write the report to \(path): \(error)")
            throw ExitCode(1)
        }
        for line in ApplicationReport.resultsTable(result.results).split(separator: "\n") { RunSupport.out(String(line)) }
        RunSupport.out(result.summary(app: name, report: path).encoded)
    }

    /// `$XDG_CACHE_HOME/e2e/<name>`, else `~/.cache/e2e/<name>`: caches that outlive a run.
    static func cacheDirectory(for name: String) -> URL {
        let env = ProcessInfo.processInfo.environment
        let base = env["XDG_CACHE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
        return base.appendingPathComponent("e2e").appendingPathComponent(name)
    }
}
