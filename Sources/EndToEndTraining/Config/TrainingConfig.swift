import EndToEnd
import Foundation
import EndToEndData

/// A complete training run, read from JSON or YAML (schema: docs/config.md).
///
/// ```swift
/// let config = try TrainingConfig.load(contentsOf: URL(fileURLWithPath: "examples/fashion-mnist-mlp.yaml"))
/// let model = try ModelBuilder.build(config.model, inputShape: config.data.featureShape)
/// ```
/// Everything is checked by ``parse(_:fileName:format:)`` (which calls ``validate()``)
/// before any training starts.
public struct TrainingConfig: Sendable {
    public var name: String?
    public var data: DataConfig
    public var model: ModelConfig
    public var loss: LossConfig
    public var optimizer: OptimizerConfig
    public var schedule: ScheduleConfig?
    /// Exactly one of `epochs` and `steps` is set (default: 1 epoch).
    public var epochs: Int?
    public var steps: Int?
    public var seed: UInt64
    public var threads: Int?
    public var metrics: [String]
    public var gradientClipNorm: Double?
    public var earlyStopping: EarlyStoppingConfig?
    public var output: OutputConfig
    /// Check every op's output and gradient for NaN and infinity on every step (slow).
    public var anomalyDetection = false
    /// The file the configuration came from (for messages).
    public var file: String

    public static let topLevelKeys = ["name", "data", "model", "loss", "optimizer", "schedule", "epochs", "steps", "seed",
                                      "threads", "metrics", "gradient_clip_norm", "early_stopping", "output",
                                      "anomaly_detection"]

    public static func load(contentsOf url: URL) throws -> TrainingConfig {
        let text = try ConfigText.read(url)
        return try parse(text, fileName: url.lastPathComponent)
    }

    /// Parses and validates; the format comes from the file name's extension or is sniffed.
    public static func parse(_ text: String, fileName: String = "<memory>", format: ConfigFormat? = nil) throws(ConfigError) -> TrainingConfig {
        let root = ConfigReader(try ConfigParser.parse(text, fileName: fileName, format: format), file: fileName)
        try root.object(allowed: topLevelKeys)
        let data = try DataConfig(try root.required("data"))
        let model = try ModelConfig(try root.required("model"))
        let loss = try root.child("loss").map { r throws(ConfigError) in try LossConfig(r) } ?? LossConfig()
        let optimizer = try OptimizerConfig(try root.required("optimizer"))
        let schedule = try root.child("schedule").map { r throws(ConfigError) in try ScheduleConfig(r) }
        var epochs = try root.optInt("epochs") { r throws(ConfigError) in try r.positiveInt() }
        let steps = try root.optInt("steps") { r throws(ConfigError) in try r.positiveInt() }
        if epochs != nil && steps != nil { throw root.error("give either 'epochs' or 'steps', not both") }
        if epochs == nil && steps == nil { epochs = 1 }
        let seed = try root.optInt("seed") { r throws(ConfigError) in
            let i = try r.int("a non-negative integer")
            guard i >= 0 else { throw r.error("expected a non-negative integer, got \(r.node.shortDescription)") }
            return i
        } ?? 0
        let threads = try root.optInt("threads") { r throws(ConfigError) in try r.positiveInt(atMost: ConfigLimits.maxThreads) }
        var metrics: [String] = loss.isClassification ? ["accuracy"] : []
        if let m = root.child("metrics") {
            metrics = []
            for item in try m.list() {
                let name = try item.string()
                do { _ = try MetricRegistry.make(name, classes: data.classes ?? 2) } catch {
                    var message = "unknown metric '\(name)'; expected one of \(MetricRegistry.validNames.joined(separator: ", "))"
                    if let s = ConfigReader.suggestion(for: name, among: MetricRegistry.validNames) { message += " (did you mean '\(s)'?)" }
                    throw item.error(message)
                }
                metrics.append(name)
            }
        }
        let clip = try root.optNumber("gradient_clip_norm") { r throws(ConfigError) in try r.positiveNumber() }
        let early = try root.child("early_stopping").map { r throws(ConfigError) in try EarlyStoppingConfig(r) }
        let output = try root.child("output").map { r throws(ConfigError) in try OutputConfig(r) } ?? OutputConfig()
        let name = try root.optString("name")
        var config = TrainingConfig(name: name, data: data, model: model, loss: loss, optimizer: optimizer, schedule: schedule,
                                    epochs: epochs, steps: steps, seed: UInt64(seed), threads: threads, metrics: metrics,
                                    gradientClipNorm: clip, earlyStopping: early, output: output, file: fileName)
        if config.output.directory == nil { config.output.directory = "reports/" + (name ?? data.name.rawValue) }
        config.anomalyDetection = try root.optBool("anomaly_detection") ?? false
        try config.validate()
        return config
    }

