import Foundation
import XCTest

/// `e2e experiment NAME --grid V1,V2`: the experiment runs only at those values of its swept
/// axis, records them, and refuses values it cannot run.
final class ExperimentGridTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-grid-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: TrainResumeTests.e2e.path), "e2e is not built")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func e2e(_ args: [String]) throws -> (status: Int32, out: String) { try E2ECommand.run(args, in: dir) }

    func testANarrowedExperimentRunsAndRecordsOnlyTheChosenValues() throws {
        let run = try e2e(["experiment", "module-chain", "--quick", "--seeds", "1", "--grid", "2", "--output", "g"])
        XCTAssertEqual(run.status, 0, run.out)
        let last = try XCTUnwrap(run.out.split(separator: "\n").last)
        let summary = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any], run.out)
        XCTAssertEqual(summary["grid"] as? String, "2")
        let rows = try XCTUnwrap(summary["results"] as? [[String: Any]])
        XCTAssertEqual(rows.map { $0["strategy"] as? String }, ["end-to-end", "module-by-module"])
        XCTAssertTrue(rows.allSatisfy { $0["n"] as? Int == 2 }, "\(rows)")
        let report = try String(contentsOf: dir.appendingPathComponent("g/summary.md"), encoding: .utf8)
        XCTAssertTrue(report.contains("swept axis narrowed to: 2 (`--grid`)"), report)
    }

    func testValuesItCannotRunAreUsageErrorsNamingTheValue() throws {
        for (args, message) in [
            (["module-chain", "--grid", "2,x"], "'x' in '2,x' is not a whole number (values of n"),
            (["parity-lines", "--grid", "0"], "k = 0 is outside 1...10"),
            (["parity-bits", "--grid", "8,8"], "repeated value of d"),
            (["stocks", "--grid", "2"], "experiment stocks has no swept axis"),
        ] {
            let r = try e2e(["experiment"] + args + ["--quick", "--output", "bad"])
            XCTAssertEqual(r.status, 64, r.out)
            XCTAssertTrue(r.out.contains("--grid: ") && r.out.contains(message), r.out)
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("bad").path), "nothing is written")
        }
    }
}
