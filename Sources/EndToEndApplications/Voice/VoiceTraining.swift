import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndTraining
import Foundation

/// A network declared by a `model.layers` config, built by ``ModelBuilder`` and trained by
/// the ``Trainer`` on a labelled tensor data set; the same config text is saved in the
/// report, so `e2e predict` rebuilds the same network.
struct VoiceTraining {
    /// The full config (data section for `e2e predict`, model, optimizer, loss).
    let configText: String
    let config: TrainingConfig
    let batchSize: Int

    init(configText: String, batchSize: Int) throws {
        self.configText = configText
        self.config = try TrainingConfig.parse(configText, fileName: "voice config", format: .json)
        self.batchSize = batchSize
    }

    /// The trained model, the trainer (for evaluation) and its summary, after `steps`
    /// optimizer steps on `train` (the initialization drawn from `seed`).
    func fit(_ train: TensorDataset, steps: Int, seed: UInt64) throws -> (model: Module, trainer: Trainer, summary: TrainingSummary) {
        Random.seed(seed)
        let model = try config.buildModel()
        let optimizer = ModelBuilder.optimizer(config.optimizer, parameters: model.parameters())
        let trainer = try Trainer(model: model, optimizer: optimizer, loss: ModelBuilder.loss(config.loss), metrics: ["accuracy"],
                                  classes: VoiceVocabulary.classCount, seed: seed)
        let loader = DataLoader(train, batchSize: min(batchSize, train.count), shuffle: true, seed: seed)
        let summary = try trainer.fit(train: loader, steps: steps)
        return (model, trainer, summary)
    }

    /// Accuracy of a trained model on `data`.
    static func accuracy(_ trainer: Trainer, on data: TensorDataset) throws -> Double {
        guard let a = try trainer.evaluate(DataLoader(data, batchSize: 128))["accuracy"] else {
            throw ApplicationError("voice: the trainer reported no accuracy")
        }
        return a
    }

    /// The config text: an npy data section naming the example files exported beside it.
    static func configText(inputs: String, labels: String, features: [Int], layers: [String], learningRate: Double) -> String {
        """
        {
          "data": {"name": "npy", "inputs": "\(inputs)", "labels": "\(labels)", "classes": \(VoiceVocabulary.classCount),
                   "features": [\(features.map(String.init).joined(separator: ", "))], "batch_size": 32},
          "model": {"layers": [
            \(layers.joined(separator: ",\n    "))
          ]},
          "optimizer": {"type": "adam", "lr": \(learningRate)},
          "loss": "cross_entropy",
          "metrics": ["accuracy"]
        }
        """
    }
}
