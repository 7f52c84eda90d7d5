import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndTraining
import Foundation

/// The configuration of `e2e compare`: data, composite model, optimizer, budget and
/// strategies, in JSON or YAML (documented in docs/strategies.md). Errors name the file and the
/// path of the offending value, and are raised before anything trains.
public struct CompareConfig: Sendable {
    /// Built-in data sets with what the strategies need.
    public enum DataName: String, Sendable, CaseIterable {
        /// k-tuples of line images with per-image labels as intermediate targets.
        case parityLines = "parity-lines"
        /// Fashion-MNIST from the IDX files (no intermediate targets).
        case fashionMNIST = "fashion-mnist"
    }

    /// Named composite architectures.
    public enum ModelKind: Sendable, Equatable {
        /// ``ParityLinesModel``: a per-image encoder shared across the k images, then an aggregator.
        case parityLines
        /// An MLP whose hidden layers (Linear + ReLU) are the nodes `block1`, `block2`, … and
        /// whose last Linear is the node `output`.
        case mlp(hidden: [Int])
    }

    public var name: String
    public var data: DataName
    public var k: Int
    public var trainCount: Int
    public var testCount: Int
    public var dataSeed: UInt64?
    public var path: String?
    public var model: ModelKind
    public var optimizer: OptimizerConfig
    public var batchSize: Int
    public var steps: Int
    public var evaluateEvery: Int
    public var seed: UInt64
    public var threads: Int?
    public var policy: BudgetPolicy
    public var strategies: [String]
    public var options: StrategyCatalog.Options
    public var diagnostics: DiagnosticsOptions
    public var outputDirectory: String?
    /// The file the configuration came from, for messages.
    public var file: String

    static let topLevelKeys = ["name", "data", "model", "optimizer", "batch_size", "steps", "evaluate_every", "seed",
                               "threads", "budget", "strategies", "ensemble", "step_by_step", "decomposition",
                               "local_losses", "diagnostics", "output"]

    /// Reads and validates a configuration file.
    public static func load(contentsOf url: URL) throws -> CompareConfig {
        let text = try ConfigText.read(url)
        return try parse(text, fileName: url.lastPathComponent)
    }

    /// Parses and validates configuration text.
    public static func parse(_ text: String, fileName: String = "<memory>") throws(ConfigError) -> CompareConfig {
        let root = ConfigReader(try ConfigParser.parse(text, fileName: fileName), file: fileName)
        return try CompareConfig(root)
    }

