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
    @Option(help: "Continue the unfinished run whose report folder this is: finished parts (each network's fit, each data-efficiency point) are read back, the rest is computed.")
    var resume: String?
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
        if resume != nil && output != nil { throw ValidationError("--resume continues a run in its own report folder; --output does not apply") }
        try threads.apply()

        var size: ApplicationContext.Size = smoke ? .smoke : quick ? .quick : .full
        var seed = self.seed, data = self.data
        let path = resume ?? output ?? "reports/\(name)\(size == .full ? "" : "-" + size.rawValue)-\(TrainCommand.timestamp())"
        let directory = URL(fileURLWithPath: path).standardizedFileURL
        // Until the report is written, the finished parts live beside it.
        let unfinished = UnfinishedRun(report: directory)
        let resumeCommand = "e2e app \(name) --resume \(path)"
        if let manifest = try RunSupport.checkUnfinished(unfinished, path: path, resuming: resume != nil, what: "application run",
                                                         resumeCommand: resumeCommand) {
            guard manifest["app"] == name else {
                RunSupport.err("error: --resume: \(path) is an unfinished run of application '\(manifest["app"] ?? "?")', not \(name)")
                throw ExitCode(1)
            }
            guard let s = manifest["size"].flatMap(ApplicationContext.Size.init(rawValue:)), let sd = manifest["seed"].flatMap(UInt64.init) else {
                RunSupport.err("error: --resume: \(unfinished.directory.path)/run.json lacks a valid 'size' or 'seed'")
                throw ExitCode(1)
            }
            (size, seed, data) = (s, sd, manifest["data"])
        } else {
            var manifest = ["app": name, "size": size.rawValue, "seed": String(seed)]
            if let data { manifest["data"] = URL(fileURLWithPath: data).standardizedFileURL.path }
            try RunSupport.createUnfinished(unfinished, manifest: manifest)
        }
        let fm = FileManager.default
        let artifacts = fm.temporaryDirectory.appendingPathComponent("e2e-app-\(name)-\(UUID().uuidString)", isDirectory: true)
        defer { try? fm.removeItem(at: artifacts) }
        let context = ApplicationContext(
            size: size, seed: seed, dataPath: data.map { URL(fileURLWithPath: $0).standardizedFileURL },
            outputDirectory: directory, artifactsDirectory: artifacts, cacheDirectory: Self.cacheDirectory(for: name),
            parts: FinishedParts(directory: unfinished.directory.appendingPathComponent("parts", isDirectory: true)),
            log: { RunSupport.out("[\(name)] " + $0) })
        // Finished parts are on disk, each written atomically, so stopping at once loses only the part in progress.
        let interrupts = InterruptHandler(stopping: "stopping now; finished parts are kept") { sig in
            RunSupport.out("interrupted; resume with: \(resumeCommand)")
            // _exit skips the defer above: without this, every interrupted run left its
            // scratch directory in the temporary directory.
            try? FileManager.default.removeItem(at: artifacts)
            _exit(128 + sig)
        }
        RunSupport.out("e2e app \(name)\(size == .full ? "" : " --" + size.rawValue): seed \(seed), report \(path)")
        let start = Date()
        let result: ApplicationResult
        do {
            try fm.createDirectory(at: artifacts, withIntermediateDirectories: true)
            result = try application.run(context)
        } catch {
            interrupts.uninstall()
            RunSupport.err("error: application \(name) failed: \(error)")
            RunSupport.err("finished parts are kept; after fixing the cause: \(resumeCommand)")
            throw ExitCode(1)
        }
        interrupts.uninstall()
        let wall = Date().timeIntervalSince(start)
        do {
            try ApplicationReport(directory: directory).write(result, application: application, context: context, wallSeconds: wall)
        } catch {
            RunSupport.err("error: cannot write the report to \(path): \(error)")
            throw ExitCode(1)
        }
        unfinished.remove()
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
