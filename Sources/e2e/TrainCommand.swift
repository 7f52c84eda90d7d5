import ArgumentParser
import EndToEnd
import EndToEndData
import EndToEndKernels
import EndToEndNN
import EndToEndTraining
import Foundation

/// Helpers shared by `train` and `evaluate`.
enum RunSupport {
    /// Writes to standard output unbuffered (same stream as the progress reporter, so the
    /// order of lines is kept when stdout is a pipe).
    static func out(_ line: String) {
        if DistributedSupport.silent.load(ordering: .relaxed) { return }
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// `--list` output: one `name  summary` line per entry, names padded to one width.
    static func list(_ entries: [(name: String, summary: String)]) {
        let width = entries.map(\.name.count).max() ?? 0
        for e in entries { out(e.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + e.summary) }
    }

    static func err(_ line: String) {
        let prefix = DistributedSupport.errorPrefix.withLock { $0 }
        FileHandle.standardError.write(Data((prefix + line + "\n").utf8))
    }

    /// Loads and validates a configuration; on error prints `file: path: message` to stderr
    /// and exits with status 2.
    static func loadConfig(_ path: String) throws -> (config: TrainingConfig, text: String) {
        let url = URL(fileURLWithPath: path)
        do {
            let config = try TrainingConfig.load(contentsOf: url)
            let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
            return (config, text)
        } catch let e as ConfigError {
            err(e.description)
            throw ExitCode(2)
        } catch {
            err("\(url.lastPathComponent): \(error)")
            throw ExitCode(2)
        }
    }

    /// Runs `body`; a configuration error is printed as is and exits with status 2, any
    /// other error as `error: ...` with status 1.
    static func reportingErrors(_ body: () throws -> Void) throws {
        do { try body() } catch let e as ConfigError {
            err(e.description)
            throw ExitCode(2)
        } catch let e as ExitCode {
            throw e
        } catch {
            err("error: \(error)")
            throw ExitCode(1)
        }
    }

    static func configError(_ config: TrainingConfig, _ path: String, _ message: String) -> Error {
        err(ConfigError(file: config.file, path: path, message: message).description)
        return ExitCode(2)
    }

    /// Builds the data; failures (missing files...) print `error: ...` and exit 1.
    static func buildData(_ config: TrainingConfig) throws -> BuiltData {
        do { return try config.buildData() } catch {
            err("error: cannot load data '\(config.data.name.rawValue)': \(error)")
            throw ExitCode(1)
        }
    }

    static func number(_ x: Double) -> String {
        guard x.isFinite else { return "null" }
        if x == x.rounded() && abs(x) < 1e15 { return String(Int(x)) }
        return String(format: "%.6g", x)
    }

    static func jsonString(_ s: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes])) ?? Data("[\"\"]".utf8)
        let text = String(decoding: data, as: UTF8.self)
        return String(text.dropFirst().dropLast())
    }

    static func jsonMetrics(_ m: [String: Double]) -> String {
        "{" + m.keys.sorted().map { "\(jsonString($0)): \(number(m[$0]!))" }.joined(separator: ", ") + "}"
    }

    static func format(_ metrics: [String: Double]) -> String {
        metrics.keys.sorted().map { "\($0) \(String(format: "%.4f", metrics[$0]!))" }.joined(separator: "  ")
    }

    static func applyThreads(_ options: ThreadOptions, config: TrainingConfig) throws {
        if options.threads == nil, let t = config.threads { Threading.threadCount = t }
        try options.apply()
    }
}

