import EndToEnd
import EndToEndData
import Foundation
import XCTest

@testable import EndToEndTraining

/// Runs the code paths of `e2e train`, `predict` and a checkpoint load over the committed
/// malformed-input corpus (Fixtures/bad-inputs, from scripts/make_bad_inputs.py): every case
/// must be a thrown, one-line error holding its expected text; none may trap.
final class BadInputCorpusTests: XCTestCase {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/bad-inputs")

    struct Case: Decodable {
        let command: String
        let expect: String
        let input: String?
        let input_format: String?
    }

    /// A copy of the case with @DIR@ replaced by its folder.
    func stage(_ name: String, in work: URL) throws -> URL {
        let dir = work.appendingPathComponent(name)
        try FileManager.default.copyItem(at: Self.corpus.appendingPathComponent(name), to: dir)
        for file in try FileManager.default.contentsOfDirectory(atPath: dir.path) where file.hasPrefix("config.") {
            let url = dir.appendingPathComponent(file)
            let data = try Data(contentsOf: url)
            let replaced = Data(String(decoding: data, as: UTF8.self).utf8) == data
                ? Data(String(decoding: data, as: UTF8.self).replacingOccurrences(of: "@DIR@", with: dir.path).utf8)
                : data  // not UTF-8 on purpose: leave the bytes alone
            try replaced.write(to: url)
        }
        return dir
    }

    func configURL(_ dir: URL) throws -> URL {
        let name = try FileManager.default.contentsOfDirectory(atPath: dir.path).first { $0.hasPrefix("config.") }!
        return dir.appendingPathComponent(name)
    }

    /// What `e2e train` does before its first step.
    func trainPath(_ config: URL) throws {
        let c = try TrainingConfig.load(contentsOf: config)
        _ = try c.buildData()
        _ = try c.buildModel()
    }

    func testEveryCaseIsACleanError() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("bad-inputs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path).sorted()
        XCTAssertGreaterThan(names.count, 60)
        let good = try stage("good", in: work)
        try trainPath(try configURL(good))  // the control must pass
        let goodConfig = try TrainingConfig.load(contentsOf: try configURL(good))
        var clean = 0
        for name in names where name != "good" {
            let meta = try JSONDecoder().decode(Case.self, from: Data(contentsOf: Self.corpus.appendingPathComponent(name).appendingPathComponent("case.json")))
            let dir = try stage(name, in: work)
            let input = meta.input.map { $0.hasPrefix("/") ? URL(fileURLWithPath: $0) : dir.appendingPathComponent($0) }
            do {
                switch meta.command {
                case "train": try trainPath(try configURL(dir))
                case "predict":
                    _ = try PredictionInput.read(input!, format: meta.input_format.flatMap { PredictionInputFormat(rawValue: $0) },
                                                 expectedShape: goodConfig.data.featureShape, scaleBytes: false)
                case "checkpoint": _ = try Predictor(config: goodConfig, checkpoint: input!)
                default: XCTFail("\(name): unknown command \(meta.command)"); continue
                }
                XCTFail("\(name): accepted")
            } catch {
                let text = "\(error)"
                if text.contains(meta.expect) && !text.contains("\n") { clean += 1 }
                else { XCTFail("\(name): error without '\(meta.expect)' or on several lines: \(text)") }
            }
        }
        XCTAssertEqual(clean, names.count - 1)
    }

    /// Wide CSV files are linear in the column count (column look-up was quadratic).
    func testCSVWithManyColumnsIsLinear() throws {
        let columns = 200_000
        var text = (0..<columns).map { "c\($0)" }.joined(separator: ",") + ",label\n"
        for r in 0..<2 { text += (0..<columns).map { _ in "\(r)" }.joined(separator: ",") + ",\(r)\n" }
        let table = try CSVTable.parse(text, file: "wide.csv")
        let ds = try table.dataset(target: "label", task: .classification)
        XCTAssertEqual(ds.features.shape, [2, columns])
    }

    /// A report folder under a regular file is an error naming both.
    func testOutputUnderARegularFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("plain")
        try Data("x".utf8).write(to: file)
        XCTAssertThrowsError(try OutputLocation.check(file.appendingPathComponent("report/summary"))) { e in
            XCTAssertTrue("\(e)".contains("plain") && "\(e)".contains("not a folder"), "\(e)")
        }
        XCTAssertNoThrow(try OutputLocation.check(dir.appendingPathComponent("new/report")))
    }

    /// A device as the configuration: an error saying so, not a false "permission" message.
    func testDeviceAsConfig() {
        XCTAssertThrowsError(try TrainingConfig.load(contentsOf: URL(fileURLWithPath: "/dev/null"))) { e in
            XCTAssertTrue("\(e)".contains("not a regular file"), "\(e)")
        }
    }
}
