import EndToEndTraining
import Foundation
import XCTest
@testable import EndToEndApplications

/// One smoke run of the whole voice application: the result has the shape.
final class VoiceApplicationTests: XCTestCase {
    func testSmokeRunReportsBothApproachesFiveFractionsTheShiftAndSavedModels() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("voice-app-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let context = ApplicationContext(size: .smoke, seed: 5, outputDirectory: root.appendingPathComponent("report"),
                                         artifactsDirectory: root.appendingPathComponent("artifacts"),
                                         cacheDirectory: root.appendingPathComponent("cache"))
        XCTAssertTrue(ApplicationRegistry.names.contains("voice"))
        let r = try VoiceApplication().run(context)
        XCTAssertEqual(r.results.map(\.approach), ["end-to-end", "pipeline"])
        XCTAssertEqual(r.data.train, 24)
        for a in ["end-to-end", "pipeline"] {
            XCTAssertGreaterThanOrEqual(Set(r.dataEfficiency.filter { $0.approach == a }.map(\.fraction)).count, 5, a)
        }
        XCTAssertEqual(r.shift.map(\.approach), ["end-to-end", "pipeline"])
        XCTAssertTrue(r.shift.allSatisfy { $0.inDistribution != nil && (0...1).contains($0.value) })
        XCTAssertEqual(r.maintenance.map(\.approach), ["end-to-end", "pipeline"])
        XCTAssertTrue(r.maintenance.allSatisfy { $0.linesOfCode > 0 && $0.parameters > 0 })
        XCTAssertEqual(r.models.count, 2)
        for m in r.models {
            XCTAssertTrue(FileManager.default.fileExists(atPath: context.artifactsDirectory.appendingPathComponent(m.checkpoint).path), m.checkpoint)
        }
        let png = try XCTUnwrap(r.images.first { $0.filename == "attributions.png" }).data
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
        XCTAssertTrue(r.summary(app: "voice", report: nil).encoded.contains("\"held_out_voices\""))
    }
}
