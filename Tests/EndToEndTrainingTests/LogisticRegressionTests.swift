import EndToEnd
import XCTest
@testable import EndToEndTraining

/// LogisticRegression fitted through the Trainer against scikit-learn's StandardScaler +
/// LogisticRegression(C) on the same data.
final class LogisticRegressionTests: XCTestCase {
    func testMatchesScikitLearn() throws {
        let f = try XCTUnwrap(try ClassicFixture.load()["logistic_regression"] as? [String: Any])
        let rows = try XCTUnwrap(f["x"] as? [[Double]]), test = try XCTUnwrap(f["x_test"] as? [[Double]])
        let y = ClassicFixture.ints(f["y"]), c = f["C"] as! Double
        let x = Tensor(shape: [rows.count, 3], scalars: rows.flatMap { $0.map(Float.init) })
        let xt = Tensor(shape: [test.count, 3], scalars: test.flatMap { $0.map(Float.init) })
        let lr = LogisticRegression(features: 3, l2: 1 / (c * Double(rows.count)))
        let summary = try lr.fit(x, labels: y, steps: 1500, learningRate: 0.05)
        XCTAssertEqual(summary.steps, 1500)
        let p = try lr.probabilities(xt)
        XCTAssertEqual(p.shape, [20, 2])
        for (i, ref) in ClassicFixture.doubles(f["probability_test"]).enumerated() {
            XCTAssertEqual(Double(p[i, 1]), ref, accuracy: 2e-3, "test row \(i)")
        }
        // The 2-class softmax's weight difference is scikit-learn's coefficient vector.
        let w = lr.linear.weight.value
        for (j, ref) in ClassicFixture.doubles(f["coef"]).enumerated() {
            XCTAssertEqual(Double(w[1, j] - w[0, j]), ref, accuracy: 1e-2, "coefficient \(j)")
        }
        XCTAssertEqual(lr.parameterCount, 6 + 2 + 6)
    }

    func testDeterministicAndChecksShapes() throws {
        let x = Tensor.randn([30, 2], seed: 1), y = (0..<30).map { $0 % 3 }
        let a = LogisticRegression(features: 2, classes: 3), b = LogisticRegression(features: 2, classes: 3)
        try a.fit(x, labels: y, steps: 50)
        try b.fit(x, labels: y, steps: 50)
        XCTAssertEqual(try a.probabilities(x).scalars, try b.probabilities(x).scalars)
        XCTAssertThrowsError(try a.probabilities(Tensor.zeros([2, 3]))) { XCTAssertTrue("\($0)".contains("[N, 2]"), "\($0)") }
        XCTAssertThrowsError(try a.fit(x, labels: [0, 1], steps: 1))
        XCTAssertThrowsError(try a.fit(x, labels: (0..<30).map { $0 % 4 }, steps: 1)) { XCTAssertTrue("\($0)".contains("label 3"), "\($0)") }
    }
}
