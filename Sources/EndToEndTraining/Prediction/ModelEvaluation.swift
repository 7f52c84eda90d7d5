import EndToEnd
import EndToEndData
import EndToEndNN

/// What `e2e evaluate` computes: a model's metrics on one split of its config's data.
public struct ModelEvaluation: Sendable {
    /// `test`, else `validation`, else `train`: the first split the data have.
    public let split: String
    public let examples: Int
    /// The config's metrics, named `<split>_<metric>` (`test_accuracy`).
    public let metrics: [String: Double]

    /// Evaluates `model` (weights already loaded) with `config`'s loss and metrics on the
    /// test split of `data`, else its validation split, else the training set.
    public static func evaluate(_ model: Module, config: TrainingConfig, data: BuiltData) throws -> ModelEvaluation {
        let optimizer = ModelBuilder.optimizer(config.optimizer, parameters: model.parameters())
        let trainer = try Trainer(model: model, optimizer: optimizer, loss: ModelBuilder.loss(config.loss),
                                  metrics: config.metrics, classes: config.data.classes)
        let (split, loader): (String, DataLoader<TensorDataset>)
        if let test = data.test { (split, loader) = ("test", test) }
        else if let validation = data.validation { (split, loader) = ("validation", validation) }
        else { (split, loader) = ("train", data.train) }
        var metrics: [String: Double] = [:]
        for (k, v) in try trainer.evaluate(loader) { metrics[split + "_" + k] = v }
        return ModelEvaluation(split: split, examples: loader.sampleCount, metrics: metrics)
    }
}
