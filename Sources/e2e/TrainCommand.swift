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
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func err(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
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
            """
    )

    @Argument(help: "The configuration file (.json, .yaml or .yml).") var config: String
    @OptionGroup var threads: ThreadOptions
    @Option(help: "Report directory (default: the config's output.directory, else reports/<name>-<timestamp>).")
    var output: String?
    @Option(help: "Train for this many epochs instead of the configured length.") var epochs: Int?
    @Option(help: "Use this seed (initial weights, shuffling, generated data) instead of the configured one.") var seed: UInt64?
    @Flag(help: "No progress output; only the final metrics and the JSON summary.") var quiet = false

    func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
    }

    static func timestamp() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyyMMdd-HHmmss"
        return f.string(from: Date())
    }

    func run() throws {
        let start = Date()
        let loaded = try RunSupport.loadConfig(self.config)
        var config = loaded.config
        let configText = loaded.text
        if let epochs { config.epochs = epochs; config.steps = nil }
        if let seed { config.seed = seed }
        do { try config.validate() } catch { RunSupport.err(error.description); throw ExitCode(2) }
        try RunSupport.applyThreads(threads, config: config)

        // Report directory.
        let runName = config.name ?? config.data.name.rawValue
        let reportPath: String
        if let output { reportPath = output }
        else if let dir = config.output.directory, dir != "reports/" + runName { reportPath = dir }
        else { reportPath = "reports/\(runName)-\(Self.timestamp())" }
        let reportURL = URL(fileURLWithPath: reportPath).standardizedFileURL
        do { try OutputLocation.check(reportURL.appendingPathComponent("summary.md")) } catch { RunSupport.err("error: \(error)"); throw ExitCode(1) }

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
        let model = try config.buildModel()
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
                callbacks.append(LambdaCallback { _, _, metrics in
                    if let v = metrics[monitor] { plateau.step(metric: Float(v)) }
                    return false
                })
            }
        }

        // Staging folder for the log and checkpoints while training; the report is written
        // into place at the end (ReportWriter replaces the folder atomically).
        let fm = FileManager.default
        let staging = reportURL.deletingLastPathComponent()
            .appendingPathComponent(".\(reportURL.lastPathComponent).training-\(UUID().uuidString.prefix(8))")
        try fm.createDirectory(at: staging, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: staging) }
        let logURL = staging.appendingPathComponent("metrics.jsonl")
        let log = try MetricsLogWriter(url: logURL)
        let checkpoint = config.checkpointCallback(directory: staging.appendingPathComponent("checkpoints"),
                                                   hasValidation: data.validation != nil)
        if let checkpoint { callbacks.append(checkpoint) }
        if let early = ModelBuilder.earlyStopping(config.earlyStopping) { callbacks.append(early) }

        let showProgress = !quiet && config.output.progress
        let trainer = try Trainer(
            model: model, optimizer: optimizer, loss: ModelBuilder.loss(config.loss), metrics: config.metrics,
            classes: config.data.classes, scheduler: scheduler, schedulePer: schedulePer, callbacks: callbacks,
            log: log, progress: showProgress ? ProgressReporter() : nil,
            gradientClipNorm: config.gradientClipNorm.map { Float($0) }, seed: config.seed)

        if !quiet {
            RunSupport.out("e2e train: \(runName): \(data.train.sampleCount) training, \(data.validation?.sampleCount ?? 0) validation, "
                           + "\(data.test?.sampleCount ?? 0) test examples; \(model.parameterCount) parameters; "
                           + "\(config.epochs.map { "\($0) epochs" } ?? "\(config.steps!) steps"); threads \(Threading.threadCount)")
        }
        let summary = try trainer.fit(train: data.train, validation: data.validation, epochs: config.epochs, steps: config.steps)

        var finalMetrics = summary.metrics
        var history = summary.history
        if let test = data.test {
            let t = try trainer.evaluate(test)
            for (k, v) in t { finalMetrics["test_" + k] = v }
            let record = MetricsRecord(step: trainer.globalStep, epoch: trainer.epoch, wallSeconds: trainer.totalWallSeconds,
                                       split: "test", values: t)
            try log.append(record)
            history.append(record)
        }
        try log.close()
        let wall = Date().timeIntervalSince(start)

        var facts = [
            "## Run", "",
            "- configuration: `\(self.config)`",
            "- epochs: \(summary.epochs)\(summary.stoppedEarly ? " (stopped early)" : ""), steps: \(summary.steps)",
            "- parameters: \(model.parameterCount)",
            "- seed: \(config.seed)" + (seed != nil ? " (--seed; the configuration below says \(loaded.config.seed))" : ""),
            "- training wall time: \(String(format: "%.2f", summary.wallSeconds)) s; total (with data loading and evaluation): \(String(format: "%.2f", wall)) s",
            "- threads: \(Threading.threadCount)",
            "- checkpoints: " + (checkpoint.map { c in "`checkpoints/last.safetensors`" + (c.bestEpoch.map { ", `checkpoints/best.safetensors` (best \(c.monitor ?? "") at epoch \($0 + 1))" } ?? "") }
                                 ?? "none (output.checkpoints: false)"),
        ]
        facts.append("")
        let ext = URL(fileURLWithPath: self.config).pathExtension.lowercased()
        try ReportWriter(directory: reportURL).write(
            title: runName, configText: configText, configFilename: ext == "json" ? "config.json" : "config.yaml",
            log: history, metricsFile: logURL, finalMetrics: finalMetrics, extraMarkdown: [facts.joined(separator: "\n")])
        // Move the checkpoints into the finished report.
        let ckptSource = staging.appendingPathComponent("checkpoints")
        if fm.fileExists(atPath: ckptSource.path) {
            try fm.moveItem(at: ckptSource, to: reportURL.appendingPathComponent("checkpoints"))
        }

        let relative = reportPath
        RunSupport.out("final: " + RunSupport.format(finalMetrics))
        RunSupport.out("report: \(relative)/summary.md  (\(String(format: "%.2f", wall)) s)")
        RunSupport.out("{\"command\": \"train\", \"metrics\": \(RunSupport.jsonMetrics(finalMetrics)), "
                       + "\"wall_seconds\": \(String(format: "%.2f", wall)), \"steps\": \(summary.steps), \"epochs\": \(summary.epochs), "
                       + "\"parameters\": \(model.parameterCount), \"report\": \(RunSupport.jsonString(relative))}")
    }
}
