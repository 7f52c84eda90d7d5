import EndToEnd
import EndToEndApplications
import EndToEndNN
import EndToEndTraining
import Foundation
import XCTest

final class FinishedPartsTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-parts-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func context(parts: Bool = true, log: @escaping @Sendable (String) -> Void = { _ in }) -> ApplicationContext {
        ApplicationContext(size: .smoke, outputDirectory: dir.appendingPathComponent("report"), artifactsDirectory: dir,
                           cacheDirectory: dir, parts: parts ? FinishedParts(directory: dir.appendingPathComponent("parts")) : nil,
                           log: log)
    }

    func testAFinishedPartIsReadBackBitExactlyInsteadOfComputedAgain() throws {
        let values: [Double] = [0.1, 1.0 / 3.0, .pi, -0.0, 5e-324, .greatestFiniteMagnitude, .infinity, -.infinity, .nan]
        var calls = 0
        let first = try context().part("numbers") { calls += 1; return values }
        let second = try context().part("numbers") { calls += 1; return [Double]() }
        XCTAssertEqual(calls, 1)
        XCTAssertEqual(first.map(\.bitPattern), values.map(\.bitPattern))
        XCTAssertEqual(second.count, values.count)
        for (a, b) in zip(second, values) { XCTAssertTrue(a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN), "\(a) vs \(b)") }
        // Without a parts folder every part runs.
        _ = try context(parts: false).part("numbers") { calls += 1; return values }
        XCTAssertEqual(calls, 2)
    }

    func testATrainedPartRestoresItsModulesWeights() throws {
        Random.seed(1)
        let trained = Linear(3, 2)
        let summary = try JSONDecoder().decode(TrainingSummary.self, from: Data("""
            {"metrics": {"train_loss": 0.25}, "wallSeconds": 1.5, "steps": 7, "globalStep": 7, "samplesSeen": 70, "epochs": 1,
             "stoppedEarly": false, "interrupted": false,
             "history": [{"step": 7, "epoch": 1, "wallSeconds": 1.5, "split": "train", "values": {"loss": 0.25}}]}
            """.utf8))
        _ = try context().part("fit", modules: [trained]) { summary }
        Random.seed(2)
        let fresh = Linear(3, 2)
        XCTAssertNotEqual(fresh.weight.value.scalars, trained.weight.value.scalars)
        let back = try context().part("fit", modules: [fresh]) { XCTFail("the part ran again"); return summary }
        XCTAssertEqual(fresh.weight.value.scalars, trained.weight.value.scalars)
        XCTAssertEqual(fresh.bias!.value.scalars, trained.bias!.value.scalars)
        XCTAssertEqual(back.steps, 7)
        XCTAssertEqual(back.history, summary.history)
    }

    func testKeysThatSanitizeAlikeStayDistinct() throws {
        let parts = FinishedParts(directory: dir)
        XCTAssertNotEqual(parts.url(for: "data-efficiency/a b/0.1"), parts.url(for: "data-efficiency/a_b/0.1"))
        _ = try context().part("data-efficiency/a b/0.1") { 1.0 }
        _ = try context().part("data-efficiency/a_b/0.1") { 2.0 }
        XCTAssertEqual(try context().part("data-efficiency/a b/0.1") { 0.0 }, 1.0)
        XCTAssertEqual(try context().part("data-efficiency/a_b/0.1") { 0.0 }, 2.0)
        XCTAssertEqual(Set(FinishedParts(directory: dir.appendingPathComponent("parts")).finishedKeys()),
                       ["data-efficiency/a b/0.1", "data-efficiency/a_b/0.1"])
    }

    func testADamagedPartFileIsAnErrorNamingItNotACrashOrASilentRerun() throws {
        _ = try context().part("value") { 42.0 }
        let parts = FinishedParts(directory: dir.appendingPathComponent("parts"))
        let file = parts.url(for: "value")
        for damaged in [Data("{\"key\": \"value\", \"val".utf8), Data("{\"key\": \"value\", \"value\": \"x\"}".utf8),
                        Data("{\"key\": \"other\", \"value\": 1}".utf8), Data([0xff, 0x00, 0x13])] {
            try damaged.write(to: file)
            XCTAssertThrowsError(try context().part("value") { 0.0 }) { error in
                XCTAssertTrue("\(error)".contains(file.path), "\(error)")
                XCTAssertTrue("\(error)".contains("delete"), "\(error)")
            }
        }
        // Weights that do not fit the module are named too.
        _ = try context().part("fit", modules: [Linear(3, 2)]) { 1 }
        XCTAssertThrowsError(try context().part("fit", modules: [Linear(4, 2)]) { 1 }) { error in
            XCTAssertTrue("\(error)".contains("safetensors"), "\(error)")
        }
    }

    func testDataEfficiencyPointsArePartsOfTheRun() throws {
        let labels = (0..<200).map { $0 % 2 }
        var calls = 0
        let measure: (String, Double, [Int]) throws -> Double = { _, f, idx in calls += 1; return f * Double(idx.count) }
        let a = try DataEfficiency.measure(approaches: ["x", "y"], labels: labels, seed: 3, context: context(), measure)
        XCTAssertEqual(calls, 10)
        let b = try DataEfficiency.measure(approaches: ["x", "y"], labels: labels, seed: 3, context: context(), measure)
        XCTAssertEqual(calls, 10)
        XCTAssertEqual(a, b)
    }
}
