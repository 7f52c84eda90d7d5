import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndTraining
import Foundation

/// A remaining-useful-life regressor declared in the configuration schema, built by
/// ``ModelBuilder`` and trained by the ``Trainer`` on the squared error of `RUL / cap`; saved
/// with its configuration so that `e2e predict` runs it. The end-to-end CNN and the
/// pipeline's MLP are two of these.
public struct RULNetwork: Sendable {
    /// Names the network's `models/` folder and configuration.
    public var approach: String
    /// The `model.layers` items (JSON).
    public var layers: [String]
    /// One example's shape, e.g. `[channels, window]` or `[features]`.
    public var inputShape: [Int]
    /// Passes over the training examples (at least ``minimumSteps`` steps).
    public var epochs: Int
    public var batchSize: Int
    /// Adam's initial learning rate, decayed to 0 by a cosine over the run.
    public var learningRate: Double
    /// At least this many optimizer steps (small data-efficiency subsets get more epochs).
    public var minimumSteps: Int
    /// Kept to 31 bits so that the configuration's `seed` is the seed training used.
    public var seed: UInt64

    public init(approach: String, layers: [String], inputShape: [Int], epochs: Int, batchSize: Int = 128, learningRate: Double = 2e-3,
                minimumSteps: Int = 0, seed: UInt64) {
        self.approach = approach
        self.layers = layers
        self.inputShape = inputShape
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.minimumSteps = minimumSteps
        self.seed = seed & 0x7FFF_FFFF
    }

    /// The training configuration (JSON); its data section names NPY files of windows and
    /// targets (``save(_:in:inputs:targets:)`` exports the test windows there).
    public func configText(inputs: String = "inputs.npy", labels: String = "labels.npy") -> String {
        """
        {
          "name": \(JSONText.quoted("maintenance-" + folder)),
          "data": {"name": "npy", "inputs": \(JSONText.quoted(inputs)), "labels": \(JSONText.quoted(labels)),
                   "features": [\(inputShape.map(String.init).joined(separator: ", "))], "batch_size": \(batchSize), "shuffle": true},
          "model": {"layers": [\(layers.joined(separator: ", "))]},
          "loss": "mse",
          "optimizer": {"type": "adam", "lr": \(learningRate)},
          "schedule": {"type": "cosine", "per": "step"},
          "epochs": \(epochs),
          "seed": \(seed),
          "metrics": ["rmse", "mae"]
        }
        """
    }

    public func config() throws -> TrainingConfig { try TrainingConfig.parse(configText(), fileName: "maintenance-\(folder).json") }

    /// The folder under `models/`: the approach with every run of other characters than letters turned into `-`.
    var folder: String {
        approach.lowercased().split { !$0.isLetter && !$0.isNumber }.joined(separator: "-")
    }

    /// A trained network and what training cost.
    public struct Trained {
        /// The trained network.
        public var model: Module
        /// Steps, wall time and the training history.
        public var summary: TrainingSummary
        /// The RUL cap the targets were divided by.
        public var cap: Double
        var inputShape: [Int]

        /// Capped remaining useful life for every example (`[N] + inputShape`, scaled as in training).
        public func predict(_ inputs: Tensor) throws -> [Double] {
            let p = try Predictor(model: model, task: .regression, inputShape: inputShape).predict(inputs)
            return p.outputs.contiguous().scalars.map { Double($0) * cap }
        }
    }

    /// Builds the configured network (initialized from ``seed``) and trains it on scaled
    /// examples and targets `RUL / cap`; with `part`, as that resumable part of the run
    /// (``ApplicationContext/part(_:modules:_:)``).
    public func train(_ inputs: Tensor, targets: [Double], cap: Double, part: (key: String, context: ApplicationContext)? = nil) throws -> Trained {
        guard Array(inputs.shape.dropFirst()) == inputShape, inputs.shape[0] == targets.count, inputs.shape[0] > 0 else {
            throw ApplicationError("maintenance \(approach): inputs \(inputs.shape) (expected [N] + \(inputShape)) for \(targets.count) targets")
        }
        let config = try config()
        Random.seed(seed)
        let model = try config.buildModel()
        let optimizer = ModelBuilder.optimizer(config.optimizer, parameters: model.parameters())
        let set = try TensorDataset(inputs: inputs, targets: Tensor(shape: [targets.count, 1], scalars: targets.map { Float($0 / cap) }))
        let loader = DataLoader(set, batchSize: min(batchSize, set.count), shuffle: true, seed: seed, prefetch: 0)
        let steps = max(minimumSteps, epochs * loader.batchCount)
        // The learning rate follows a cosine from its initial value to 0 over the run's steps.
        var scheduler: LearningRateScheduler?
        if let c = config.schedule, case .scheduler(let s, _) = ModelBuilder.schedule(c, optimizer: optimizer, totalSteps: steps) { scheduler = s }
        let trainer = try Trainer(model: model, optimizer: optimizer, loss: ModelBuilder.loss(config.loss), metrics: ["rmse"],
                                  scheduler: scheduler, schedulePer: .step, seed: seed)
        let summary = try part.map { try $0.context.part($0.key, modules: [model]) { try trainer.fit(train: loader, steps: steps) } }
            ?? trainer.fit(train: loader, steps: steps)
        return Trained(model: model, summary: summary, cap: cap, inputShape: Array(inputs.shape.dropFirst()))
    }

    /// Writes `models/<approach>/{config.json, model.safetensors, inputs.npy, labels.npy}`:
    /// the scaled test examples and their targets `RUL / cap`, so that `e2e predict` and
    /// `e2e evaluate` work on the report (multiply the output by the cap for cycles).
    public func save(_ trained: Trained, in context: ApplicationContext, inputs: Tensor, targets: [Double]) throws -> SavedModel {
        try SavedModel.write(
            approach: approach, folder: folder, in: context, model: trained.model, inputs: inputs,
            writeLabels: { try NPY.write(Tensor(shape: [targets.count, 1], scalars: targets.map { Float($0 / trained.cap) }), to: $0) },
            configFile: "config.json", configText: { configText(inputs: $0, labels: $1) })
    }
}
