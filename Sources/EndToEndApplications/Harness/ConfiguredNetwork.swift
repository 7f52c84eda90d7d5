import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndTraining
import Foundation

/// A classification network declared in the configuration schema (`model.layers`,
/// docs/config.md), built by ``ModelBuilder``, trained by the ``Trainer``, and saved in the
/// report so that `e2e predict <report>/models/<approach>/config.yaml --checkpoint …` and
/// `e2e evaluate` work on it.
///
/// ```swift
/// let net = try ConfiguredNetwork(approach: "end-to-end", inputShape: [1, 32, 32], classes: 2,
///                                 layers: ["{type: conv2d, out: 8, kernel_size: 3, padding: 1}", "relu",
///                                          "{type: maxpool2d, kernel_size: 2}", "flatten", "{type: linear, out: 2}"],
///                                 seed: context.seed(1))
/// let summary = try net.fit(train, epochs: 10)
/// let p = try net.probabilities(testInputs)          // [N, classes]
/// let saved = try net.save(in: context, inputs: testInputs, labels: testLabels)
/// ```
public final class ConfiguredNetwork {
    /// The approach the network implements, e.g. `"end-to-end"`; names its `models/` folder.
    public let approach: String
    public let inputShape: [Int]
    public let classes: Int
    public let batchSize: Int
    public let seed: UInt64
    /// The parsed configuration (with placeholder data paths until ``save(in:inputs:labels:)``).
    public let config: TrainingConfig
    public let model: Module
    let layers: [String]
    let optimizer: String

    /// - Parameters:
    ///   - layers: the `model.layers` items as YAML flow text, e.g. `"{type: linear, out: 2}"`
    ///     or `"relu"`; the first layer's input size may be omitted (it comes from `inputShape`).
    ///   - optimizer: the `optimizer` section as YAML flow text.
    ///   - seed: initializes the weights and orders the batches.
    /// - Throws: ``ConfigError`` (with the layer's path) when the layers do not fit the input.
    public init(approach: String, inputShape: [Int], classes: Int, layers: [String],
                optimizer: String = "{type: adam, lr: 0.001}", batchSize: Int = 32, seed: UInt64) throws {
        self.approach = approach
        self.inputShape = inputShape
        self.classes = classes
        self.layers = layers
        self.optimizer = optimizer
        self.batchSize = batchSize
        self.seed = seed
        let text = Self.configText(name: approach, inputShape: inputShape, classes: classes, layers: layers, optimizer: optimizer,
                                   batchSize: batchSize, seed: seed, inputs: "inputs.npy", labels: "labels.npy", epochs: 1)
        config = try TrainingConfig.parse(text, fileName: "\(approach).yaml", format: .yaml)
        Random.seed(seed)
        model = try config.buildModel()
    }

    /// Learned parameters.
    public var parameterCount: Int { model.parameterCount }

    /// Trains on `train` (cross-entropy, the configured optimizer) for `epochs` epochs but
    /// at least `minimumSteps` optimizer steps, so tiny data-efficiency subsets still get a
    /// fair number of updates. Nothing is evaluated during the fit, so its wall time is
    /// training alone; the history holds the training loss and accuracy per epoch.
    @discardableResult
    public func fit(_ train: TensorDataset, epochs: Int, minimumSteps: Int = 0) throws -> TrainingSummary {
        guard train.count > 0 else { throw ApplicationError("\(approach): the training set is empty") }
        guard Array(train.inputs.shape.dropFirst()) == inputShape else {
            throw ApplicationError("\(approach): training inputs have shape \(train.inputs.shape), the network expects [N] + \(inputShape)")
        }
        let loader = DataLoader(train, batchSize: batchSize, shuffle: true, seed: seed, prefetch: 0)
        let trainer = try Trainer(model: model, optimizer: ModelBuilder.optimizer(config.optimizer, parameters: model.parameters()),
                                  loss: ModelBuilder.loss(config.loss), metrics: ["accuracy"], classes: classes, seed: seed)
        return try trainer.fit(train: loader, steps: max(minimumSteps, epochs * loader.batchCount))
    }

    /// ``fit(_:epochs:minimumSteps:)`` as the resumable part `key` of `context`'s run: after an
    /// interruption the finished fit's weights and summary are read back instead of trained again.
    @discardableResult
    public func fit(_ train: TensorDataset, epochs: Int, minimumSteps: Int = 0, part key: String,
                    in context: ApplicationContext) throws -> TrainingSummary {
        try context.part(key, modules: [model]) { try fit(train, epochs: epochs, minimumSteps: minimumSteps) }
    }

    /// Class probabilities `[N, classes]`, in evaluation mode (through ``Predictor``).
    public func probabilities(_ inputs: Tensor) throws -> Tensor {
        let p = try Predictor(model: model, task: .classification, inputShape: inputShape).predict(inputs)
        guard let probabilities = p.probabilities else { throw ApplicationError("\(approach): the predictor returned no probabilities") }
        return probabilities
    }

    /// The folder name under `models/`: the approach in lower case, each run of characters
    /// other than letters, digits and `_` turned into one `-` ("end-to-end (table)" →
    /// "end-to-end-table").
    public var folderName: String {
        var out = ""
        for ch in approach.lowercased() {
            if ch.isLetter || ch.isNumber || ch == "_" { out.append(ch) } else if !out.hasSuffix("-") && !out.isEmpty { out.append("-") }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return out.isEmpty ? "model" : out
    }

    /// Writes `models/<approach>/{config.yaml, model.safetensors, inputs.npy, labels.npy}`
    /// under the context's artefacts folder; the config's `npy` data section points at the
    /// exported arrays where the report will hold them (`<report>/models/<approach>/`), so
    /// `e2e evaluate` scores the saved model on (a held-out 20 % of) the exported examples
    /// and `e2e predict --input <report>/models/<approach>/inputs.npy` predicts them all.
    public func save(in context: ApplicationContext, inputs: Tensor, labels: [Int], epochs: Int = 1) throws -> SavedModel {
        try SavedModel.write(
            approach: approach, folder: folderName, in: context, model: model, inputs: inputs,
            writeLabels: { try NPY.write(IntTensor(labels), to: $0) }, configFile: "config.yaml"
        ) { inputsPath, labelsPath in
            Self.configText(name: approach, inputShape: inputShape, classes: classes, layers: layers, optimizer: optimizer,
                            batchSize: batchSize, seed: seed, inputs: inputsPath, labels: labelsPath, epochs: epochs)
        }
    }

    static func configText(name: String, inputShape: [Int], classes: Int, layers: [String], optimizer: String, batchSize: Int,
                           seed: UInt64, inputs: String, labels: String, epochs: Int) -> String {
        var t = "# Written by e2e app: the network of approach \(JSONText.quoted(name)), trained on the application's data.\n"
        t += "name: \(JSONText.quoted(name))\n"
        t += "data:\n  name: npy\n  inputs: \(JSONText.quoted(inputs))\n  labels: \(JSONText.quoted(labels))\n"
        t += "  features: [\(inputShape.map(String.init).joined(separator: ", "))]\n  classes: \(classes)\n  batch_size: \(batchSize)\n"
        t += "model:\n  layers:\n" + layers.map { "    - \($0)\n" }.joined()
        // The schema takes a non-negative Int seed; keep the low 63 bits of the derived seed.
        t += "loss: cross_entropy\noptimizer: \(optimizer)\nepochs: \(epochs)\nseed: \(seed & UInt64(Int.max))\nmetrics: [accuracy]\n"
        return t
    }
}