    init(_ r: ConfigReader) throws(ConfigError) {
        file = r.file
        try r.object(allowed: Self.topLevelKeys)
        name = try r.child("name")?.string() ?? "compare"

        let d = try r.required("data")
        try d.object(allowed: ["name", "k", "train", "test", "seed", "path"])
        data = DataName(rawValue: try d.required("name").choice(DataName.allCases.map(\.rawValue), what: "data set"))!
        k = try d.child("k")?.positiveInt(atMost: 1024) ?? 2
        if data == .fashionMNIST, d.has("k") { throw d.child("k")!.error("k applies to parity-lines only") }
        if data == .parityLines, d.has("path") { throw d.child("path")!.error("path applies to fashion-mnist only") }
        trainCount = try d.child("train")?.positiveInt(atMost: ConfigLimits.maxPoints) ?? (data == .parityLines ? 10_000 : 60_000)
        testCount = try d.child("test")?.positiveInt(atMost: ConfigLimits.maxPoints) ?? (data == .parityLines ? 2_000 : 10_000)
        dataSeed = try d.child("seed").map { c throws(ConfigError) in UInt64(try c.nonNegativeInt()) }
        path = try d.child("path")?.string()

        let m = r.child("model")
        if let m, case .string = m.node.value {
            let kind = try m.choice(["parity-lines", "mlp"], what: "model")
            model = kind == "parity-lines" ? .parityLines : .mlp(hidden: [256, 256])
        } else if let m {
            try m.object(allowed: ["type", "hidden"])
            let kind = try m.required("type").choice(["parity-lines", "mlp"], what: "model")
            if kind == "parity-lines" {
                if m.has("hidden") { throw m.child("hidden")!.error("the parity-lines model has a fixed architecture") }
                model = .parityLines
            } else {
                var hidden: [Int] = []
                for h in try m.child("hidden")?.list() ?? [] { hidden.append(try h.size()) }
                model = .mlp(hidden: hidden.isEmpty ? [256, 256] : hidden)
            }
        } else {
            model = data == .parityLines ? .parityLines : .mlp(hidden: [256, 256])
        }
        if model == .parityLines && data != .parityLines {
            throw (m ?? r).error("the parity-lines model needs the parity-lines data")
        }
        if case .mlp = model, data == .parityLines {
            throw (m ?? r).error("the mlp model takes flat inputs; use the parity-lines model with parity-lines data")
        }

        if let o = r.child("optimizer") { optimizer = try OptimizerConfig(o) } else {
            optimizer = try OptimizerConfig(ConfigReader(try ConfigParser.parse(#"{"type": "adam"}"#), path: "optimizer", file: file))
        }
        batchSize = try r.child("batch_size")?.positiveInt(atMost: ConfigLimits.maxBatchSize) ?? (data == .parityLines ? 200 : 128)
        steps = try r.child("steps")?.positiveInt() ?? 1000
        evaluateEvery = try r.child("evaluate_every")?.positiveInt() ?? max(1, steps / 20)
        seed = UInt64(try r.child("seed")?.nonNegativeInt() ?? 0)
        threads = try r.child("threads")?.positiveInt(atMost: ConfigLimits.maxThreads)
        policy = BudgetPolicy(rawValue: try r.child("budget")?.choice(["steps", "samples"], what: "budget policy") ?? "steps")!
        if batchSize > trainCount {
            throw (r.child("batch_size") ?? r).error("batch size \(batchSize) exceeds the \(trainCount) training examples")
        }

        var o = StrategyCatalog.Options()
        if let e = r.child("ensemble") {
            try e.object(allowed: ["members", "combination", "bagging", "lambda", "stacking_fraction"])
            o.members = try e.child("members")?.positiveInt() ?? o.members
            if let c = e.child("combination") {
                o.combination = EnsembleStrategy.Combination(rawValue: try c.choice(EnsembleStrategy.Combination.allCases.map(\.rawValue), what: "combination"))!
            }
            o.bagging = try e.child("bagging")?.bool() ?? false
            o.lambda = Float(try e.child("lambda")?.number(in: 0...1) ?? 0)
            o.stackingFraction = try e.child("stacking_fraction")?.number(in: 0...1, upperOpen: true) ?? o.stackingFraction
            if o.bagging && o.lambda != 0 { throw e.child("lambda")!.error("bagging trains members on different samples, so lambda must be 0") }
        }
        if let s = r.child("step_by_step") {
            try s.object(allowed: ["fine_tune"])
            o.fineTuneFraction = try s.child("fine_tune")?.number(in: 0...1, upperOpen: true) ?? o.fineTuneFraction
        }
        if let s = r.child("decomposition") {
            try s.object(allowed: ["weight"])
            o.auxiliaryWeight = Float(try s.child("weight")?.nonNegativeNumber() ?? 1)
        }
        if let s = r.child("local_losses") {
            try s.object(allowed: ["head_hidden"])
            o.headHidden = try s.child("head_hidden")?.nonNegativeInt() ?? 0
        }
        options = o

        var names: [String] = []
        if let list = r.child("strategies") {
            for item in try list.list() {
                let n = try item.string()
                do { _ = try StrategyCatalog.parseList(n, options: o) } catch { throw item.error("\(error)") }
                names.append(n)
            }
        }
        strategies = names.isEmpty ? ["end-to-end", "step-by-step", "decomposition"] : names
        if data == .fashionMNIST {
            for (i, n) in strategies.enumerated() where ["step-by-step", "pretrain-end-to-end", "decomposition", "all"].contains(n) {
                throw (r.child("strategies").map { (try? $0.list())?[i] ?? $0 } ?? r)
                    .error("'\(n)' needs intermediate targets, which fashion-mnist does not provide")
            }
        }

        var diag = DiagnosticsOptions()
        if let g = r.child("diagnostics") {
            try g.object(allowed: ["grad_norm_every", "snr_examples"])
            diag.gradientNormEvery = try g.child("grad_norm_every")?.nonNegativeInt() ?? diag.gradientNormEvery
            diag.snrExamples = try g.child("snr_examples")?.nonNegativeInt() ?? diag.snrExamples
        }
        if model == .parityLines { diag.snrGroups = ["encoder_last_layer": ParityLinesModel.encoderLastLayer] }
        diagnostics = diag

        if let out = r.child("output") {
            try out.object(allowed: ["directory"])
            outputDirectory = try out.child("directory")?.string()
        }
    }

    /// The report folder: `output.directory`, or `reports/<name>`.
    public var reportDirectory: URL { URL(fileURLWithPath: outputDirectory ?? "reports/\(name)") }

    /// Loads the data and builds the ``StrategySetup``.
    public func makeSetup(log: (@Sendable (String) -> Void)? = nil) throws -> StrategySetup {
        let train: TrainingData, test: TrainingData, task: Task
        let makeModel: (UInt64) throws -> CompositeModel
        switch data {
        case .parityLines:
            let s = dataSeed ?? seed
            train = TrainingData(ParityLines(k: k, count: trainCount, seed: s).materialized())
            test = TrainingData(ParityLines(k: k, count: testCount, seed: s &+ 0x7e57).materialized())
            task = ParityLinesModel.task
            let k = self.k
            makeModel = { ParityLinesModel.make(k: k, seed: $0) }
        case .fashionMNIST:
            let dir = path.map { URL(fileURLWithPath: $0) } ?? FashionMNIST.defaultDirectory
            (train, test) = try TrainingData.fashionMNIST(directory: dir, trainCount: trainCount, testCount: testCount)
            task = Task(objective: .crossEntropy)
            guard case .mlp(let hidden) = model else { preconditionFailure() }
            makeModel = { seed in BlockMLP.make(inputs: 784, hidden: hidden, classes: 10, seed: seed) }
        }
        let optimizer = self.optimizer
        return StrategySetup(
            makeModel: makeModel, task: task, train: train, test: test, batchSize: batchSize, steps: steps,
            policy: policy, evaluateEvery: evaluateEvery,
            makeOptimizer: { ModelBuilder.optimizer(optimizer, parameters: $0) }, seed: seed,
            diagnostics: diagnostics, log: log)
    }

    /// The strategies, in order.
    public func makeStrategies() throws -> [any Strategy] {
        try StrategyCatalog.parseList(strategies.joined(separator: ","), options: options)
    }
}
