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
    static let classifierLayers = [
        "{type: conv2d, in: 1, out: 8, kernel_size: 3, padding: 1}", "relu", "{type: maxpool2d, kernel_size: 2}",
        "{type: conv2d, out: 16, kernel_size: 3, padding: 1}", "relu", "{type: maxpool2d, kernel_size: 2}",
        "flatten", "{type: linear, out: 32}", "relu", "{type: linear, out: 2}",
    ]

    /// The detector: convolutions only, so the same weights that classify one 25×25 window
    /// give a score map over any larger scene (one score per 4 pixels); on a window its
    /// output is 1×1×2, flattened for the loss.
    static let detectorLayers = [
        "{type: conv2d, in: 1, out: 16, kernel_size: 5}", "relu", "{type: maxpool2d, kernel_size: 2}",
        "{type: conv2d, out: 32, kernel_size: 3}", "relu", "{type: maxpool2d, kernel_size: 2}",
        "{type: conv2d, out: 64, kernel_size: 4}", "relu", "{type: conv2d, out: 2, kernel_size: 1}", "flatten",
    ]
    /// Pixels between neighbouring scores of the detector's map (its two 2×2 poolings).
    static let detectorStride = 4
    static let optimizer = "{type: adam, lr: 0.003}"
    /// Hand-set constants of the detector (the system the maintenance count is for): 3 widths,
    /// 3 kernel sizes, 2 poolings, the learning rate and the batch size (the step budget is
    /// the same for every approach and not counted).
    static let detectorConstants = 10

    /// A trained network with what it cost.
    struct Trained {
        var network: ConfiguredNetwork
        var trainSeconds: Double
        var steps: Int
        var history: [MetricsRecord]
        var model: Module { network.model }
        var parameters: Int { network.parameterCount }
    }

    /// Builds the network from its config layers and trains it on `train` for `steps`
    /// optimizer steps through the `Trainer`.
    /// With `part`, the fit is that resumable part of the run (``ApplicationContext/part(_:modules:_:)``).
    static func train(approach: String, layers: [String], train: FacePatches, steps: Int, seed: UInt64,
                      part: (key: String, context: ApplicationContext)? = nil) throws -> Trained {
        let net = try ConfiguredNetwork(approach: approach, inputShape: [1, FacePatches.side, FacePatches.side], classes: 2,
                                        layers: layers, optimizer: optimizer, batchSize: 32, seed: seed)
        let data = try TensorDataset(inputs: train.inputs, labels: train.labelTensor)
        let summary = try part.map { try net.fit(data, epochs: 1, minimumSteps: steps, part: $0.key, in: $0.context) }
            ?? net.fit(data, epochs: 1, minimumSteps: steps)
        return Trained(network: net, trainSeconds: summary.wallSeconds, steps: summary.steps, history: summary.history)
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
        // A config-built network is a ConfiguredModel (PyTorch's layer names); a hand-built one a Sequential.
        let layers = (detector as? ConfiguredModel)?.layers ?? (detector as? Sequential)?.layers
        guard let layers, layers.last is Flatten else {
            throw TrainerError("faces detector: expected a layer list ending in flatten")
        }
        detector.eval()
        let out = withNoGrad { () -> Tensor in
            var x = scene.tensor.reshaped([1, 1, scene.height, scene.width])
            for layer in layers.dropLast() { x = layer(x) }
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
