import EndToEnd
import XCTest
@testable import EndToEndTraining

/// Sensitivity at specificity, reliability bins and ECE against scikit-learn's values.
final class BinaryDiagnosticMetricsTests: XCTestCase {
    func testAgainstScikitLearn() throws {
        let cases = try XCTUnwrap(try ClassicFixture.load()["metrics"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 3)
        for (k, c) in cases.enumerated() {
            let p = ClassicFixture.floats(c["scores"]), y = ClassicFixture.ints(c["labels"])
            XCTAssertEqual(ROCAUC.binaryAUC(scores: p, positive: y.map { $0 == 1 }), c["roc_auc"] as! Double, accuracy: 1e-12, "case \(k)")
            XCTAssertEqual(try BinaryDiagnosticMetrics.sensitivity(atSpecificity: 0.95, scores: p, labels: y),
                           c["sensitivity_at_95_specificity"] as! Double, accuracy: 1e-12, "case \(k)")
            let bins = try BinaryDiagnosticMetrics.reliability(probabilities: p, labels: y)
            XCTAssertEqual(bins.map(\.count), ClassicFixture.ints(c["bin_counts"]), "case \(k)")
            for (b, (t, q)) in zip(bins, zip(ClassicFixture.doubles(c["prob_true"]), ClassicFixture.doubles(c["prob_pred"]))) {
                XCTAssertEqual(b.fractionPositive, t, accuracy: 1e-12)
                XCTAssertEqual(b.meanPredicted, q, accuracy: 1e-9)
            }
            XCTAssertEqual(try BinaryDiagnosticMetrics.expectedCalibrationError(probabilities: p, labels: y), c["ece"] as! Double, accuracy: 1e-9)
        }
    }

    func testHandWorkedValues() throws {
        // Scores of 4 negatives and 2 positives; at specificity 0.75 one false positive is allowed.
        let s: [Float] = [0.9, 0.8, 0.7, 0.4, 0.3, 0.1], y = [0, 1, 0, 1, 0, 0]
        XCTAssertEqual(try BinaryDiagnosticMetrics.sensitivity(atSpecificity: 0.75, scores: s, labels: y), 0.5)
        XCTAssertEqual(try BinaryDiagnosticMetrics.sensitivity(atSpecificity: 0.5, scores: s, labels: y), 1)
        XCTAssertEqual(try BinaryDiagnosticMetrics.sensitivity(atSpecificity: 1, scores: s, labels: y), 0)
        // Perfectly calibrated bins give ECE 0; all-wrong confident predictions give ECE 0.9.
        XCTAssertEqual(try BinaryDiagnosticMetrics.expectedCalibrationError(probabilities: [0.25, 0.25, 0.25, 0.25], labels: [1, 0, 0, 0]), 0, accuracy: 1e-7)
        XCTAssertEqual(try BinaryDiagnosticMetrics.expectedCalibrationError(probabilities: [0.95, 0.05], labels: [0, 1]), 0.95 * 0.5 + 0.95 * 0.5, accuracy: 1e-6)
        let diagram = BinaryDiagnosticMetrics.reliabilityDiagram([("m", try BinaryDiagnosticMetrics.reliability(probabilities: [0.1, 0.9], labels: [0, 1]))])
        XCTAssertEqual(diagram.series.map(\.name), ["perfectly calibrated", "m"])
        XCTAssertTrue(diagram.render().hasPrefix("<svg") || diagram.render().contains("<svg"))
    }

    func testBadInputThrows() {
        XCTAssertThrowsError(try BinaryDiagnosticMetrics.sensitivity(atSpecificity: 0.95, scores: [0.1, 0.2], labels: [1, 1]))
        XCTAssertThrowsError(try BinaryDiagnosticMetrics.sensitivity(atSpecificity: 0.95, scores: [0.1], labels: [1, 0]))
        XCTAssertThrowsError(try BinaryDiagnosticMetrics.reliability(probabilities: [1.5], labels: [1])) { e in
            XCTAssertTrue("\(e)".contains("[0, 1]"), "\(e)")
        }
        XCTAssertThrowsError(try BinaryDiagnosticMetrics.expectedCalibrationError(probabilities: [0.5], labels: [2]))
    }
}