    /// Cross-field checks: layer shapes against each other and the data, the output size
    /// against the class count, the schedule against the run length.
    public func validate() throws(ConfigError) {
        let shapes = try ModelBuilder.inferShapes(model, inputShape: data.featureShape, file: file)
        if loss.isClassification, let classes = data.classes, let out = shapes.output, out.count == 1, out[0] != classes {
            throw ConfigError(file: file, path: shapes.outputPath, line: nil,
                              message: "the model produces \(out[0]) outputs but data '\(data.name.rawValue)' has \(classes) classes")
        }
        if case .plateau = schedule?.kind, schedule?.per == .step {
            throw ConfigError(file: file, path: "schedule.per", message: "a plateau schedule is checked once per epoch; use per: epoch")
        }
        // Monitored names, checked now rather than after the first epoch.
        let keys = ["loss"] + metrics.compactMap { try? MetricRegistry.make($0, classes: data.classes ?? 2).name }
        let known = keys + ["train", "validation", "test"].flatMap { split in keys.map { "\(split)_\($0)" } }
        var monitored: [(String, String)] = []
        if let es = earlyStopping { monitored.append(("early_stopping.monitor", es.monitor)) }
        if case .plateau(let m, _, _, _, _, _, _) = schedule?.kind { monitored.append(("schedule.monitor", m)) }
        for (path, name) in monitored where !known.contains(name) {
            var message = "no metric '\(name)' is computed; expected one of \(known.joined(separator: ", "))"
            if let s = ConfigReader.suggestion(for: name, among: known) { message += " (did you mean '\(s)'?)" }
            throw ConfigError(file: file, path: path, message: message)
        }
    }

    /// Steps per epoch, when the data set size is known from the configuration.
    public var trainingExamples: Int? { data.trainingExamples }
}

/// `data:` section.
public struct DataConfig: Sendable {
    public enum Name: String, Sendable, CaseIterable {
        case fashionMNIST = "fashion-mnist", spirals, blobs, parityLines = "parity-lines", csv, npy
    }
    public enum TransformConfig: Sendable, Equatable {
        case normalize(mean: [Double], std: [Double])
        case randomCrop(size: Int, padding: Int)
        case randomHorizontalFlip(p: Double)
        case jitter(brightness: Double, contrast: Double, noiseStd: Double)
    }
    public var name: Name
    /// Directory (fashion-mnist) or file (csv) to read; `inputs`/`labels` for npy.
    public var path: String?
    public var inputs: String?
    public var labels: String?
    public var labelColumn: String?
    /// Fraction of the training set held out for validation, in [0, 1).
    public var validation: Double = 0
    public var batchSize: Int = 64
    public var shuffle: Bool = true
    public var transforms: [TransformConfig] = []
    // Synthetic data sets.
    public var points: Int?
    public var classes: Int?
    public var arms: Int?
    public var noise: Double?
    public var turns: Double?
    public var dimensions: Int?
    public var std: Double?
    public var k: Int?
    public var count: Int?
    /// Feature shape for csv/npy (otherwise implied by the data set).
    public var features: [Int]?

    static let common = ["name", "validation", "batch_size", "shuffle", "transforms"]
    static let perName: [Name: [String]] = [
        .fashionMNIST: ["path"],
        .spirals: ["points", "arms", "noise", "turns"],
        .blobs: ["points", "classes", "dimensions", "std"],
        .parityLines: ["k", "count"],
        .csv: ["path", "label_column", "classes", "features"],
        .npy: ["inputs", "labels", "classes", "features"],
    ]

