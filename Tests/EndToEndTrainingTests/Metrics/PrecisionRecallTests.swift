import Foundation
import XCTest
@testable import EndToEndTraining

/// Average precision, the precision-recall curve, recall at a fixed false-positive rate and
/// operating points against scikit-learn (scripts/make_precision_recall_fixtures.py).
final class PrecisionRecallTests: XCTestCase {
    static func fixture() throws -> [[String: Any]] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/precision_recall.json")
        let o = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        return try XCTUnwrap(o?["cases"] as? [[String: Any]])
    }

    func testAgainstScikitLearn() throws {
        let cases = try Self.fixture()
        XCTAssertEqual(cases.count, 4)
        for (k, c) in cases.enumerated() {
            let p = ClassicFixture.floats(c["scores"]), y = ClassicFixture.ints(c["labels"])
            XCTAssertEqual(try PrecisionRecall.averagePrecision(scores: p, labels: y), c["average_precision"] as! Double, accuracy: 1e-12, "case \(k)")
            let recallAt = try XCTUnwrap(c["recall_at_fpr"] as? [String: Double])
            for (rate, expected) in recallAt {
                XCTAssertEqual(try PrecisionRecall.recall(atFalsePositiveRate: Double(rate)!, scores: p, labels: y), expected, accuracy: 1e-12,
                               "case \(k) fpr \(rate)")
            }
            let t = Float(c["threshold"] as! Double)
            let op = try PrecisionRecall.operatingPoint(threshold: t, scores: p, labels: y)
            XCTAssertEqual(op.precision, c["precision_at_threshold"] as! Double, accuracy: 1e-12, "case \(k)")
            XCTAssertEqual(op.recall, c["recall_at_threshold"] as! Double, accuracy: 1e-12, "case \(k)")
            if let thresholds = c["curve_thresholds"] as? [Double] {
                // scikit-learn lists the curve lowest threshold first.
                let curve = try PrecisionRecall.curve(scores: p, labels: y).reversed()
                XCTAssertEqual(curve.map(\.threshold), thresholds.map { Float($0) }, "case \(k)")
                for (a, (pr, re)) in zip(curve, zip(ClassicFixture.doubles(c["curve_precision"]), ClassicFixture.doubles(c["curve_recall"]))) {
                    XCTAssertEqual(a.precision, pr, accuracy: 1e-12)
                    XCTAssertEqual(a.recall, re, accuracy: 1e-12)
                }
            }
        }
    }

    func testHandWorkedValues() throws {
        // Ranked: + - + - - ; AP = 1·(1/2) + (2/3)·(1/2) = 5/6.
        let s: [Float] = [0.9, 0.8, 0.7, 0.3, 0.1], y = [1, 0, 1, 0, 0]
        XCTAssertEqual(try PrecisionRecall.averagePrecision(scores: s, labels: y), 5.0 / 6.0, accuracy: 1e-12)
        // A perfect ranking has AP 1; all scores tied gives the positive rate.
        XCTAssertEqual(try PrecisionRecall.averagePrecision(scores: [0.9, 0.8, 0.1], labels: [1, 1, 0]), 1)
        XCTAssertEqual(try PrecisionRecall.averagePrecision(scores: [0.5, 0.5, 0.5, 0.5], labels: [1, 0, 0, 0]), 0.25)
        // With 3 negatives, FPR 1/3 allows one false positive: both positives are above the second negative.
        XCTAssertEqual(try PrecisionRecall.recall(atFalsePositiveRate: 0.34, scores: s, labels: y), 1)
        XCTAssertEqual(try PrecisionRecall.recall(atFalsePositiveRate: 0.0, scores: s, labels: y), 0.5)
        let best = try PrecisionRecall.bestF1Threshold(scores: s, labels: y)
        XCTAssertEqual(best.threshold, 0.7)
        XCTAssertEqual(best.f1, 0.8, accuracy: 1e-12)
        let op = try PrecisionRecall.operatingPoint(threshold: 0.75, scores: s, labels: y)
        XCTAssertEqual(op.precision, 0.5)
        XCTAssertEqual(op.recall, 0.5)
        XCTAssertEqual(op.falsePositiveRate, 1.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(op.flagged, 2)
        XCTAssertEqual(try PrecisionRecall.operatingPoint(threshold: 2, scores: s, labels: y).precision, 0)
    }

    func testBadInputThrows() {
        XCTAssertThrowsError(try PrecisionRecall.averagePrecision(scores: [0.1, 0.2], labels: [0, 0])) { e in
            XCTAssertTrue("\(e)".contains("positive"), "\(e)")
        }
        XCTAssertThrowsError(try PrecisionRecall.averagePrecision(scores: [0.1], labels: [1, 0]))
        XCTAssertThrowsError(try PrecisionRecall.averagePrecision(scores: [.nan, 0.2], labels: [1, 0]))
        XCTAssertThrowsError(try PrecisionRecall.recall(atFalsePositiveRate: 1.5, scores: [0.1, 0.2], labels: [1, 0]))
        XCTAssertThrowsError(try PrecisionRecall.operatingPoint(threshold: 0.5, scores: [0.1, 0.2], labels: [1, 2]))
    }
}
