import EndToEndTraining

/// The fraud metrics of one approach: average precision (the headline), recall at a 1 %
/// false-positive rate and ROC-AUC on the test set, and precision and recall there at the
/// operating threshold chosen on validation (the best F1).
public struct FraudScores: Sendable {
    public var averagePrecision: Double
    public var recallAt1PercentFPR: Double
    public var rocAUC: Double
    public var threshold: Float
    public var precision: Double
    public var recall: Double

    /// - Throws: ``MetricError`` when the test or validation set lacks a class.
    public init(test p: [Float], labels y: [Int], validation vp: [Float], validationLabels vy: [Int]) throws {
        averagePrecision = try PrecisionRecall.averagePrecision(scores: p, labels: y)
        recallAt1PercentFPR = try PrecisionRecall.recall(atFalsePositiveRate: 0.01, scores: p, labels: y)
        rocAUC = ROCAUC.binaryAUC(scores: p, positive: y.map { $0 == 1 })
        threshold = try PrecisionRecall.bestF1Threshold(scores: vp, labels: vy).threshold
        let op = try PrecisionRecall.operatingPoint(threshold: threshold, scores: p, labels: y)
        precision = op.precision
        recall = op.recall
    }

    public var extra: [(String, JSONValue)] {
        [("recall_at_1pct_fpr", .double(recallAt1PercentFPR)), ("roc_auc", .double(rocAUC)), ("threshold", .double(Double(threshold))),
         ("precision_at_threshold", .double(precision)), ("recall_at_threshold", .double(recall))]
    }
}