    init(_ r: ConfigReader) throws(ConfigError) {
        try r.object(allowed: Self.common + Set(Self.perName.values.flatMap { $0 }).sorted())
        let raw = try r.required("name").choice(Name.allCases.map(\.rawValue), what: "data set")
        name = Name(rawValue: raw)!
        let allowed = Self.common + Self.perName[name]!
        for key in r.keys where !allowed.contains(key) {
            throw r.child(key)?.error("not a setting of data set '\(raw)'; its settings are \(allowed.joined(separator: ", "))")
                ?? r.error("unexpected key '\(key)'")
        }
        path = try r.optString("path")
        inputs = try r.optString("inputs")
        labels = try r.optString("labels")
        labelColumn = try r.optString("label_column")
        validation = try r.optNumber("validation") { c throws(ConfigError) in try c.number(in: 0...1, upperOpen: true) } ?? 0
        batchSize = try r.optInt("batch_size") { c throws(ConfigError) in try c.positiveInt(atMost: ConfigLimits.maxBatchSize) } ?? 64
        shuffle = try r.optBool("shuffle") ?? true
        points = try r.optInt("points") { c throws(ConfigError) in try c.positiveInt(atMost: ConfigLimits.maxPoints) }
        classes = try r.optInt("classes") { c throws(ConfigError) in try c.size() }
        arms = try r.optInt("arms") { c throws(ConfigError) in try c.size() }
        noise = try r.optNumber("noise") { c throws(ConfigError) in try c.nonNegativeNumber() }
        turns = try r.optNumber("turns") { c throws(ConfigError) in try c.positiveNumber() }
        dimensions = try r.optInt("dimensions") { c throws(ConfigError) in try c.size() }
        std = try r.optNumber("std") { c throws(ConfigError) in try c.positiveNumber() }
        k = try r.optInt("k") { c throws(ConfigError) in try c.positiveInt(atMost: 1024) }
        count = try r.optInt("count") { c throws(ConfigError) in try c.positiveInt(atMost: ConfigLimits.maxPoints) }
        if let f = r.child("features") {
            if case .int = f.node.value { features = [try f.size()] }
            else { var dims: [Int] = []; for d in try f.list() { dims.append(try d.size()) }; features = dims }
            if let dims = features, (Shape.checkedCount(dims) ?? Int.max) > ConfigLimits.maxExampleElements {
                throw f.error("features \(dims) make more than \(ConfigLimits.maxExampleElements) values per example")
            }
        }
        // Synthetic sets are generated in memory: examples × features must fit.
        let examples: Int? = switch name {
        case .spirals: points.map { $0 * (arms ?? 2) }
        case .blobs: points.map { $0 * (classes ?? 3) }
        case .parityLines: count.map { $0 * (k ?? 1) }
        default: nil
        }
        let width = name == .blobs ? (dimensions ?? 2) : name == .parityLines ? ParityLines.imageSize * ParityLines.imageSize : 2
        if let examples, examples.multipliedReportingOverflow(by: width).overflow || examples * width > ConfigLimits.maxDatasetElements {
            throw (r.child("points") ?? r.child("count") ?? r).error(
                "the data set would hold \(examples) examples of \(width) values, more than the \(ConfigLimits.maxDatasetElements) values allowed")
        }
        switch name {
        case .fashionMNIST: classes = 10
        case .spirals: classes = arms ?? 2
        case .blobs: classes = classes ?? 3
        case .parityLines: classes = 2
        case .csv: _ = try r.required("path")
        case .npy: _ = try r.required("inputs"); _ = try r.required("labels")
        }
        if let t = r.child("transforms") {
            for item in try t.list() { transforms.append(try Self.transform(item)) }
        }
    }

    static func transform(_ r: ConfigReader) throws(ConfigError) -> TransformConfig {
        let kinds = ["normalize", "random_crop", "random_horizontal_flip", "jitter"]
        try r.object(allowed: ["type", "mean", "std", "size", "padding", "p", "brightness", "contrast", "noise_std"])
        func floats(_ key: String) throws(ConfigError) -> [Double] {
            let c = try r.required(key)
            if case .list = c.node.value { var out: [Double] = []; for x in try c.list() { out.append(try x.number()) }; return out }
            return [try c.number()]
        }
        switch try r.required("type").choice(kinds, what: "transform") {
        case "normalize":
            let mean = try floats("mean"), std = try floats("std")
            guard mean.count == std.count else { throw r.error("normalize: mean and std must have the same length") }
            for s in std where s <= 0 { throw try r.required("std").error("std must be positive") }
            return .normalize(mean: mean, std: std)
        case "random_crop":
            return .randomCrop(size: try r.required("size").positiveInt(),
                               padding: try r.optInt("padding") { c throws(ConfigError) in try c.nonNegativeInt() } ?? 0)
        case "random_horizontal_flip":
            return .randomHorizontalFlip(p: try r.optNumber("p") { c throws(ConfigError) in try c.number(in: 0...1) } ?? 0.5)
        default:
            return .jitter(brightness: try r.optNumber("brightness") { c throws(ConfigError) in try c.nonNegativeNumber() } ?? 0,
                           contrast: try r.optNumber("contrast") { c throws(ConfigError) in try c.nonNegativeNumber() } ?? 0,
                           noiseStd: try r.optNumber("noise_std") { c throws(ConfigError) in try c.nonNegativeNumber() } ?? 0)
        }
    }

