import EndToEndTraining
import Foundation
import XCTest
@testable import EndToEndStrategies

final class ComparisonTests: XCTestCase {
    func testReportAndSummaryHaveOneEntryPerStrategy() throws {
        let comparison = Comparison(setup: StrategyTestSupport.setup(steps: 20, evaluateEvery: 10),
                                    strategies: [EndToEndStrategy(), StepByStepStrategy(), EnsembleStrategy(members: 2)])
        let result = try comparison.run()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("compare-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = try result.writeReport(to: dir, title: "test")
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("figures").path))
        XCTAssertTrue(files.contains("test_accuracy_vs_step.svg"), "\(files)")
        XCTAssertTrue(files.contains("test_accuracy_vs_time.svg"))
        XCTAssertTrue(files.contains("snr_encoder_log.svg"), "\(files)")
        XCTAssertTrue(files.contains("final_test_accuracy.svg"))
        let svg = try String(contentsOf: folder.appendingPathComponent("figures/test_accuracy_vs_step.svg"), encoding: .utf8)
        for name in ["end-to-end", "step-by-step", "ensemble"] { XCTAssertTrue(svg.contains(name), "legend lacks \(name)") }
        let summary = try String(contentsOf: folder.appendingPathComponent("summary.md"), encoding: .utf8)
        XCTAssertTrue(summary.contains("| step-by-step |"))

        let json = try JSONSerialization.jsonObject(with: Data(result.jsonSummary(extra: ["command": "compare"]).utf8)) as! [String: Any]
        let rows = json["results"] as! [[String: Any]]
        XCTAssertEqual(rows.map { $0["strategy"] as! String }, ["end-to-end", "step-by-step", "ensemble"])
        for row in rows {
            for key in ["test_accuracy", "wall_seconds", "steps", "parameters", "samples"] { XCTAssertNotNil(row[key], key) }
        }
        let onDisk = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("results.json"))) as! [String: Any]
        XCTAssertEqual((onDisk["results"] as! [[String: Any]]).count, 3)
    }

    func testDuplicateStrategiesAreRejected() {
        let c = Comparison(setup: StrategyTestSupport.setup(steps: 2), strategies: [EndToEndStrategy(), EndToEndStrategy()])
        XCTAssertThrowsError(try c.run()) { XCTAssertTrue("\($0)".contains("listed twice")) }
    }
}
