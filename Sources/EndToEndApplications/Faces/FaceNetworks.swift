import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndTraining
import Foundation

/// The end-to-end systems: networks from raw pixels, declared as `e2e` configs (so the saved
/// config and checkpoint work with `e2e predict`) and trained on the output loss alone
/// through the project's `Trainer`.
enum FaceNetworks {
    /// The classifier: two conv–ReLU–pool stages and two dense layers, 25×25 → face / non-face.
    static let classifierLayers = """
        - {type: conv2d, in: 1, out: 8, kernel_size: 3, padding: 1}
        - relu
        - {type: maxpool2d, kernel_size: 2}
        - {type: conv2d, out: 16, kernel_size: 3, padding: 1}
        - relu
        - {type: maxpool2d, kernel_size: 2}
        - flatten
        - {type: linear, out: 32}
        - relu
        - {type: linear, out: 2}
    """

    /// The detector: convolutions only, so the same weights that classify one 25×25 window
    /// give a score map over any larger scene (one score per 4 pixels); on a window its
    /// output is 1×1×2, flattened for the loss.
    static let detectorLayers = """
        - {type: conv2d, in: 1, out: 8, kernel_size: 5}
        - relu
        - {type: maxpool2d, kernel_size: 2}
        - {type: conv2d, out: 16, kernel_size: 3}
        - relu
        - {type: maxpool2d, kernel_size: 2}
        - {type: conv2d, out: 32, kernel_size: 4}
        - relu
        - {type: conv2d, out: 2, kernel_size: 1}
        - flatten
    """
    /// Pixels between neighbouring scores of the detector's map (its two 2×2 poolings).
    static let detectorStride = 4
    /// Hand-set constants of each network config: layer widths and kernel sizes, the
    /// learning rate and batch size (the step budget is the same for every approach).
    static let classifierConstants = 9
    static let detectorConstants = 10

    /// The config text: `data` names the exported test windows so `e2e evaluate`/`predict` run on it.
    /// The seed is cut to 31 bits, the range a config's `seed` holds exactly.
    static func config(name: String, layers: String, steps: Int, seed: UInt64, inputs: String, labels: String) -> String {
        """
        name: \(name)
        data: {name: npy, inputs: \(inputs), labels: \(labels), classes: 2, features: [1, 25, 25], batch_size: 32}
        model:
          layers:
        \(layers)
        loss: cross_entropy
        optimizer: {type: adam, lr: 0.003}
        steps: \(steps)
        seed: \(seed & 0x7FFF_FFFF)
        metrics: [accuracy]

        """
    }

    /// A trained network with what it cost.
    struct Trained {
        var config: TrainingConfig
        var configText: String
        var model: Module
        var trainSeconds: Double
        var steps: Int
        /// (step, train loss) and (step, test accuracy) per epoch.
        var lossCurve: [(Double, Double)]
        var accuracyCurve: [(Double, Double)]
        var parameters: Int { model.parameters().reduce(0) { $0 + $1.value.count } }
    }

    /// Builds the config's model and trains it on `train` for the config's steps, from the config's seed.
    static func train(configText: String, fileName: String, train: FacePatches, test: FacePatches?) throws -> Trained {
        let config = try TrainingConfig.parse(configText, fileName: fileName)
        let seed = config.seed
        Random.seed(seed)
        let model = try config.buildModel()
        let optimizer = ModelBuilder.optimizer(config.optimizer, parameters: model.parameters())
        let trainer = try Trainer(model: model, optimizer: optimizer, loss: ModelBuilder.loss(config.loss),
                                  metrics: config.metrics, classes: 2, seed: seed)
        let loader = DataLoader(try TensorDataset(inputs: train.inputs, labels: train.labelTensor),
                                batchSize: min(config.data.batchSize, train.count), shuffle: true, seed: seed)
        let testLoader = try test.map { DataLoader(try TensorDataset(inputs: $0.inputs, labels: $0.labelTensor), batchSize: 256) }
        let steps = config.steps ?? 1
        let summary = try trainer.fit(train: loader, test: testLoader, steps: steps)
        let loss = summary.history.filter { $0.split == "train" }.compactMap { r in r.values["loss"].map { (Double(r.step), $0) } }
        let acc = summary.history.filter { $0.split == "test" }.compactMap { r in r.values["accuracy"].map { (Double(r.step), $0) } }
        return Trained(config: config, configText: configText, model: model, trainSeconds: summary.wallSeconds, steps: summary.steps,
                       lossCurve: loss, accuracyCurve: acc)
    }

    /// Class-1 minus class-0 logit (the log-odds of "face") for each window.
    static func faceScores(_ model: Module, _ images: [GrayImage]) -> [Double] {
        let x = FacePatches(images: images, labels: images.map { _ in 0 }).inputs
        model.eval()
        let out = withNoGrad { model(x) }
        let v = out.scalars
        return (0..<images.count).map { Double(v[2 * $0 + 1] - v[2 * $0]) }
    }

    static func accuracy(_ model: Module, _ patches: FacePatches) throws -> Double {
        model.eval()
        let out = withNoGrad { model(patches.inputs) }
        let acc = Accuracy()
        try acc.update(out, labels: patches.labelTensor)
        return acc.compute()
    }

    /// The detector's score map over `scene`: every layer but the final flatten, run on the
    /// whole image; score (i, j) belongs to the 25×25 window at (4i, 4j).
    static func scoreMap(_ detector: Module, _ scene: GrayImage) throws -> (rows: Int, columns: Int, scores: [Double]) {
        guard let seq = detector as? Sequential, seq.layers.last is Flatten else {
            throw TrainerError("faces detector: expected a Sequential ending in flatten")
        }
        detector.eval()
        let out = withNoGrad { () -> Tensor in
            var x = scene.tensor.reshaped([1, 1, scene.height, scene.width])
            for layer in seq.layers.dropLast() { x = layer(x) }
            return x
        }
        guard out.rank == 4, out.shape[1] == 2 else { throw TrainerError("faces detector: score map of shape \(out.shape), expected [1, 2, h, w]") }
        let h = out.shape[2], w = out.shape[3]
        let v = out.scalars
        let scores = (0..<(h * w)).map { Double(v[h * w + $0] - v[$0]) }
        return (h, w, scores)
    }

    /// Detections from the score map: one box per score, then non-maximum suppression.
    static func detect(_ detector: Module, _ scene: GrayImage, nmsIoU: Double, maxPerScene: Int) throws -> [Detection] {
        let map = try scoreMap(detector, scene)
        var all: [Detection] = []
        for i in 0..<map.rows {
            for j in 0..<map.columns {
                let box = BoundingBox(row: Double(i * detectorStride), column: Double(j * detectorStride),
                                      height: Double(FacePatches.side), width: Double(FacePatches.side))
                all.append(Detection(box: box, score: map.scores[i * map.columns + j]))
            }
        }
        return try NonMaximumSuppression.apply(all, iouThreshold: nmsIoU, maxDetections: maxPerScene)
    }
}