    /// The shape of one example's input (without the batch dimension), when known.
    public var featureShape: [Int]? {
        switch name {
        case .fashionMNIST: return [1, 28, 28]
        case .parityLines: return [k ?? 1, 1, ParityLines.imageSize, ParityLines.imageSize]  // k images per example
        case .spirals: return [2]
        case .blobs: return [dimensions ?? 2]
        case .csv, .npy: return features
        }
    }

    public var trainingExamples: Int? {
        switch name {
        case .fashionMNIST: return 60_000
        case .spirals: return points.map { $0 * (arms ?? 2) }
        case .blobs: return points.map { $0 * (classes ?? 3) }
        case .parityLines: return count
        case .csv, .npy: return nil
        }
    }
}

/// `loss:` section.
public struct LossConfig: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case crossEntropy = "cross_entropy", nll, mse, l1, huber, bceWithLogits = "bce_with_logits"
    }
    public var kind: Kind = .crossEntropy
    public var labelSmoothing: Double = 0
    public var delta: Double = 1
    public var reduction: String = "mean"

    public var isClassification: Bool { kind == .crossEntropy || kind == .nll }

    public init() {}

    init(_ r: ConfigReader) throws(ConfigError) {
        if case .string = r.node.value {
            kind = Kind(rawValue: try r.choice(Kind.allCases.map(\.rawValue), what: "loss"))!
            return
        }
        try r.object(allowed: ["type", "label_smoothing", "delta", "reduction"])
        kind = Kind(rawValue: try r.required("type").choice(Kind.allCases.map(\.rawValue), what: "loss"))!
        if let c = r.child("label_smoothing") {
            guard kind == .crossEntropy else { throw c.error("label_smoothing applies only to cross_entropy") }
            labelSmoothing = try c.number(in: 0...1)
        }
        if let c = r.child("delta") {
            guard kind == .huber else { throw c.error("delta applies only to huber") }
            delta = try c.positiveNumber()
        }
        reduction = try r.child("reduction").map { c throws(ConfigError) in try c.choice(["mean", "sum"], what: "reduction") } ?? "mean"
    }
}

/// `optimizer:` section.
public struct OptimizerConfig: Sendable {
    public enum Kind: String, Sendable, CaseIterable { case sgd, adam, adamw, rmsprop, adagrad }
    public var kind: Kind
    public var lr: Double
    public var momentum: Double = 0
    public var dampening: Double = 0
    public var nesterov: Bool = false
    public var weightDecay: Double
    public var betas: (Double, Double) = (0.9, 0.999)
    public var epsilon: Double?
    public var alpha: Double = 0.99
    public var centered: Bool = false
    public var lrDecay: Double = 0

    static let keys: [Kind: [String]] = [
        .sgd: ["momentum", "dampening", "nesterov"],
        .adam: ["betas", "eps"], .adamw: ["betas", "eps"],
        .rmsprop: ["alpha", "eps", "momentum", "centered"],
        .adagrad: ["lr_decay", "eps"],
    ]

