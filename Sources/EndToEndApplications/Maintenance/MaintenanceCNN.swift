import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndTraining
import Foundation

/// The end-to-end estimator: a 1-D CNN from a raw window of the last 30 cycles (the three
/// operating settings and the 21 sensors, each channel scaled by one global mean and
/// standard deviation) to the capped remaining useful life, trained on the squared error
/// alone. No operating-condition clustering, no health index: the network has to find both.
///
/// After Li, Ding & Sun (2018, "Remaining useful life estimation in prognostics using deep
/// convolution neural networks": four 1-D convolutions of 10 filters of length 10 over a
/// 30-cycle window, one of 1 filter of length 3, 100 hidden units), scaled to two cores:
/// three convolutions of 16, 16 and 8 filters (lengths 5, 5, 3, padded), 64 hidden units.
/// Built from a training configuration, so `e2e predict` runs the saved network.
public struct MaintenanceCNN: Sendable {
    /// The network, as `model.layers` items (JSON).
    public static let layers = [
        #"{"type": "conv1d", "out": 16, "kernel_size": 5, "padding": 2}"#, #""relu""#,
        #"{"type": "conv1d", "out": 16, "kernel_size": 5, "padding": 2}"#, #""relu""#,
        #"{"type": "conv1d", "out": 8, "kernel_size": 3, "padding": 1}"#, #""relu""#, #""flatten""#,
        #"{"type": "linear", "out": 64}"#, #""relu""#, #"{"type": "linear", "out": 1}"#,
    ]

    /// Numbers a person chose: 3 convolutions × (filters, length), the hidden width, the
    /// learning rate, the batch size, the epochs, the window length and the RUL cap.
    public static let handSetConstants = 3 * 2 + 1 + 3 + 2

    public var window: Int
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Double
    /// At least this many optimizer steps (small data-efficiency subsets get more epochs).
    public var minimumSteps: Int
    /// Kept to 31 bits so that the configuration's `seed` is the seed training used.
    public var seed: UInt64

    public init(window: Int, epochs: Int, batchSize: Int = 128, learningRate: Double = 2e-3, minimumSteps: Int = 0, seed: UInt64) {
        self.window = window
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
          "name": "maintenance-end-to-end",
          "data": {"name": "npy", "inputs": \(JSONText.quoted(inputs)), "labels": \(JSONText.quoted(labels)),
                   "features": [\(TurbofanFleet.channels), \(window)], "batch_size": \(batchSize), "shuffle": true},
          "model": {"layers": [\(Self.layers.joined(separator: ", "))]},
          "loss": "mse",
          "optimizer": {"type": "adam", "lr": \(learningRate)},
          "epochs": \(epochs),
          "seed": \(seed),
          "metrics": ["rmse", "mae"]
        }
        """
    }

    public func config() throws -> TrainingConfig { try TrainingConfig.parse(configText(), fileName: "maintenance-end-to-end.json") }

    /// A trained network and what training cost.
    public struct Trained {
        public var model: Module
        public var summary: TrainingSummary
        /// The RUL cap the targets were divided by.
        public var cap: Double
        var inputShape: [Int]

        /// Capped remaining useful life for every window `[N, channels, window]` (scaled inputs).
        public func predict(_ inputs: Tensor) throws -> [Double] {
            let p = try Predictor(model: model, task: .regression, inputShape: inputShape).predict(inputs)
            return p.outputs.contiguous().scalars.map { Double($0) * cap }
        }
    }

    /// Builds the configured network (initialized from ``seed``) and trains it on scaled
    /// windows and targets `RUL / cap`.
    public func train(_ inputs: Tensor, targets: [Double], cap: Double) throws -> Trained {
        guard inputs.shape.count == 3, inputs.shape[0] == targets.count, inputs.shape[0] > 0 else {
            throw ApplicationError("maintenance end-to-end: \(inputs.shape) windows for \(targets.count) targets")
        }
        let config = try config()
        Random.seed(seed)
        let model = try config.buildModel()
        let optimizer = ModelBuilder.optimizer(config.optimizer, parameters: model.parameters())
        let trainer = try Trainer(model: model, optimizer: optimizer, loss: ModelBuilder.loss(config.loss), metrics: ["rmse"], seed: seed)
        let set = try TensorDataset(inputs: inputs, targets: Tensor(shape: [targets.count, 1], scalars: targets.map { Float($0 / cap) }))
        let loader = DataLoader(set, batchSize: min(batchSize, set.count), shuffle: true, seed: seed, prefetch: 0)
        let summary = try trainer.fit(train: loader, steps: max(minimumSteps, epochs * loader.batchCount))
        return Trained(model: model, summary: summary, cap: cap, inputShape: Array(inputs.shape.dropFirst()))
    }

    /// Writes `models/end-to-end/{config.json, model.safetensors, inputs.npy, labels.npy}`:
    /// the scaled test windows and their targets `RUL / cap`, so that `e2e predict` and
    /// `e2e evaluate` work on the report (multiply the output by the cap for cycles).
    public func save(_ trained: Trained, in context: ApplicationContext, inputs: Tensor, targets: [Double]) throws -> SavedModel {
        try SavedModel.write(
            approach: "end-to-end", folder: "end-to-end", in: context, model: trained.model, inputs: inputs,
            writeLabels: { try NPY.write(Tensor(shape: [targets.count, 1], scalars: targets.map { Float($0 / trained.cap) }), to: $0) },
            configFile: "config.json", configText: { configText(inputs: $0, labels: $1) })
    }
}
