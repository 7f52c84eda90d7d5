@testable import EndToEndTraining
import XCTest

final class KMeansTests: XCTestCase {
    /// One Lloyd run from scikit-learn's initial centers lands where scikit-learn's does.
    func testLloydFromGivenCentersMatchesScikitLearn() throws {
        let f = try MaintenanceFixture.section("kmeans")
        let x = MaintenanceFixture.rows(f["x"])
        var km = try KMeans(clusters: 6)
        try km.fit(x, initialCenters: MaintenanceFixture.rows(f["init"]))
        let expected = MaintenanceFixture.rows(f["centers"])
        for c in 0..<6 { for j in 0..<3 { XCTAssertEqual(km.centers[c][j], expected[c][j], accuracy: 1e-9) } }
        XCTAssertEqual(try km.predict(x), MaintenanceFixture.ints(f["labels"]))
        let inertia = try XCTUnwrap(f["inertia"] as? Double)
        XCTAssertEqual(km.inertia, inertia, accuracy: 1e-9 * inertia)
        XCTAssertEqual(km.iterations, try XCTUnwrap(f["iterations"] as? Int))
        XCTAssertEqual(try km.predict(MaintenanceFixture.rows(f["test"])), MaintenanceFixture.ints(f["test_labels"]))
    }

    /// k-means++ with restarts finds scikit-learn's best solution (the given centers above do not).
    func testPlusPlusFindsTheBestInertia() throws {
        let f = try MaintenanceFixture.section("kmeans")
        let x = MaintenanceFixture.rows(f["x"])
        var km = try KMeans(clusters: 6, initializations: 10)
        try km.fit(x, seed: 3)
        let best = try XCTUnwrap(f["best_inertia"] as? Double)
        XCTAssertEqual(km.inertia, best, accuracy: 1e-6 * best)
        XCTAssertLessThan(km.inertia, try XCTUnwrap(f["inertia"] as? Double) / 10)
        // The same centers up to order.
        let expected = MaintenanceFixture.rows(f["best_centers"]).sorted { $0[0] < $1[0] }
        let got = km.centers.sorted { $0[0] < $1[0] }
        for c in 0..<6 { for j in 0..<3 { XCTAssertEqual(got[c][j], expected[c][j], accuracy: 1e-9) } }
        XCTAssertEqual(km.parameterCount, 18)
    }

    func testBadInputThrows() throws {
        XCTAssertThrowsError(try KMeans(clusters: 0))
        XCTAssertThrowsError(try KMeans(clusters: 2, tolerance: -1))
        var km = try KMeans(clusters: 3)
        XCTAssertThrowsError(try km.predict([[1]]))                      // not fitted
        XCTAssertThrowsError(try km.fit([[1, 2], [3, 4]], seed: 0))     // fewer rows than clusters
        XCTAssertThrowsError(try km.fit([[1, 2], [3], [4, 5]], seed: 0)) // ragged
        XCTAssertThrowsError(try km.fit([[1], [.nan], [2]], seed: 0))
        try km.fit([[0], [1], [10], [11], [20], [21]], seed: 1)
        XCTAssertThrowsError(try km.predict([[1, 2]]))
        XCTAssertEqual(km.inertia, 1.5, accuracy: 1e-12)
    }
}