    public init(_ r: ConfigReader) throws(ConfigError) {
        try r.object(allowed: ["type", "lr", "weight_decay"] + Set(Self.keys.values.flatMap { $0 }).sorted())
        kind = Kind(rawValue: try r.required("type").choice(Kind.allCases.map(\.rawValue), what: "optimizer"))!
        let allowed = ["type", "lr", "weight_decay"] + Self.keys[kind]!
        for key in r.keys where !allowed.contains(key) {
            throw r.child(key)?.error("not a setting of optimizer '\(kind.rawValue)'; its settings are \(allowed.joined(separator: ", "))")
                ?? r.error("unexpected key '\(key)'")
        }
        func learningRate(_ c: ConfigReader) throws(ConfigError) -> Double {
            let v = try c.positiveNumber()
            guard v <= ConfigLimits.maxLearningRate else { throw c.error("expected a learning rate at most \(ConfigLimits.maxLearningRate), got \(c.node.shortDescription)") }
            return v
        }
        if kind == .sgd { lr = try learningRate(try r.required("lr")) }
        else { lr = try r.optNumber("lr", learningRate) ?? (kind == .adam || kind == .adamw ? 1e-3 : 1e-2) }
        weightDecay = try r.optNumber("weight_decay") { c throws(ConfigError) in try c.nonNegativeNumber() } ?? (kind == .adamw ? 0.01 : 0)
        momentum = try r.optNumber("momentum") { c throws(ConfigError) in try c.number(in: 0...1, upperOpen: true) } ?? 0
        dampening = try r.optNumber("dampening") { c throws(ConfigError) in try c.number(in: 0...1) } ?? 0
        nesterov = try r.optBool("nesterov") ?? false
        if nesterov && (momentum <= 0 || dampening != 0) {
            throw r.child("nesterov")!.error("Nesterov momentum needs momentum > 0 and dampening 0")
        }
        if let b = r.child("betas") {
            let items = try b.list()
            guard items.count == 2 else { throw b.error("expected a list of two numbers in [0, 1), got \(items.count) values") }
            betas = (try items[0].number(in: 0...1, upperOpen: true), try items[1].number(in: 0...1, upperOpen: true))
        }
        epsilon = try r.optNumber("eps") { c throws(ConfigError) in try c.positiveNumber() }
        alpha = try r.optNumber("alpha") { c throws(ConfigError) in try c.number(in: 0...1) } ?? 0.99
        centered = try r.optBool("centered") ?? false
        lrDecay = try r.optNumber("lr_decay") { c throws(ConfigError) in try c.nonNegativeNumber() } ?? 0
    }
}

/// `schedule:` section.
public struct ScheduleConfig: Sendable {
    public enum Kind: Sendable, Equatable {
        case step(stepSize: Int, gamma: Double)
        case exponential(gamma: Double)
        case cosine(period: Int?, minimum: Double)
        case warmupCosine(warmup: Int, total: Int?, minimum: Double)
        case oneCycle(totalSteps: Int?, pctStart: Double, divFactor: Double, finalDivFactor: Double)
        case plateau(monitor: String, mode: String, factor: Double, patience: Int, threshold: Double, cooldown: Int, minLR: Double)
    }
    public enum Per: String, Sendable { case epoch, step }
    public var kind: Kind
    public var per: Per

    static let names = ["step", "exponential", "cosine", "warmup_cosine", "onecycle", "plateau"]
    static let keys: [String: [String]] = [
        "step": ["step_size", "gamma"], "exponential": ["gamma"], "cosine": ["period", "min_lr"],
        "warmup_cosine": ["warmup", "total", "min_lr"], "onecycle": ["total_steps", "pct_start", "div_factor", "final_div_factor"],
        "plateau": ["monitor", "mode", "factor", "patience", "threshold", "cooldown", "min_lr"],
    ]

    init(_ r: ConfigReader) throws(ConfigError) {
        try r.object(allowed: ["type", "per"] + Set(Self.keys.values.flatMap { $0 }).sorted())
        let type = try r.required("type").choice(Self.names, what: "schedule")
        let allowed = ["type", "per"] + Self.keys[type]!
        for key in r.keys where !allowed.contains(key) {
            throw r.child(key)?.error("not a setting of schedule '\(type)'; its settings are \(allowed.joined(separator: ", "))")
                ?? r.error("unexpected key '\(key)'")
        }
        let defaultPer: Per = (type == "warmup_cosine" || type == "onecycle") ? .step : .epoch
        per = try r.child("per").map { c throws(ConfigError) in Per(rawValue: try c.choice(["epoch", "step"], what: "schedule period"))! } ?? defaultPer
        func pos(_ k: String) throws(ConfigError) -> Int? { try r.optInt(k) { c throws(ConfigError) in try c.positiveInt() } }
        func num(_ k: String, _ d: Double) throws(ConfigError) -> Double { try r.optNumber(k) { c throws(ConfigError) in try c.nonNegativeNumber() } ?? d }
        switch type {
        case "step":
            kind = .step(stepSize: try r.required("step_size").positiveInt(),
                         gamma: try r.optNumber("gamma") { c throws(ConfigError) in try c.positiveNumber() } ?? 0.1)
        case "exponential":
            kind = .exponential(gamma: try r.required("gamma").positiveNumber())
        case "cosine":
            kind = .cosine(period: try pos("period"), minimum: try num("min_lr", 0))
        case "warmup_cosine":
            kind = .warmupCosine(warmup: try r.required("warmup").nonNegativeInt(), total: try pos("total"), minimum: try num("min_lr", 0))
        case "onecycle":
            kind = .oneCycle(totalSteps: try pos("total_steps"),
                             pctStart: try r.optNumber("pct_start") { c throws(ConfigError) in try c.number(in: 0...1) } ?? 0.3,
                             divFactor: try r.optNumber("div_factor") { c throws(ConfigError) in try c.positiveNumber() } ?? 25,
                             finalDivFactor: try r.optNumber("final_div_factor") { c throws(ConfigError) in try c.positiveNumber() } ?? 1e4)
        default:
            let factor = try r.optNumber("factor") { c throws(ConfigError) in try c.number(in: 0...1, upperOpen: true) } ?? 0.1
            if factor == 0 { throw r.child("factor")!.error("expected a number in (0, 1), got 0") }
            kind = .plateau(monitor: try r.optString("monitor") ?? "validation_loss",
                            mode: try r.child("mode").map { c throws(ConfigError) in try c.choice(["min", "max"], what: "mode") } ?? "min",
                            factor: factor, patience: try r.optInt("patience") { c throws(ConfigError) in try c.nonNegativeInt() } ?? 10,
                            threshold: try num("threshold", 1e-4),
                            cooldown: try r.optInt("cooldown") { c throws(ConfigError) in try c.nonNegativeInt() } ?? 0,
                            minLR: try num("min_lr", 0))
        }
    }
}

