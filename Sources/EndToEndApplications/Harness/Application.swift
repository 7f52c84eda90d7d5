import EndToEnd
import EndToEndNN
import EndToEndTraining
import Foundation

/// One of the founding article's uses of end-to-end learning, as a worked, measured
/// application: `e2e app NAME` runs it and writes its report.
///
/// An application compares, on the same split and with the same cost accounting, an
/// **end-to-end** network from the raw input to the output against the traditional
/// **pipeline** of hand-designed or separately fitted stages (and step-by-step or ensemble
/// variants where they are natural), and measures the article's claims: data efficiency,
/// generalization under a shift, what each system lets a person read, and maintenance cost.
public protocol Application: Sendable {
    /// The command-line name, e.g. `"voice"`: lower case, words joined by `-`.
    var name: String { get }
    /// One line saying what the application does, for `e2e app --list`.
    var summary: String { get }
    /// Runs the application. Progress goes to `context.log`; results come back for the report.
    func run(_ context: ApplicationContext) throws -> ApplicationResult
}

/// What an application is given to run.
public struct ApplicationContext: Sendable {
    /// How much to run.
    public enum Size: String, Sendable {
        /// A few seconds: CI's smoke test of every code path.
        case smoke
        /// Under 2 minutes on two cores (`--quick`).
        case quick
        /// The run whose numbers go on the application's page (under 15 minutes).
        case full
    }

    public var size: Size
    /// The root seed; every data set, split and initialization is derived from it with ``seed(_:)``.
    public var seed: UInt64
    /// `--data PATH`: where to read the real data from instead of the package's install path.
    public var dataPath: URL?
    /// The report folder the run will be written to; applications may write large artefacts
    /// (model checkpoints, exported test sets) under ``artifactsDirectory``.
    public var outputDirectory: URL
    /// A scratch folder whose contents are moved into the report (e.g. `models/`).
    public var artifactsDirectory: URL
    /// A folder for caches that outlive a run (e.g. synthesized audio), keyed by the application.
    public var cacheDirectory: URL
    /// Progress sink: one human-readable line per call.
    public var log: @Sendable (String) -> Void
    /// Where finished parts are kept so an interrupted run can resume (``part(_:modules:_:)``);
    /// nil: every part runs and nothing is kept.
    public var parts: FinishedParts?

    public init(size: Size = .full, seed: UInt64 = 0, dataPath: URL? = nil, outputDirectory: URL,
                artifactsDirectory: URL, cacheDirectory: URL, parts: FinishedParts? = nil,
                log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.size = size
        self.seed = seed
        self.dataPath = dataPath
        self.outputDirectory = outputDirectory
        self.artifactsDirectory = artifactsDirectory
        self.cacheDirectory = cacheDirectory
        self.parts = parts
        self.log = log
    }

    public var quick: Bool { size != .full }

    /// A seed derived from the root seed and `parts`, so each use gets its own reproducible stream.
    public func seed(_ parts: UInt64...) -> UInt64 { SeedDerivation.derive(seed, parts) }
}

/// Where an application's data came from.
public struct DataSource: Sendable, Equatable {
    /// `"generated"`, a Debian/PyPI package name, or a path given with `--data`.
    public var source: String
    public var train: Int
    public var test: Int
    /// The licence of real data (nil for generated data).
    public var licence: String?
    /// One line, e.g. how the data were generated or how to install the real package.
    public var note: String?

    public init(source: String, train: Int, test: Int, licence: String? = nil, note: String? = nil) {
        self.source = source
        self.train = train
        self.test = test
        self.licence = licence
        self.note = note
    }
}

/// One approach's headline result: `{"approach", "metric", "value", "train_seconds", "parameters", ...}`.
public struct ApproachResult: Sendable, Equatable {
    /// `"end-to-end"`, `"pipeline"`, `"step-by-step"`, `"ensemble"`, or a variant name.
    public var approach: String
    /// The headline metric's name, e.g. `"accuracy"`, `"average_precision"`, `"roc_auc"`.
    public var metric: String
    public var value: Double
    /// Training (fitting) wall time, evaluation excluded.
    public var trainSeconds: Double
    /// Learned parameters (a pipeline's fitted numbers included).
    public var parameters: Int
    /// Further outcomes in display order, e.g. `[("sensitivity_at_95_specificity", .double(0.8))]`.
    public var extra: [(String, JSONValue)]

    public init(approach: String, metric: String, value: Double, trainSeconds: Double, parameters: Int,
                extra: [(String, JSONValue)] = []) {
        self.approach = approach
        self.metric = metric
        self.value = value
        self.trainSeconds = trainSeconds
        self.parameters = parameters
        self.extra = extra
    }

    public static func == (a: ApproachResult, b: ApproachResult) -> Bool { a.json == b.json }

    public var json: JSONValue {
        .object([("approach", .string(approach)), ("metric", .string(metric)), ("value", .double(value)),
                 ("train_seconds", .double(trainSeconds)), ("parameters", .int(parameters))] + extra)
    }
}

/// The headline metric of one approach trained on a fraction of the training set.
public struct DataEfficiencyPoint: Sendable, Equatable {
    public var approach: String
    public var fraction: Double
    public var value: Double
    public init(approach: String, fraction: Double, value: Double) {
        self.approach = approach
        self.fraction = fraction
        self.value = value
    }
    public var json: JSONValue {
        .object([("approach", .string(approach)), ("fraction", .double(fraction)), ("value", .double(value))])
    }
}

