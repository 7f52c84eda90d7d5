import EndToEndTraining
import Foundation
import XCTest
@testable import EndToEndApplications

final class FacesApplicationTests: XCTestCase {
    func testSmokeRunHasTheIssueShape() throws {
        let dir = try FileManager.default.url(for: .itemReplacementDirectory, in: .userDomainMask, appropriateFor: URL(fileURLWithPath: NSTemporaryDirectory()), create: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let artifacts = dir.appendingPathComponent("artifacts")
        let context = ApplicationContext(size: .smoke, seed: 1, outputDirectory: dir.appendingPathComponent("report"),
                                         artifactsDirectory: artifacts, cacheDirectory: dir.appendingPathComponent("cache"))
        XCTAssertNotNil(ApplicationRegistry.application(named: "faces"))
        let r = try FacesApplication().run(context)
        XCTAssertEqual(r.data.train + r.data.test, 200)
        for approach in ["end-to-end", "pipeline"] {
            for metric in ["accuracy", "average_precision"] {
                let row = r.results.first { $0.approach == approach && $0.metric == metric }
                XCTAssertNotNil(row, "\(approach) \(metric)")
                XCTAssertTrue((0...1).contains(row?.value ?? -1))
                XCTAssertGreaterThan(row?.parameters ?? 0, 0)
            }
            XCTAssertGreaterThanOrEqual(Set(r.dataEfficiency.filter { $0.approach == approach }.map(\.fraction)).count, 5)
            XCTAssertEqual(r.shift.filter { $0.approach == approach }.map(\.metric).sorted(), ["accuracy", "average_precision"])
            XCTAssertEqual(r.maintenance.filter { $0.approach == approach }.count, 1)
        }
        XCTAssertTrue(r.maintenance.allSatisfy { $0.linesOfCode > 0 })
        // The detectors' own data-efficiency curve, average precision at the same fractions.
        guard case .array(let detection)? = r.extra.first(where: { $0.0 == "data_efficiency_detection" })?.1 else {
            return XCTFail("no data_efficiency_detection")
        }
        XCTAssertEqual(detection.count, 2 * Set(r.dataEfficiency.map(\.fraction)).count)
        XCTAssertEqual(r.models.map(\.approach), ["end-to-end", "end-to-end-detector"])
        for m in r.models {
            let relative = m.checkpoint
            XCTAssertTrue(FileManager.default.fileExists(atPath: artifacts.appendingPathComponent(relative).path), relative)
            // The saved config parses and builds the network the checkpoint holds.
            let text = try String(contentsOf: artifacts.appendingPathComponent(m.config), encoding: .utf8)
            let model = try TrainingConfig.parse(text, fileName: m.config).buildModel()
            XCTAssertNoThrow(try Predictor.loadWeights(into: model, from: artifacts.appendingPathComponent(relative)))
        }
        XCTAssertEqual(Set(r.images.map(\.filename)), ["attributions.png", "detections.png", "detections-relit.png"])
        let json = r.summary(app: "faces", report: nil)
        XCTAssertTrue(json.encoded.contains("\"average_precision\""))
    }
}
