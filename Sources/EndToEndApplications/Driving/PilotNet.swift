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
    public var seed: UInt64

    public init(camera: Camera, epochs: Int, batchSize: Int = 32, learningRate: Double = 1e-3, seed: UInt64) {
        self.camera = camera
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.seed = seed
    }

    /// The training configuration (JSON). Its data section names the NPY files a user would
    /// export the images and steering angles to; training here feeds the generated tensors.
    public var configText: String {
        """
        {
          "name": "driving-end-to-end",
          "data": {"name": "npy", "inputs": "driving_images.npy", "labels": "driving_steering.npy",
                   "features": [1, \(camera.height), \(camera.width)], "batch_size": \(batchSize), "shuffle": true},
          "model": {"layers": [
            {"type": "conv2d", "out": 12, "kernel_size": 5, "stride": 2}, "relu",
            {"type": "conv2d", "out": 18, "kernel_size": 5, "stride": 2}, "relu",
            {"type": "conv2d", "out": 24, "kernel_size": 3}, "relu",
            "flatten",
            {"type": "linear", "out": 50}, "relu",
            {"type": "linear", "out": 10}, "relu",
            {"type": "linear", "out": 1}
          ]},
          "loss": "mse",
          "optimizer": {"type": "adam", "lr": \(learningRate)},
          "epochs": \(epochs),
          "seed": \(seed),
          "metrics": ["rmse", "mae"]
        }
        """
    }

    /// Numbers a person chose: every numeric setting of the configuration (layer sizes,
    /// kernels, strides, learning rate, epochs, batch size).
    public var handSetConstants: Int { 3 * 2 + 2 + 2 + 3 }

    public func config() throws -> TrainingConfig { try TrainingConfig.parse(configText, fileName: "driving-end-to-end.json") }

    /// A trained network and what training cost.
    public struct Trained {
        public var model: Module
        public var summary: TrainingSummary
    }

    /// Builds the configured network (initialized from ``seed``) and trains it on `train`.
    public func train(_ train: DrivingDataset, log: (String) -> Void = { _ in }) throws -> Trained {
        let config = try config()
        Random.seed(seed)
        let model = try config.buildModel()
        let optimizer = ModelBuilder.optimizer(config.optimizer, parameters: model.parameters())
        let trainer = try Trainer(model: model, optimizer: optimizer, loss: ModelBuilder.loss(config.loss),
                                  metrics: config.metrics, seed: seed)
        let loader = DataLoader(try train.tensorDataset(), batchSize: min(batchSize, train.count), shuffle: true, seed: seed)
        let summary = try trainer.fit(train: loader, epochs: epochs)
        log(String(format: "  end-to-end: %d images, %d steps, train rmse %.4f, %.1f s", train.count, summary.steps,
                   summary["train_rmse"] ?? .nan, summary.wallSeconds))
        return Trained(model: model, summary: summary)
    }

    /// The network's steering for every image of `data` (evaluation mode, no gradients).
    public static func steering(_ model: Module, _ data: DrivingDataset) throws -> [Double] {
        let predictor = Predictor(model: model, task: .regression, inputShape: [1, data.camera.height, data.camera.width])
        let x = Tensor(shape: [data.count, 1, data.camera.height, data.camera.width], scalars: data.pixels)
        return try predictor.predict(x).outputs.scalars.map(Double.init)
    }
}
