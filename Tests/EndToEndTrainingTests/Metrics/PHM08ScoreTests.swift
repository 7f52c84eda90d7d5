import EndToEnd
@testable import EndToEndTraining
import XCTest

final class PHM08ScoreTests: XCTestCase {
    /// Hand-worked: d = −13 → e − 1; d = 10 → e − 1; d = 0 → 0; d = −26 → e² − 1; d = 20 → e² − 1.
    func testHandWorkedTerms() throws {
        let e = M_E
        XCTAssertEqual(PHM08Score.term(-13), e - 1, accuracy: 1e-12)
        XCTAssertEqual(PHM08Score.term(10), e - 1, accuracy: 1e-12)
        XCTAssertEqual(PHM08Score.term(0), 0)
        let s = try PHM08Score.score(predicted: [87, 130, 50], actual: [100, 110, 50])   // d = −13, +20, 0
        XCTAssertEqual(s, (e - 1) + (e * e - 1), accuracy: 1e-12)
        // Late predictions cost more than early ones of the same size.
        XCTAssertGreaterThan(PHM08Score.term(15), PHM08Score.term(-15))
    }

    func testMetricAccumulatesBatchesAsASum() throws {
        let m = PHM08Score()
        XCTAssertEqual(m.compute(), 0)
        try m.update(Tensor(shape: [2, 1], scalars: [87, 130]), target: Tensor(shape: [2, 1], scalars: [100, 110]))
        try m.update(Tensor(shape: [1, 1], scalars: [60]), target: Tensor(shape: [1, 1], scalars: [50]))
        XCTAssertEqual(m.compute(), 2 * (M_E - 1) + (M_E * M_E - 1), accuracy: 1e-9)
        XCTAssertEqual(m.count, 3)
        XCTAssertThrowsError(try m.update(Tensor(shape: [2], scalars: [1, 2]), target: Tensor(shape: [1], scalars: [1])))
        XCTAssertEqual(m.count, 3)
        m.reset()
        XCTAssertEqual(m.compute(), 0)
    }

    func testAgainstNumpyAndScikitLearn() throws {
        let f = try MaintenanceFixture.section("phm08")
        let p = MaintenanceFixture.doubles(f["predicted"]), y = MaintenanceFixture.doubles(f["actual"])
        XCTAssertEqual(p.count, 40)
        let score = try XCTUnwrap(f["score"] as? Double), rmse = try XCTUnwrap(f["rmse"] as? Double)
        XCTAssertEqual(try PHM08Score.score(predicted: p, actual: y), score, accuracy: 1e-9 * score)
        XCTAssertEqual(try MeanSquaredError.rmse(predicted: p, actual: y), rmse, accuracy: 1e-12 * rmse)
        XCTAssertThrowsError(try PHM08Score.score(predicted: [1], actual: []))
        XCTAssertThrowsError(try MeanSquaredError.rmse(predicted: [1, 2], actual: [1]))
        XCTAssertTrue(try MeanSquaredError.rmse(predicted: [], actual: []).isNaN)
    }
}
