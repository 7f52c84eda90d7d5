import EndToEndApplications
import Foundation
import XCTest

final class ApplicationContextTests: XCTestCase {
    func testDerivedSeedsDifferByPartAndAreReproducible() {
        let dir = URL(fileURLWithPath: "/tmp/x")
        let a = ApplicationContext(seed: 1, outputDirectory: dir, artifactsDirectory: dir, cacheDirectory: dir)
        XCTAssertEqual(a.seed(1, 2), a.seed(1, 2))
        XCTAssertNotEqual(a.seed(1, 2), a.seed(2, 1))
        let b = ApplicationContext(seed: 2, outputDirectory: dir, artifactsDirectory: dir, cacheDirectory: dir)
        XCTAssertNotEqual(a.seed(1), b.seed(1))
    }

    func testSummaryHasTheIssueShape() {
        let r = ApplicationResult(
            data: DataSource(source: "generated", train: 10, test: 5),
            results: [ApproachResult(approach: "end-to-end", metric: "accuracy", value: 0.5, trainSeconds: 1, parameters: 3)],
            dataEfficiency: [DataEfficiencyPoint(approach: "pipeline", fraction: 0.1, value: 0.25)],
            shift: [ShiftResult(approach: "pipeline", metric: "accuracy", value: 0.2)])
        let json = r.summary(app: "x", report: "r").encoded
        XCTAssertTrue(json.hasPrefix("{\"app\": \"x\", \"data\": {\"source\": \"generated\", \"train\": 10, \"test\": 5}, \"results\": [{\"approach\": \"end-to-end\""), json)
        XCTAssertTrue(json.contains("\"data_efficiency\": [{\"approach\": \"pipeline\", \"fraction\": 0.1, \"value\": 0.25}]"), json)
        XCTAssertTrue(json.hasSuffix("\"report\": \"r\"}"), json)
    }
}
