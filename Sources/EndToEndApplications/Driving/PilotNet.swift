import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndTraining
import Foundation

/// The end-to-end driver: a scaled-down PilotNet (Bojarski et al. 2016) from the camera image
/// to the steering angle, built from a training configuration (so the saved configuration and
/// checkpoint work with `e2e predict`) and trained by ``Trainer`` on the steering loss alone.
///
/// PilotNet: 66×200 YUV input, normalization, five convolutions (24, 36, 48 channels 5×5 stride
/// 2; 64, 64 channels 3×3), fully connected 100, 50, 10, 1. Here: 32×64 gray input, three
/// convolutions (12, 18 channels 5×5 stride 2; 24 channels 3×3), fully connected 50, 10, 1.
public struct PilotNet: Sendable {
    public var camera: Camera
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Double
    /// Train for at least this many optimizer steps, so that small data-efficiency subsets
    /// get a comparable number of updates (the configuration's `epochs` is then exceeded).
    public var minimumSteps: Int
    /// Initializes the weights and orders the batches; kept to 31 bits so the configuration's
    /// `seed` (which JSON numbers carry exactly) is the seed training used.
    public var seed: UInt64

    public init(camera: Camera, epochs: Int, batchSize: Int = 32, learningRate: Double = 1e-3, minimumSteps: Int = 0, seed: UInt64) {
        self.camera = camera
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.minimumSteps = minimumSteps
        self.seed = seed & 0x7FFF_FFFF
    }

    /// The network, as `model.layers` items (JSON).
    public static let layers = [
        #"{"type": "conv2d", "out": 12, "kernel_size": 5, "stride": 2}"#, #""relu""#,
        #"{"type": "conv2d", "out": 18, "kernel_size": 5, "stride": 2}"#, #""relu""#,
        #"{"type": "conv2d", "out": 24, "kernel_size": 3}"#, #""relu""#, #""flatten""#,
        #"{"type": "linear", "out": 50}"#, #""relu""#, #"{"type": "linear", "out": 10}"#, #""relu""#,
        #"{"type": "linear", "out": 1}"#,
    ]

    /// A network of `layers` on inputs of `inputShape`, built by ``ModelBuilder`` from `seed`.
    public static func module(layers: [String], inputShape: [Int], seed: UInt64) throws -> Module {
        let text = #"{"data": {"name": "npy", "inputs": "x.npy", "labels": "y.npy", "features": "#
            + "[\(inputShape.map(String.init).joined(separator: ", "))]}, "
            + #""model": {"layers": ["# + layers.joined(separator: ", ") + #"]}, "loss": "mse", "optimizer": {"type": "adam"}}"#
        Random.seed(seed)
        return try TrainingConfig.parse(text, fileName: "layers.json").buildModel()
    }

    /// The training configuration (JSON). Its data section names NPY files of images and
    /// steering angles (``save(in:test:)`` exports the test set there); training here feeds
    /// the generated tensors. The normalization stands for PilotNet's first layer.
    public func configText(inputs: String = "inputs.npy", labels: String = "labels.npy") -> String {
        """
        {
          "name": "driving-end-to-end",
          "data": {"name": "npy", "inputs": \(JSONText.quoted(inputs)), "labels": \(JSONText.quoted(labels)),
                   "features": [1, \(camera.height), \(camera.width)], "batch_size": \(batchSize), "shuffle": true,
                   "transforms": [{"type": "normalize", "mean": 0.4, "std": 0.2}]},
          "model": {"layers": [\(Self.layers.joined(separator: ", "))]},
          "loss": "mse",
          "optimizer": {"type": "adam", "lr": \(learningRate)},
          "epochs": \(epochs),
          "seed": \(seed),
          "metrics": ["rmse", "mae"]
        }
        """
    }

    /// Numbers a person chose: every numeric setting of the configuration (3 convolutions ×
    /// channels and kernel, 2 strides, 2 hidden widths, normalization mean and std, learning
    /// rate, epochs, batch size).
    public var handSetConstants: Int { 3 * 2 + 2 + 2 + 2 + 3 }