/// One approach's metric on the shifted test set.
public struct ShiftResult: Sendable, Equatable {
    public var approach: String
    public var metric: String
    public var value: Double
    /// The same metric on the unshifted test set, for the drop.
    public var inDistribution: Double?
    public init(approach: String, metric: String, value: Double, inDistribution: Double? = nil) {
        self.approach = approach
        self.metric = metric
        self.value = value
        self.inDistribution = inDistribution
    }
    public var json: JSONValue {
        var o: [(String, JSONValue)] = [("approach", .string(approach)), ("metric", .string(metric)), ("value", .double(value))]
        if let inDistribution { o.append(("in_distribution", .double(inDistribution))) }
        return .object(o)
    }
}

/// The article's "simpler, easier to maintain", counted for one approach.
public struct MaintenanceCost: Sendable, Equatable {
    public var approach: String
    /// Separately designed or fitted stages.
    public var stages: Int
    /// Constants a person chose by hand (thresholds, window sizes, filter counts, ...).
    public var handSetConstants: Int
    /// Lines of application code that implement the approach (counted from the source files).
    public var linesOfCode: Int
    public var parameters: Int
    public init(approach: String, stages: Int, handSetConstants: Int, linesOfCode: Int, parameters: Int) {
        self.approach = approach
        self.stages = stages
        self.handSetConstants = handSetConstants
        self.linesOfCode = linesOfCode
        self.parameters = parameters
    }
    public var json: JSONValue {
        .object([("approach", .string(approach)), ("stages", .int(stages)), ("hand_set_constants", .int(handSetConstants)),
                 ("lines_of_code", .int(linesOfCode)), ("parameters", .int(parameters))])
    }
}

/// A trained model saved in the report so that `e2e evaluate` / `e2e predict` work on it.
public struct SavedModel: Sendable, Equatable {
    public var approach: String
    /// Paths relative to the report folder.
    public var config: String
    public var checkpoint: String
    public init(approach: String, config: String, checkpoint: String) {
        self.approach = approach
        self.config = config
        self.checkpoint = checkpoint
    }
}

/// Everything an application reports.
public struct ApplicationResult: Sendable {
    public var data: DataSource
    public var results: [ApproachResult]
    public var dataEfficiency: [DataEfficiencyPoint]
    public var shift: [ShiftResult]
    public var maintenance: [MaintenanceCost]
    /// Further top-level JSON fields, e.g. `("closed_loop", ...)` for driving.
    public var extra: [(String, JSONValue)]
    /// Learning curves etc., written as `figures/<filename>.svg`.
    public var figures: [(filename: String, chart: SVGChart)]
    /// Other files for `figures/` (e.g. attribution images as PGM/PPM/PNG bytes), by file name.
    public var images: [(filename: String, data: Data)]
    public var models: [SavedModel]
    /// Learning curves as metrics records, one `split` per curve (e.g. `"end-to-end"`): the
    /// report draws every metric against step and wall time, one series per split, and
    /// writes them to `metrics.jsonl`. ``TrainingSummary/history`` relabelled by
    /// ``curves(_:label:)`` fits here.
    public var log: [MetricsRecord] = []
    /// Markdown: the task, data and both systems.
    public var setup: String
    /// Markdown sections appended to the summary.
    public var notes: [String]

    public init(data: DataSource, results: [ApproachResult], dataEfficiency: [DataEfficiencyPoint] = [],
                shift: [ShiftResult] = [], maintenance: [MaintenanceCost] = [], extra: [(String, JSONValue)] = [],
                figures: [(filename: String, chart: SVGChart)] = [], images: [(filename: String, data: Data)] = [],
                models: [SavedModel] = [], setup: String = "", notes: [String] = []) {
        self.data = data
        self.results = results
        self.dataEfficiency = dataEfficiency
        self.shift = shift
        self.maintenance = maintenance
        self.extra = extra
        self.figures = figures
        self.images = images
        self.models = models
        self.setup = setup
        self.notes = notes
    }

    /// `history`'s training records relabelled `label` (the approach), for ``log``.
    public static func curves(_ history: [MetricsRecord], label: String) -> [MetricsRecord] {
        history.filter { $0.split == "train" }.map {
            MetricsRecord(step: $0.step, epoch: $0.epoch, wallSeconds: $0.wallSeconds, split: label, values: $0.values)
        }
    }

    /// The summary object of issue #12: `{"app", "data", "results", "data_efficiency", "shift", ...}`.
    public func summary(app: String, report: String?) -> JSONValue {
        var dataObject: [(String, JSONValue)] = [("source", .string(data.source)), ("train", .int(data.train)), ("test", .int(data.test))]
        if let l = data.licence { dataObject.append(("licence", .string(l))) }
        var o: [(String, JSONValue)] = [
            ("app", .string(app)), ("data", .object(dataObject)),
            ("results", .array(results.map(\.json))),
            ("data_efficiency", .array(dataEfficiency.map(\.json))),
            ("shift", .array(shift.map(\.json))),
            ("maintenance", .array(maintenance.map(\.json))),
        ]
        o += extra
        if let report { o.append(("report", .string(report))) }
        return .object(o)
    }
}

extension ApplicationContext {
    /// Runs one part of the application — typically one network's fit — or, when this run
    /// continues an interrupted one (`e2e app NAME --resume REPORT`) and the part finished
    /// there, reads its value back and restores the weights of `modules` instead.
    ///
    /// ```swift
    /// let summary = try context.part("end-to-end", modules: [net.model]) {
    ///     try net.fit(train, epochs: 10)
    /// }
    /// ```
    ///
    /// `key` names the part uniquely within the application (e.g. `"data-efficiency/pipeline/0.1"`).
    /// Without a parts folder (``parts`` is nil) the part simply runs.
    public func part<T: Codable>(_ key: String, modules: [Module] = [], _ compute: () throws -> T) throws -> T {
        guard let parts else { return try compute() }
        return try parts.run(key, modules: modules, log: log, compute)
    }
}
