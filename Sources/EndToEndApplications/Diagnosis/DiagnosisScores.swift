import EndToEndTraining

/// The diagnosis metrics of one approach on one test set: ROC-AUC (the headline),
/// sensitivity at 95 % specificity, expected calibration error and accuracy at 0.5.
public struct DiagnosisScores: Sendable {
    public var rocAUC: Double
    public var sensitivityAt95Specificity: Double
    public var expectedCalibrationError: Double
    public var accuracy: Double
    public var reliability: [BinaryDiagnosticMetrics.ReliabilityBin]

    /// - Throws: ``MetricError`` when the test set lacks a class.
    public init(probabilities p: [Float], labels y: [Int]) throws {
        rocAUC = ROCAUC.binaryAUC(scores: p, positive: y.map { $0 == 1 })
        sensitivityAt95Specificity = try BinaryDiagnosticMetrics.sensitivity(atSpecificity: 0.95, scores: p, labels: y)
        reliability = try BinaryDiagnosticMetrics.reliability(probabilities: p, labels: y)
        expectedCalibrationError = try BinaryDiagnosticMetrics.expectedCalibrationError(probabilities: p, labels: y)
        accuracy = Double(zip(p, y).filter { ($0.0 >= 0.5 ? 1 : 0) == $0.1 }.count) / Double(y.count)
    }

    /// The extra outcomes of an ``ApproachResult``.
    public var extra: [(String, JSONValue)] {
        [("sensitivity_at_95_specificity", .double(sensitivityAt95Specificity)), ("ece", .double(expectedCalibrationError)),
         ("accuracy", .double(accuracy))]
    }
}
