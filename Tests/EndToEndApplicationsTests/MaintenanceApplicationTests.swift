import EndToEnd
import EndToEndTraining
import Foundation
import XCTest
@testable import EndToEndApplications

/// One smoke run of the whole maintenance application: the result has the shape.
final class MaintenanceApplicationTests: XCTestCase {
    func testSmokeRunReportsTheApproachesFiveFractionsBothShiftsAndTheSavedNetworks() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("maintenance-app-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let context = ApplicationContext(size: .smoke, seed: 3, outputDirectory: root.appendingPathComponent("report"),
                                         artifactsDirectory: root.appendingPathComponent("artifacts"),
                                         cacheDirectory: root.appendingPathComponent("cache"),
                                         parts: FinishedParts(directory: root.appendingPathComponent("parts")))
        XCTAssertTrue(ApplicationRegistry.names.contains("maintenance"))
        let r = try MaintenanceApplication().run(context)
        XCTAssertEqual(r.results.map(\.approach), ["end-to-end", "pipeline", "pipeline (MLP)"])
        XCTAssertTrue(r.results.allSatisfy { $0.metric == "rmse" && $0.value.isFinite && $0.value >= 0 && $0.value <= 125 })
        XCTAssertEqual(r.data.train, 6)
        for a in ["end-to-end", "pipeline", "pipeline (MLP)"] {
            XCTAssertGreaterThanOrEqual(Set(r.dataEfficiency.filter { $0.approach == a }.map(\.fraction)).count, 5, a)
        }
        XCTAssertEqual(r.shift.count, 6)
        XCTAssertTrue(r.shift.allSatisfy { $0.inDistribution != nil && $0.value.isFinite })
        XCTAssertEqual(r.maintenance.map(\.approach), ["end-to-end", "pipeline", "pipeline (MLP)"])
        XCTAssertTrue(r.maintenance.allSatisfy { $0.linesOfCode > 0 && $0.parameters > 0 })
        XCTAssertEqual(r.models.map(\.approach), ["end-to-end", "pipeline (MLP)"])
        for m in r.models {
            XCTAssertTrue(FileManager.default.fileExists(atPath: context.artifactsDirectory.appendingPathComponent(m.checkpoint).path), m.checkpoint)
            XCTAssertNoThrow(try TrainingConfig.load(contentsOf: context.artifactsDirectory.appendingPathComponent(m.config)))
        }
        let png = try XCTUnwrap(r.images.first { $0.filename == "saliency.png" }).data
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
        let json = r.summary(app: "maintenance", report: nil).encoded
        XCTAssertTrue(json.contains("\"phm08_score\"") && json.contains("\"rmse_unseen_fault\""), json)
        // Resumed: the networks' fits (their wall time included) and the data-efficiency points are read
        // back; the pipeline, not a part, is fitted again to the same numbers.
        let again = try MaintenanceApplication().run(context)
        XCTAssertEqual(again.results.map(\.value), r.results.map(\.value))
        XCTAssertEqual(again.results[0].trainSeconds, r.results[0].trainSeconds)
        XCTAssertEqual(again.dataEfficiency, r.dataEfficiency)
    }
}
