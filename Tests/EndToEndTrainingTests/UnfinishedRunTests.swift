import EndToEndTraining
import Foundation
import XCTest

/// The unfinished-run manifest (`run.json`) that `--resume` reads first.
final class UnfinishedRunManifestTests: XCTestCase {
    func testAMissingOrDamagedManifestIsAnErrorNamingIt() throws {
        let report = FileManager.default.temporaryDirectory.appendingPathComponent("manifest-\(UUID().uuidString)")
        let run = UnfinishedRun(report: report)
        defer { run.remove() }
        XCTAssertThrowsError(try run.readManifest()) { XCTAssertTrue("\($0)".contains("run.json"), "\($0)") }
        try run.create(manifest: ["seed": "3"])
        XCTAssertEqual(try run.readManifest(), ["seed": "3"])
        let file = run.directory.appendingPathComponent("run.json")
        for bad in ["", "{\"seed\": 3}", "[\"seed\"]", "{\"seed\": \"3\"", "\u{0}\u{1}"] {
            try Data(bad.utf8).write(to: file)
            XCTAssertThrowsError(try run.readManifest(), "accepted \(bad.debugDescription)") { error in
                XCTAssertTrue("\(error)".contains(file.path), "\(error)")
            }
        }
    }
}