/// `early_stopping:` section.
public struct EarlyStoppingConfig: Sendable, Equatable {
    public var monitor: String = "validation_loss"
    public var mode: String = "auto"
    public var patience: Int = 5
    public var minDelta: Double = 0

    init(_ r: ConfigReader) throws(ConfigError) {
        try r.object(allowed: ["monitor", "mode", "patience", "min_delta"])
        monitor = try r.optString("monitor") ?? monitor
        mode = try r.child("mode").map { c throws(ConfigError) in try c.choice(["min", "max", "auto"], what: "mode") } ?? "auto"
        patience = try r.optInt("patience") { c throws(ConfigError) in try c.positiveInt() } ?? 5
        minDelta = try r.optNumber("min_delta") { c throws(ConfigError) in try c.nonNegativeNumber() } ?? 0
    }
}

/// `output:` section.
public struct OutputConfig: Sendable, Equatable {
    /// Report directory (default `reports/<name or data set>`).
    public var directory: String?
    /// Whether training writes `checkpoints/{last,best}.safetensors` into the report.
    public var checkpoints: Bool = true
    public var progress: Bool = true
    /// How often `e2e train` writes a resumable mid-epoch checkpoint (nil: only at epoch ends).
    public var checkpointEvery: CheckpointInterval?

    /// `output.checkpoint_every`: a number of steps, or `{minutes: M}`.
    public enum CheckpointInterval: Sendable, Equatable {
        case steps(Int)
        case minutes(Double)
    }
    /// Whether training writes TensorBoard event files into the report's `tensorboard/`.
    public var tensorboard: Bool = false
    /// Whether those event files also hold histograms of the weights and gradients, once
    /// per epoch.
    public var tensorboardHistograms: Bool = false

    public init() {}

    init(_ r: ConfigReader) throws(ConfigError) {
        if case .string(let s) = r.node.value { directory = s; return }
        try r.object(allowed: ["directory", "checkpoints", "progress", "checkpoint_every", "tensorboard", "tensorboard_histograms"])
        directory = try r.optString("directory")
        checkpoints = try r.optBool("checkpoints") ?? true
        progress = try r.optBool("progress") ?? true
        tensorboard = try r.optBool("tensorboard") ?? false
        tensorboardHistograms = try r.optBool("tensorboard_histograms") ?? false
        if tensorboardHistograms && !tensorboard {
            throw r.child("tensorboard_histograms")!.error("histograms go into the TensorBoard event files; set tensorboard: true too")
        }
        if let c = r.child("checkpoint_every") {
            if case .object = c.node.value {
                try c.object(allowed: ["minutes"])
                guard let m = c.child("minutes") else {
                    throw c.error("expected a number of steps or {minutes: M}")
                }
                checkpointEvery = .minutes(try m.positiveNumber())
            } else {
                checkpointEvery = .steps(try c.positiveInt())
            }
        }
    }
}