/// `e2e train CONFIG`: a full run from a configuration file, with a report folder.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the model described by a JSON or YAML configuration and write a report.",
        discussion: """
            The configuration (schema: docs/config.md) is checked completely before training; \
            errors are printed as 'file: path: message' and the exit status is 2. The report \
            folder (default reports/<name>-<timestamp>) holds summary.md, the configuration, \
            metrics.jsonl, learning curves and checkpoints/{last,best}.safetensors (none when \
            output.checkpoints is false). The last line of standard output is a JSON summary.

            Until it finishes, a run lives in a hidden folder beside its report \
            (.<report>.training/). --checkpoint-every N (or output.checkpoint_every) also writes \
            a checkpoint every N steps there, keeping the newest two. On SIGINT or SIGTERM the \
            step in progress finishes, a checkpoint is written, the command prints how to resume \
            and exits with 130 or 143 (a second signal aborts at once). `e2e train CONFIG \
            --resume [REPORT]` continues the run from its newest checkpoint (REPORT defaults to \
            the config's latest unfinished run); with the same thread count, the resumed run \
            ends with the same weights and metrics as an uninterrupted one.
            """
    )

    @Argument(help: "The configuration file (.json, .yaml or .yml).") var config: String
    @OptionGroup var threads: ThreadOptions
    @Option(help: "Report directory (default: the config's output.directory, else reports/<name>-<timestamp>).")
    var output: String?
    @Option(help: "Train for this many epochs instead of the configured length.") var epochs: Int?
    @Option(help: "Use this seed (initial weights, shuffling, generated data) instead of the configured one.") var seed: UInt64?
    @Flag(help: "No progress output; only the final metrics and the JSON summary.") var quiet = false
    @Flag(help: "Continue an unfinished run (killed, crashed or interrupted) from its newest checkpoint.") var resume = false
    @Argument(help: "With --resume: the report folder of the run to continue (default: the config's latest unfinished run).")
    var reportDirectory: String?
    @Option(name: .customLong("checkpoint-every"), help: "Also write a resumable checkpoint every N steps (the newest two are kept).")
    var checkpointEvery: Int?

    func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        if let checkpointEvery, checkpointEvery < 1 { throw ValidationError("--checkpoint-every must be at least 1, got \(checkpointEvery)") }
        if reportDirectory != nil && !resume { throw ValidationError("a report folder after the config is only read with --resume") }
        if resume && output != nil { throw ValidationError("--resume continues a run in its own report folder; --output does not apply") }
    }

    /// A short digest of the configuration text, to notice a config edited between a run and its resume.
    static func digest(_ text: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return String(h, radix: 16)
    }

    /// `url` relative to the working directory when it lies below it.
    static func relativePath(_ url: URL) -> String {
        let cwd = FileManager.default.currentDirectoryPath + "/"
        return url.path.hasPrefix(cwd) ? String(url.path.dropFirst(cwd.count)) : url.path
    }

    static func timestamp() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyyMMdd-HHmmss"
        return f.string(from: Date())
    }

    func run() throws {
        let start = Date()
        // Under mpirun: data-parallel, rank 0 writes the report and the output.
        let communicator = try DistributedSupport.join()
        let distributed = communicator.size > 1
        let quiet = self.quiet || !communicator.isRoot
        if distributed && resume {
            RunSupport.err("error: --resume is not supported under mpirun yet; resume the run in one process (e2e train \(self.config) --resume)")
            throw ExitCode(1)
        }
        let scratch = communicator.isRoot ? nil : DistributedSupport.scratchFolder(rank: communicator.rank)
        defer { if let scratch { try? FileManager.default.removeItem(at: scratch) } }
        let loaded = try RunSupport.loadConfig(self.config)
        var config = loaded.config
        let configText = loaded.text
        if let epochs { config.epochs = epochs; config.steps = nil }
        if let seed { config.seed = seed }
        do { try config.validate() } catch { RunSupport.err(error.description); throw ExitCode(2) }
        try RunSupport.applyThreads(threads, config: config)

        // Report directory, and the unfinished run that lives beside it until the end.
        let runName = config.name ?? config.data.name.rawValue
        let reportPath: String
        if let scratch { reportPath = scratch.appendingPathComponent("report").path }
        else if resume {
            if let reportDirectory { reportPath = reportDirectory }
            else {
                let base = config.output.directory ?? "reports/" + runName
                let baseURL = URL(fileURLWithPath: base).standardizedFileURL
                let exact = UnfinishedRun(report: baseURL)
                let latest = exact.exists ? exact
                    : UnfinishedRun.latest(in: baseURL.deletingLastPathComponent(), namePrefix: baseURL.lastPathComponent + "-")
                guard let latest else {
                    RunSupport.err("error: --resume: no unfinished run of '\(runName)' beside \(base); give its report folder")
                    throw ExitCode(1)
                }
                reportPath = Self.relativePath(latest.report)
            }
        }
        else if let output { reportPath = output }
        else if let dir = config.output.directory, dir != "reports/" + runName { reportPath = dir }
        else { reportPath = "reports/\(runName)-\(Self.timestamp())" }
        let reportURL = URL(fileURLWithPath: reportPath).standardizedFileURL
        do { try OutputLocation.check(reportURL.appendingPathComponent("summary.md")) } catch { RunSupport.err("error: \(error)"); throw ExitCode(1) }
        let unfinished = UnfinishedRun(report: reportURL)
        var resumeFrom: (url: URL, step: Int)?
        if let manifest = try RunSupport.checkUnfinished(
            unfinished, path: reportPath, resuming: resume, what: "run",
            resumeCommand: "e2e train \(self.config) --resume \(reportPath)", config: self.config, configText: configText) {
            // The run's own overrides, unless given again now.
            if epochs == nil, let e = manifest["epochs"].flatMap(Int.init) { config.epochs = e; config.steps = nil }
            if seed == nil, let s = manifest["seed"].flatMap(UInt64.init) { config.seed = s }
            if let t = manifest["threads"].flatMap(Int.init), t != Threading.threadCount {
                RunSupport.err("warning: the run was started with \(t) threads, this resume uses \(Threading.threadCount): results can differ in the last bits")
            }
            resumeFrom = unfinished.newestCheckpoint()
            if resumeFrom == nil {
                RunSupport.err("note: \(unfinished.directory.path) holds no checkpoint yet; starting the run again from step 0")
            }
        }

        // Data, model, optimizer, schedule, loss.
        let data = try RunSupport.buildData(config)
        if let es = config.earlyStopping, es.monitor.hasPrefix("validation"), data.validation == nil {
            throw RunSupport.configError(config, "early_stopping.monitor",
                                         "monitors '\(es.monitor)' but there is no validation set; set data.validation > 0")
        }
        if case .plateau(let monitor, _, _, _, _, _, _) = config.schedule?.kind, monitor.hasPrefix("validation"), data.validation == nil {
            throw RunSupport.configError(config, "schedule.monitor",
                                         "monitors '\(monitor)' but there is no validation set; set data.validation > 0")
        }
        Random.seed(config.seed)
        let model: Module
        do { model = try config.buildInitialModel() } catch { RunSupport.err("\(error)"); throw ExitCode(1) }
        let optimizer = ModelBuilder.optimizer(config.optimizer, parameters: model.parameters())
        let totalEpochs = config.epochs ?? Int((Double(config.steps!) / Double(data.train.batchCount)).rounded(.up))
        var scheduler: LearningRateScheduler?
        var schedulePer: SchedulePer = .epoch
        var callbacks: [TrainerCallback] = []
        if let s = config.schedule {
            let total = s.per == .epoch ? totalEpochs : (config.steps ?? totalEpochs * data.train.batchCount)
            switch ModelBuilder.schedule(s, optimizer: optimizer, totalSteps: total) {
            case .scheduler(let sch, let per): scheduler = sch; schedulePer = per
            case .plateau(let plateau, let monitor):
                callbacks.append(PlateauCallback(plateau, monitor: monitor))
            }
        }

        // The unfinished run's folder holds the log and checkpoints while training; the report
        // is written into place at the end (ReportWriter replaces the folder atomically).
        let fm = FileManager.default
        let staging = unfinished.directory
        if !unfinished.exists {
            var manifest = ["config": self.config, "config_sha": Self.digest(configText), "seed": String(config.seed),
                            "threads": String(Threading.threadCount)]
            if let e = config.epochs { manifest["epochs"] = String(e) }
            try RunSupport.createUnfinished(unfinished, manifest: manifest)
        }
        let logURL = unfinished.metricsLog
        let checkpoint = config.checkpointCallback(directory: unfinished.epochCheckpoints, hasValidation: data.validation != nil)
        if let checkpoint { callbacks.append(checkpoint) }
        if checkpoint != nil && data.validation == nil && !quiet {
            // "Best" by training loss only says which epoch fitted the training set best.
            RunSupport.err("note: no validation split (data.validation), so checkpoints/best.safetensors is the epoch with the lowest train_loss, not an estimate of generalization")
        }
        if let early = ModelBuilder.earlyStopping(config.earlyStopping) { callbacks.append(early) }
        let tensorboard = config.output.tensorboard
            ? try TensorBoardCallback(directory: staging.appendingPathComponent("tensorboard"), histograms: config.output.tensorboardHistograms)
            : nil
        if let tensorboard { callbacks.append(tensorboard) }
        // Always present (also without an interval), so a resumed run has the same callbacks.
        let periodic: PeriodicCheckpoint
        switch (checkpointEvery, config.output.checkpointEvery) {
        case (let n?, _), (nil, .steps(let n)?): periodic = PeriodicCheckpoint(directory: unfinished.runCheckpoints, everySteps: n)
        case (nil, .minutes(let m)?): periodic = PeriodicCheckpoint(directory: unfinished.runCheckpoints, everySeconds: m * 60)
        case (nil, nil): periodic = PeriodicCheckpoint(directory: unfinished.runCheckpoints)
        }
        callbacks.append(periodic)

        let showProgress = !quiet && config.output.progress
        let trainer = try Trainer(
            model: model, optimizer: optimizer, loss: ModelBuilder.loss(config.loss), metrics: config.metrics,
            classes: config.data.classes, scheduler: scheduler, schedulePer: schedulePer, callbacks: callbacks,
            log: nil, progress: showProgress ? ProgressReporter() : nil,
            gradientClipNorm: config.gradientClipNorm.map { Float($0) }, seed: config.seed)
        trainer.anomalyDetection = config.anomalyDetection
        let dataParallel = distributed ? DataParallel(communicator: communicator) : nil
        trainer.dataParallel = dataParallel
        if let from = resumeFrom {
            do {
                try trainer.resume(from: from.url)
                try unfinished.truncateLog(keeping: trainer.loggedRecords)
            } catch {
                RunSupport.err("error: cannot resume from \(from.url.path): \(error)")
                throw ExitCode(1)
            }
            if !quiet { RunSupport.out("e2e train: resuming \(reportPath) at step \(trainer.globalStep) (epoch \(trainer.epoch + 1), batch \(trainer.batchInEpoch))") }
        }
        // The log is opened once a resume has cut it back to the checkpoint's records.
        let log = try MetricsLogWriter(url: logURL)
        trainer.log = log

        if !quiet {
            RunSupport.out("e2e train: \(runName): \(data.train.sampleCount) training, \(data.validation?.sampleCount ?? 0) validation, "
                           + "\(data.test?.sampleCount ?? 0) test examples; \(model.parameterCount) parameters; "
                           + "\(config.epochs.map { "\($0) epochs" } ?? "\(config.steps!) steps"); threads \(Threading.threadCount)"
                           + (distributed ? "; data-parallel over \(DistributedSupport.describe(communicator))" : ""))
        }
        let flag = trainer.interruptFlag
        let interrupts = InterruptHandler(abortAtOnce: distributed) { flag.request() }
        let summary: TrainingSummary
        do {
            summary = try trainer.fit(train: data.train, validation: data.validation, epochs: config.epochs, steps: config.steps)
        } catch {
            interrupts.uninstall()
            try? log.close()
            // Keep a run that can be resumed; remove one that cannot.
            if unfinished.newestCheckpoint() != nil {
                RunSupport.err("error: training failed at step \(trainer.globalStep): \(error)")
                RunSupport.err("the run's checkpoints are kept; after fixing the cause: e2e train \(self.config) --resume \(reportPath)")
            } else {
                unfinished.remove()
                RunSupport.err("error: training failed at step \(trainer.globalStep): \(error)")
            }
            throw ExitCode(1)
        }
        interrupts.uninstall()
        if summary.interrupted {
            let url = try periodic.write(trainer)
            try log.close()
            RunSupport.out("interrupted at step \(trainer.globalStep) (epoch \(trainer.epoch + 1), batch \(trainer.batchInEpoch)); checkpoint \(Self.relativePath(url))")
            RunSupport.out("resume with: e2e train \(self.config) --resume \(reportPath)")
            throw ExitCode(interrupts.exitStatus)
        }

        var finalMetrics = summary.metrics
        var history = summary.history
        if let test = data.test {
            let t = try trainer.evaluate(test)
            for (k, v) in t { finalMetrics["test_" + k] = v }
            let record = MetricsRecord(step: trainer.globalStep, epoch: trainer.epoch, wallSeconds: trainer.totalWallSeconds,
                                       split: "test", values: t)
            try log.append(record)
            history.append(record)
            for (k, v) in t { try tensorboard?.writer.addScalar("epoch/test_" + k, v, step: trainer.epoch) }
        }
        try log.close()
        try tensorboard?.writer.close()
        let wall = Date().timeIntervalSince(start)

        var facts = [
            "## Run", "",
            "- configuration: `\(self.config)`",
            "- epochs: \(summary.epochs)\(summary.stoppedEarly ? " (stopped early)" : ""), steps: \(trainer.globalStep)"
                + (resumeFrom.map { " (resumed at step \($0.step))" } ?? ""),
            "- parameters: \(model.parameterCount)",
            "- seed: \(config.seed)" + (seed != nil ? " (--seed; the configuration below says \(loaded.config.seed))" : ""),
            "- training wall time: \(String(format: "%.2f", summary.wallSeconds)) s; total (with data loading and evaluation): \(String(format: "%.2f", wall)) s",
            "- threads: \(Threading.threadCount)" + (distributed ? " per process; data-parallel over \(DistributedSupport.describe(communicator))" : ""),
            "- checkpoints: " + (checkpoint.map { c in "`checkpoints/last.safetensors`" + (c.bestEpoch.map { ", `checkpoints/best.safetensors` (best \(c.monitor ?? "") at epoch \($0 + 1)\(c.monitor == "train_loss" ? "; chosen by training loss, as there is no validation split" : ""))" } ?? "") }
                                 ?? "none (output.checkpoints: false)"),
        ]
        if let dataParallel {
            facts.append("- gradient allreduce (rank 0): \(String(format: "%.2f", dataParallel.allreduceSeconds)) s in \(dataParallel.allreduceCalls) calls, after backward (no overlap)"
                         + (dataParallel.shardsOptimizerStep ? "; optimizer step sharded over the ranks in \(dataParallel.shardedSteps) steps (E2E_SHARD_OPTIMIZER=1)" : ""))
        }
        if tensorboard != nil { facts.append("- TensorBoard: `tensorboard/` (`tensorboard --logdir \(reportPath)/tensorboard`)") }
        facts.append("")
        let ext = URL(fileURLWithPath: self.config).pathExtension.lowercased()
        if communicator.isRoot {
            try ReportWriter(directory: reportURL).write(
                title: runName, configText: configText, configFilename: ext == "json" ? "config.json" : "config.yaml",
                log: history, metricsFile: logURL, finalMetrics: finalMetrics, extraMarkdown: [facts.joined(separator: "\n")])
            // Move the checkpoints and TensorBoard events into the finished report.
            for folder in ["checkpoints", "tensorboard"] {
                let source = staging.appendingPathComponent(folder)
                if fm.fileExists(atPath: source.path) { try fm.moveItem(at: source, to: reportURL.appendingPathComponent(folder)) }
            }
            AtomicFile.syncDirectory(reportURL)
        }
        unfinished.remove()

        let relative = reportPath
        RunSupport.out("final: " + RunSupport.format(finalMetrics))
        RunSupport.out("report: \(relative)/summary.md  (\(String(format: "%.2f", wall)) s)")
        RunSupport.out("{\"command\": \"train\", \"metrics\": \(RunSupport.jsonMetrics(finalMetrics)), "
                       + "\"wall_seconds\": \(String(format: "%.2f", wall)), \"steps\": \(trainer.globalStep), \"epochs\": \(summary.epochs), "
                       + "\"parameters\": \(model.parameterCount), \"world_size\": \(communicator.size), "
                       + (dataParallel.map { "\"allreduce_seconds\": \(String(format: "%.3f", $0.allreduceSeconds)), " } ?? "")
                       + (dataParallel.flatMap { $0.shardsOptimizerStep ? "\"sharded_steps\": \($0.shardedSteps), " : nil } ?? "")
                       + "\"report\": \(RunSupport.jsonString(relative))}")
    }
}

