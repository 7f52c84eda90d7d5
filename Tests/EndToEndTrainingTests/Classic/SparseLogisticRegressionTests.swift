import XCTest
import EndToEnd
import EndToEndData
@testable import EndToEndTraining

/// SparseLogisticRegression against scikit-learn's LogisticRegression(C=10) on TF-IDF rows
/// (Fixtures/text.json, scripts/make_text_fixtures.py).
final class SparseLogisticRegressionTests: XCTestCase {
    func sparse(_ rows: [[Double]]) throws -> SparseRows {
        var m = SparseRows(columns: rows.first?.count ?? 0)
        for r in rows { try m.append(row: r.enumerated().filter { $0.element != 0 }.map { ($0.offset, Float($0.element)) }) }
        return m
    }

    func testMatchesScikitLearn() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/text.json")
        let f = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let train = try sparse(try XCTUnwrap(f["train"] as? [[Double]]))
        let test = try sparse(try XCTUnwrap(f["test"] as? [[Double]]))
        let labels = try XCTUnwrap(f["labels"] as? [Int])
        let lr = SparseLogisticRegression(features: train.columns, c: try XCTUnwrap(f["C"] as? Double))
        try lr.fit(train, labels: labels, maximumIterations: 500, tolerance: 1e-9)
        let coef = try XCTUnwrap(f["coef"] as? [Double])
        for (a, b) in zip(lr.weights, coef) { XCTAssertEqual(a, b, accuracy: 1e-4) }
        XCTAssertEqual(lr.bias, try XCTUnwrap(f["intercept"] as? Double), accuracy: 1e-4)
        for (a, b) in zip(lr.probabilities(test), try XCTUnwrap(f["test_probabilities"] as? [Double])) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }

    func testBadInputThrows() throws {
        var m = SparseRows(columns: 2)
        try m.append(row: [(0, 1)])
        XCTAssertThrowsError(try SparseLogisticRegression(features: 3).fit(m, labels: [0]))
        XCTAssertThrowsError(try SparseLogisticRegression(features: 2).fit(m, labels: [2]))
        XCTAssertThrowsError(try SparseLogisticRegression(features: 2).fit(m, labels: [0, 1]))
        XCTAssertThrowsError(try SparseLogisticRegression(features: 2, c: 0).fit(m, labels: [1]))
    }
}
