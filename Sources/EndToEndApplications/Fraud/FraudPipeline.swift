import EndToEnd
import EndToEndData
import EndToEndTraining
import Foundation

/// The classic pipeline: hand-engineered aggregates of the card's history
/// (``TransactionFeatures/engineered(_:)``) and a merchant risk fitted on the training labels,
/// then a classifier: logistic regression (all rows, full batch) or an MLP (class-balanced
/// draws, batch norm first so no hand standardization).
public enum FraudPipeline {
    public static let regressionSteps = 300, regressionLearningRate = 0.05
    public static let mlpLayers = ["{type: batchnorm1d}", "{type: linear, out: 32}", "relu", "{type: linear, out: 32}", "relu", "{type: linear, out: 2}"]
    public static let mlpOptimizer = "{type: adam, lr: 0.003}"
    public static let mlpBatchSize = 128
    /// Hand-set in the classifiers: the regression's steps, rate and penalty; the MLP's two
    /// widths, rate, batch size, fraud share and step count.
    public static let regressionConstants = 3, mlpConstants = 6

    public static var featureCount: Int { TransactionFeatures.engineeredNames.count + 1 }
    public static var featureNames: [String] { TransactionFeatures.engineeredNames + [TransactionFeatures.merchantRiskName] }

    /// Logistic regression on the pipeline matrix of the training rows.
    public static func fitRegression(_ x: Tensor, labels: [Int], steps: Int = regressionSteps, seed: UInt64) throws -> (model: LogisticRegression, summary: TrainingSummary) {
        let r = LogisticRegression(features: featureCount, l2: 1 / Double(max(1, labels.count)))
        let s = try r.fit(x, labels: labels, steps: steps, learningRate: regressionLearningRate, seed: seed)
        return (r, s)
    }

    /// The MLP on `steps × batch` class-balanced draws of the training rows; with `part`, as
    /// that resumable part of the context's run.
    public static func fitMLP(_ x: Tensor, labels: [Int], steps: Int, seed: UInt64,
                              part: (key: String, context: ApplicationContext)? = nil) throws -> (net: ConfiguredNetwork, summary: TrainingSummary) {
        let net = try ConfiguredNetwork(approach: "pipeline (MLP)", inputShape: [featureCount], classes: 2, layers: mlpLayers,
                                        optimizer: mlpOptimizer, batchSize: mlpBatchSize, seed: seed)
        let sampler = try WeightedSampler.classBalanced(labels: labels, seed: seed,
                                                        shares: [0: 1 - FraudSequenceModel.fraudShare, 1: FraudSequenceModel.fraudShare])
        let draws = sampler.indices(count: steps * mlpBatchSize)
        let data = try TensorDataset(inputs: x, labels: IntTensor(labels)).subset(draws)
        let s = try part.map { try net.fit(data, epochs: 1, minimumSteps: steps, part: $0.key, in: $0.context) }
            ?? net.fit(data, epochs: 1, minimumSteps: steps)
        return (net, s)
    }

    /// Column 1 of `[N, 2]` probabilities.
    static func positive(_ p: Tensor) -> [Float] { (0..<p.shape[0]).map { p[$0, 1] } }
}