    public func config() throws -> TrainingConfig { try TrainingConfig.parse(configText(), fileName: "driving-end-to-end.json") }

    /// The configuration's gray-scale normalization, `(x − mean) / std`.
    static func normalizationValues(_ config: TrainingConfig) -> (mean: Float, std: Float)? {
        for case let .normalize(mean, std) in config.data.transforms { return (Float(mean[0]), Float(std[0])) }
        return nil
    }

    /// The normalization as a batch transform (the same numbers `e2e predict` applies).
    static func normalization(_ config: TrainingConfig) -> BatchTransform? {
        normalizationValues(config).map { Transforms.normalize(mean: [$0.mean], std: [$0.std]) }
    }

    /// A trained network and what training cost.
    public struct Trained {
        public var model: Module
        /// The model behind the configuration's normalization, as `e2e predict` runs it.
        public var predictor: Predictor
        public var summary: TrainingSummary
        /// The network from raw pixels, normalization included, as differentiable tensor ops (for attributions).
        public var fromPixels: (Tensor) -> Tensor
    }

    /// Builds the configured network (initialized from ``seed``) and trains it on `train`;
    /// with `part`, as that resumable part of the run (``ApplicationContext/part(_:modules:_:)``).
    public func train(_ train: DrivingDataset, part: (key: String, context: ApplicationContext)? = nil,
                      log: (String) -> Void = { _ in }) throws -> Trained {
        let config = try config()
        Random.seed(seed)
        let model = try config.buildModel()
        let optimizer = ModelBuilder.optimizer(config.optimizer, parameters: model.parameters())
        let trainer = try Trainer(model: model, optimizer: optimizer, loss: ModelBuilder.loss(config.loss),
                                  metrics: config.metrics, seed: seed)
        let loader = DataLoader(try train.tensorDataset(), batchSize: min(batchSize, train.count), shuffle: true, seed: seed,
                                transform: Self.normalization(config))
        let steps = max(minimumSteps, epochs * loader.batchCount)
        let summary = try part.map { try $0.context.part($0.key, modules: [model]) { try trainer.fit(train: loader, steps: steps) } }
            ?? trainer.fit(train: loader, steps: steps)
        log(String(format: "  end-to-end: %d images, %d steps, train rmse %.4f, %.1f s", train.count, summary.steps,
                   summary["train_rmse"] ?? .nan, summary.wallSeconds))
        return Trained(model: model, predictor: Predictor(model: model, task: .regression, inputShape: [1, camera.height, camera.width],
                                                          transform: Self.normalization(config)), summary: summary,
                       fromPixels: { [norm = Self.normalizationValues(config)] x in
                           model(norm.map { (x - $0.mean) / $0.std } ?? x)
                       })
    }

    /// Writes `models/end-to-end/{config.json, model.safetensors, inputs.npy, labels.npy}`
    /// under the artefacts folder, the config's data section pointing at the exported test
    /// images and steering angles where the report will hold them, so that
    /// `e2e predict <report>/models/end-to-end/config.json --checkpoint …/model.safetensors
    /// --input …/inputs.npy --output steering.csv` works on the report.
    public func save(_ trained: Trained, in context: ApplicationContext, test: DrivingDataset) throws -> SavedModel {
        let set = try test.tensorDataset()
        return try SavedModel.write(
            approach: "end-to-end", folder: "end-to-end", in: context, model: trained.model, inputs: set.inputs,
            writeLabels: { try NPY.write(set.targets!, to: $0) }, configFile: "config.json",
            configText: { configText(inputs: $0, labels: $1) })
    }
}

extension PilotNet.Trained {
    /// The network's steering for every image of `data` (evaluation mode, no gradients).
    public func steering(_ data: DrivingDataset) throws -> [Double] {
        try steering(pixels: data.pixels, count: data.count)
    }

    /// The steering for `count` images given as `count × height × width` values.
    public func steering(pixels: [Float], count: Int) throws -> [Double] {
        let shape = predictor.inputShape!
        return try predictor.predict(Tensor(shape: [count] + shape, scalars: pixels)).outputs.scalars.map(Double.init)
    }
}
