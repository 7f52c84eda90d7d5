import EndToEnd
@testable import EndToEndApplications
import EndToEndTraining
import Foundation
import XCTest

final class DrivingApplicationTests: XCTestCase {
    func testSmokeRunHasEveryPartOfTheSummary() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("driving-smoke-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let context = ApplicationContext(size: .smoke, seed: 3, outputDirectory: dir.appendingPathComponent("report"),
                                         artifactsDirectory: dir.appendingPathComponent("artifacts"), cacheDirectory: dir.appendingPathComponent("cache"))
        let result = try DrivingApplication().run(context)
        XCTAssertEqual(Set(result.results.map(\.approach)), ["end-to-end", "step-by-step", "pipeline"])
        for r in result.results {
            XCTAssertEqual(r.metric, "steering_rmse")
            XCTAssertTrue(r.value.isFinite && r.value >= 0, "\(r)")
        }
        for approach in ["end-to-end", "pipeline"] {
            XCTAssertGreaterThanOrEqual(Set(result.dataEfficiency.filter { $0.approach == approach }.map(\.fraction)).count, 5)
            XCTAssertEqual(result.shift.filter { $0.approach == approach }.count, 2)
        }
        let summary = result.summary(app: "driving", report: nil).encoded
        XCTAssertTrue(summary.contains("\"closed_loop\": [{\"approach\": \"reference\""), summary)
        for approach in ["end-to-end", "step-by-step", "pipeline"] {
            XCTAssertTrue(summary.contains("{\"approach\": \"\(approach)\", \"roads\": 2, \"distance\": "), summary)
        }
        XCTAssertEqual(result.maintenance.map(\.approach), ["end-to-end", "step-by-step", "pipeline"])
        XCTAssertTrue(result.maintenance.allSatisfy { $0.linesOfCode > 0 })
        XCTAssertEqual(result.images.map(\.filename), ["attributions.png"])

        // The saved model loads through the configuration, as `e2e predict` loads it.
        let saved = try XCTUnwrap(result.models.first)
        let config = try TrainingConfig.load(contentsOf: context.artifactsDirectory.appendingPathComponent(saved.config))
        let predictor = try Predictor(config: config, checkpoint: context.artifactsDirectory.appendingPathComponent(saved.checkpoint))
        XCTAssertEqual(predictor.inputShape, [1, 32, 64])
        XCTAssertEqual(predictor.task, .regression)
    }
}
