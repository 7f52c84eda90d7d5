@testable import EndToEndTraining
import XCTest

final class RidgeRegressionTests: XCTestCase {
    func testMatchesScikitLearnRidge() throws {
        let f = try MaintenanceFixture.section("ridge")
        let x = MaintenanceFixture.rows(f["x"]), y = MaintenanceFixture.doubles(f["y"]), test = MaintenanceFixture.rows(f["test"])
        let fits = try XCTUnwrap(f["fits"] as? [[String: Any]])
        XCTAssertEqual(fits.count, 3)
        for fit in fits {
            let alpha = try XCTUnwrap(fit["alpha"] as? Double)
            var r = try RidgeRegression(alpha: alpha)
            try r.fit(x, y)
            let coef = MaintenanceFixture.doubles(fit["coef"])
            for j in coef.indices { XCTAssertEqual(r.coefficients[j], coef[j], accuracy: 1e-8, "alpha \(alpha), coefficient \(j)") }
            XCTAssertEqual(r.intercept, try XCTUnwrap(fit["intercept"] as? Double), accuracy: 1e-8)
            let p = try r.predict(test), expected = MaintenanceFixture.doubles(fit["prediction"])
            for i in p.indices { XCTAssertEqual(p[i], expected[i], accuracy: 1e-7) }
            XCTAssertEqual(r.parameterCount, 7)
        }
    }

    /// Hand-worked: y = 2x + 1 exactly; with alpha = 2 on x = (−1, 0, 1): w = 2·2 / (2 + 2) = 1, b = 1.
    func testHandWorked() throws {
        var exact = try RidgeRegression(alpha: 0)
        try exact.fit([[-1], [0], [1]], [-1, 1, 3])
        XCTAssertEqual(exact.coefficients[0], 2, accuracy: 1e-12)
        XCTAssertEqual(exact.intercept, 1, accuracy: 1e-12)
        var shrunk = try RidgeRegression(alpha: 2)
        try shrunk.fit([[-1], [0], [1]], [-1, 1, 3])
        XCTAssertEqual(shrunk.coefficients[0], 1, accuracy: 1e-12)
        XCTAssertEqual(shrunk.intercept, 1, accuracy: 1e-12)
    }

    func testBadInputThrows() throws {
        XCTAssertThrowsError(try RidgeRegression(alpha: -1))
        var r = try RidgeRegression(alpha: 0)
        XCTAssertThrowsError(try r.predict([[1]]))
        XCTAssertThrowsError(try r.fit([[1], [2]], [1]))
        XCTAssertThrowsError(try r.fit([[1, 1], [2, 2], [3, 3]], [1, 2, 3]))   // collinear without a penalty
        XCTAssertThrowsError(try r.fit([[1], [.infinity]], [1, 2]))
        try r.fit([[1], [2]], [1, 2])
        XCTAssertThrowsError(try r.predict([[1, 2]]))
    }
}
