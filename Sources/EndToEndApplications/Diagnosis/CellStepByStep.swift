import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndStrategies
import EndToEndTraining

/// Step-by-step on cell images, through ``StepByStepStrategy``: the CNN trunk is first
/// trained to predict the pipeline's 8 nucleus features (standardized, mean squared error) —
/// the natural intermediate target, what a pathologist would measure — then frozen, and a
/// small head is trained on the trunk's predicted features against the label.
public enum CellStepByStep {
    /// The end-to-end CNN up to its hidden layer, then 8 outputs (the predicted features).
    public static let trunkLayers = Array(CellCNN.layers.dropLast()) + ["{type: linear, out: \(NucleusFeatures.names.count)}"]
    public static let headLayers = ["{type: linear, out: 16}", "relu", "{type: linear, out: 2}"]
    public static let intermediate = "nucleus_features"
    /// Hand-set constants beyond the CNN's: the choice of intermediate target, the head's
    /// width, and the even split of the budget between the stages.
    public static let handSetConstants = CellCNN.handSetConstants + 3

    /// The trained composite model and the strategy's accounting.
    public struct Trained {
        public var model: CompositeModel
        public var result: StrategyResult
    }

    /// Trains with `steps` optimizer steps in all (split evenly between the two stages) on
    /// `train`, whose pipeline features `trainFeatures` are standardized to serve as the
    /// trunk's target.
    public static func train(_ images: CellImages, features: Tensor, test: CellImages, testFeatures: Tensor, steps: Int, seed: UInt64,
                             log: @escaping @Sendable (String) -> Void) throws -> Trained {
        let mean = features.mean(axis: 0, keepDims: true)
        let std = (features.variance(axes: [0], correction: 0, keepDims: true) + 1e-6).sqrt()
        func data(_ c: CellImages, _ f: Tensor) throws -> TrainingData {
            TrainingData(try TensorDataset(inputs: c.inputs, labels: IntTensor(c.labels), intermediates: [intermediate: (f - mean) / std]))
        }
        final class Box: @unchecked Sendable { var model: CompositeModel? }
        let box = Box()
        let size = CellImages.size
        let setup = StrategySetup(
            makeModel: { s in
                let trunk = try ConfiguredNetwork(approach: "trunk", inputShape: [1, size, size], classes: NucleusFeatures.names.count,
                                                  layers: trunkLayers, seed: s).model
                let head = try ConfiguredNetwork(approach: "head", inputShape: [NucleusFeatures.names.count], classes: 2,
                                                 layers: headLayers, seed: s &+ 1).model
                let m = try CompositeModel([.init("trunk", trunk), .init("head", head)])
                box.model = m
                return m
            },
            task: Task(objective: .crossEntropy, source: .labels,
                       intermediates: [InterfaceTarget(node: "trunk", source: .intermediate(intermediate), objective: .mse)]),
            train: try data(images, features), test: try data(test, testFeatures), batchSize: min(CellCNN.batchSize, images.count), steps: steps,
            evaluateEvery: steps, makeOptimizer: { Adam($0, learningRate: 3e-3) }, seed: seed,
            diagnostics: DiagnosticsOptions(gradientNormEvery: 0, snrExamples: 0), evaluationBatchSize: 250, log: log)
        let result = try StepByStepStrategy(name: "step-by-step").run(setup)
        guard let model = box.model else { throw ApplicationError("step-by-step: the strategy built no model") }
        return Trained(model: model, result: result)
    }

    /// P(malignant) of each image.
    public static func probabilities(_ model: CompositeModel, _ images: CellImages) throws -> [Float] {
        let p = try Predictor(model: model, task: .classification, inputShape: [1, CellImages.size, CellImages.size]).predict(images.inputs)
        guard let q = p.probabilities else { throw ApplicationError("step-by-step: no probabilities") }
        return (0..<q.shape[0]).map { q[$0, 1] }
    }
}
