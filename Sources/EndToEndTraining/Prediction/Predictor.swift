import EndToEnd
import EndToEndData
import EndToEndNN
import Foundation

/// What a model's outputs mean, which decides how they are reported.
public enum PredictionTask: Sendable, Equatable {
    /// Logits (or log-probabilities) over classes: report the argmax and the softmax.
    case classification
    /// Anything else: report the raw outputs.
    case regression
}

/// A model's predictions for `N` examples.
public struct Predictions: Sendable {
    public let task: PredictionTask
    /// The model's outputs, `[N, K]` (a regression model's other shapes are flattened per example).
    public let outputs: Tensor
    /// Softmax of ``outputs`` over the last dimension (classification only).
    public let probabilities: Tensor?
    /// The predicted class of each example (classification only).
    public let classes: [Int]?

    public var count: Int { outputs.shape[0] }
}

/// Runs a trained model on new inputs in evaluation mode, without gradients, in batches.
///
/// ```swift
/// let predictor = try Predictor(config: config, checkpoint: url)
/// let x = try PredictionInput.read(input, expectedShape: predictor.inputShape, scaleBytes: true)
/// let p = try predictor.predict(x)
/// try PredictionWriter.write(p, format: .csv, to: output)
/// ```
public final class Predictor {
    public let model: Module
    public let task: PredictionTask
    /// One example's input shape, when known; inputs are checked against it.
    public let inputShape: [Int]?
    /// Applied to each batch of inputs first: the evaluation transforms of the training
    /// data (`normalize`), so predictions see inputs scaled as in training.
    public let transform: BatchTransform?

    public init(model: Module, task: PredictionTask, inputShape: [Int]?, transform: BatchTransform? = nil) {
        self.model = model
        self.task = task
        self.inputShape = inputShape
        self.transform = transform
    }

    /// The configured model with the weights in `checkpoint` (a training checkpoint or a
    /// plain model file), the configuration's evaluation transforms, and the task implied
    /// by its loss (`cross_entropy`/`nll` are classification).
    public convenience init(config: TrainingConfig, checkpoint: URL) throws {
        let model = try config.buildModel()
        try Self.loadWeights(into: model, from: checkpoint)
        let shape = Self.inputShape(of: config)
        var transform: BatchTransform?
        if let shape, !config.data.transforms.isEmpty {
            transform = try DataBuilder.transforms(config.data, featureShape: shape).eval
        }
        self.init(model: model, task: config.loss.isClassification ? .classification : .regression,
                  inputShape: shape, transform: transform)
    }

    /// One example's input shape for `config`: the data's feature shape, else the `in` of
    /// a first `linear` layer; nil when neither says.
    public static func inputShape(of config: TrainingConfig) -> [Int]? {
        if let s = config.data.featureShape { return s }
        if case .linear(let declared?, _, _) = config.model.layers.first { return [declared] }
        return nil
    }

    /// Loads a training checkpoint (`Checkpoint.save`, as `e2e train` writes), a plain
    /// model file (`Module.save`) or a PyTorch `state_dict` (names with or without a prefix
    /// such as `model.`; see `Module.load(from:)`) into `model`; errors name the file and
    /// show both sides' names and shapes in one table.
    public static func loadWeights(into model: Module, from url: URL) throws {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw PredictionError("\(url.path): no such checkpoint")
        }
        do {
            if try SafeTensors.readHeader(contentsOf: url).metadata["format"] == "endtoend.checkpoint.v1" {
                try Checkpoint.load(into: model, from: url)
            } else {
                try model.load(from: url)
            }
        } catch let e as CheckpointError {
            throw PredictionError("\(url.path): cannot load into the configured model: \(e.message)")
        } catch {
            throw PredictionError("\(url.path): cannot load into the configured model: \(error)")
        }
    }

    /// Predicts `inputs` (`[N] + inputShape`) `batchSize` examples at a time.
    public func predict(_ inputs: Tensor, batchSize: Int = 256) throws -> Predictions {
        guard batchSize > 0 else { throw PredictionError("batch size must be positive, got \(batchSize)") }
        let x = try PredictionInput.conform(inputs, to: inputShape, file: "inputs")
        let n = x.shape[0]
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        var parts: [Tensor] = []
        try withNoGrad {
            for start in stride(from: 0, to: n, by: batchSize) {
                let end = min(start + batchSize, n)
                var batch = Batch(inputs: x[start..<end], indices: Array(start..<end))
                if let transform {
                    var rng = RandomGenerator(seed: 0)  // evaluation transforms are deterministic
                    transform(&batch, &rng)
                }
                let out = model(batch.inputs)
                guard out.rank >= 1, out.shape[0] == end - start else {
                    throw PredictionError("the model returned shape \(out.shape) for a batch of \(end - start) examples")
                }
                if task == .classification && out.rank != 2 {
                    throw PredictionError("a classifier must return [batch, classes], but the model returns shape \(out.shape); predict with a regression loss to get raw outputs")
                }
                parts.append(out.reshaped([end - start, out.count / (end - start)]).contiguous())
            }
        }
        let outputs = parts.count == 1 ? parts[0] : Tensor.concat(parts, axis: 0)
        guard task == .classification else {
            return Predictions(task: task, outputs: outputs, probabilities: nil, classes: nil)
        }
        let probabilities = outputs.softmax(axis: -1)
        return Predictions(task: task, outputs: outputs, probabilities: probabilities,
                           classes: outputs.argmax(axis: 1).scalars.map { Int($0) })
    }
}
