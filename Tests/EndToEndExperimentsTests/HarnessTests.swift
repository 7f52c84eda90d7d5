import EndToEndTraining
import Foundation
import XCTest
@testable import EndToEndExperiments

/// A two-row experiment with fixed numbers, for testing the report writer.
struct FixedExperiment: Experiment {
    var name: String { "fixed" }
    var summary: String { "Fixed numbers for tests." }
    func run(_ context: ExperimentContext) throws -> ExperimentResult {
        let curve = { (label: String, v: Double) in
            Curve(label: label, metric: "test_accuracy",
                  points: [.init(step: 0, wallSeconds: 0, value: 0.5), .init(step: 10, wallSeconds: 0.2, value: v)])
        }
        return ExperimentResult(
            rows: [
                ResultRow(strategy: "end-to-end", testAccuracy: 0.75, steps: 10, wallSeconds: 0.2,
                          parameters: [("k", 10)], metrics: [("steps_to_target", .null)]),
                ResultRow(strategy: "decomposition", testAccuracy: 1, steps: 10, wallSeconds: 0.25,
                          parameters: [("k", 10)], metrics: [("steps_to_target", 10)]),
            ],
            curves: [curve("end-to-end k=10", 0.75), curve("decomposition k=10", 1)],
            styles: ["test_accuracy": MetricStyle(label: "test accuracy", range: 0...1, referenceLines: [.init(y: 0.5, label: "chance")])],
            figures: [("final_accuracy", SVGChart.bar(title: "Final", yLabel: "acc", bars: [.init(label: "e2e", value: 0.75)]))],
            setup: "Nothing is trained.", notes: ["## Notes\n\nFixed."])
    }
}

final class HarnessTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("experiments-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    func testReportFolderContentsAndJSONShape() throws {
        let dir = root.appendingPathComponent("fixed")
        let e = FixedExperiment()
        let result = try e.run(ExperimentContext(outputDirectory: dir))
        try ExperimentReport(directory: dir).write(result, experiment: e, quick: true, seed: 7, wallSeconds: 1.5)

        let files = (FileManager.default.enumerator(atPath: dir.path)?.allObjects as? [String] ?? []).sorted()
        XCTAssertEqual(files, ["figures", "figures/final_accuracy.svg", "figures/test_accuracy_vs_step.svg",
                               "figures/test_accuracy_vs_time.svg", "metrics.jsonl", "results.json", "summary.md"])

        let data = try Data(contentsOf: dir.appendingPathComponent("results.json"))
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(obj["experiment"] as? String, "fixed")
        XCTAssertEqual(obj["quick"] as? Bool, true)
        XCTAssertEqual(obj["wall_seconds"] as? Double, 1.5)
        let rows = try XCTUnwrap(obj["results"] as? [[String: Any]])
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(rows[0]["strategy"] as? String, "end-to-end")
        XCTAssertEqual(rows[0]["k"] as? Int, 10)
        XCTAssertEqual(rows[0]["test_accuracy"] as? Double, 0.75)
        XCTAssertEqual(rows[0]["steps"] as? Int, 10)
        XCTAssertTrue(rows[0]["steps_to_target"] is NSNull)
        XCTAssertEqual(rows[1]["steps_to_target"] as? Int, 10)

        let log = try MetricsLog.read(from: dir.appendingPathComponent("metrics.jsonl"))
        XCTAssertEqual(log.records.count, 4)
        XCTAssertEqual(log.records.map(\.split), ["end-to-end k=10", "end-to-end k=10", "decomposition k=10", "decomposition k=10"])

        let md = try String(contentsOf: dir.appendingPathComponent("summary.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("Nothing is trained."))
        XCTAssertTrue(md.contains("| decomposition | 10 | 1.0000 | 10 | 0.2 | 10 |"), md)
        XCTAssertTrue(md.contains("figures/test_accuracy_vs_time.svg"))
        let svg = try String(contentsOf: dir.appendingPathComponent("figures/test_accuracy_vs_step.svg"), encoding: .utf8)
        XCTAssertTrue(svg.contains("chance") && svg.contains("decomposition k=10"))
    }

    func testSummaryLineIsOneLineOfJSONWithReport() throws {
        let row = ResultRow(strategy: "a \"quoted\" name", testAccuracy: .nan, steps: 3, wallSeconds: 0.125, parameters: [("d", 30)])
        let line = ExperimentReport.summary(experiment: "x", quick: false, seed: 42, rows: [row], wallSeconds: 2,
                                            report: "reports/x").encoded
        XCTAssertFalse(line.contains("\n"))
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        XCTAssertEqual(Array(obj.keys).sorted(), ["experiment", "quick", "report", "results", "seed", "wall_seconds"])
        let r = try XCTUnwrap((obj["results"] as? [[String: Any]])?.first)
        XCTAssertEqual(r["strategy"] as? String, "a \"quoted\" name")
        XCTAssertTrue(r["test_accuracy"] is NSNull, "NaN must be written as null")
        XCTAssertEqual(r["d"] as? Int, 30)
    }

    func testRowsMayNotReuseStandardKeys() {
        var result = ExperimentResult(rows: [ResultRow(strategy: "s", testAccuracy: 1, steps: 1, wallSeconds: 0, parameters: [("steps", 3)])])
        let dir = root.appendingPathComponent("bad")
        XCTAssertThrowsError(try ExperimentReport(directory: dir).write(result, experiment: FixedExperiment(), quick: false, seed: 0, wallSeconds: 0)) {
            XCTAssertEqual($0 as? ExperimentReportError, .reservedKey("steps", row: "s steps=3"))
        }
        result.rows[0].parameters = [("k", 1), ("k", 2)]
        XCTAssertThrowsError(try ExperimentReport(directory: dir).write(result, experiment: FixedExperiment(), quick: false, seed: 0, wallSeconds: 0))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path))
    }

    func testTrainingLoopEvaluatesOnScheduleAndStopsAtTarget() {
        var calls = 0
        let loop = TrainingLoop(steps: 25, evaluateEvery: 10)
        let run = loop.run(label: "t", step: { calls += 1; return Float(calls) }, evaluate: { Double(calls) / 25 })
        XCTAssertEqual(run.steps, 25)
        XCTAssertEqual(run.curve.map(\.step), [0, 10, 20, 25])
        XCTAssertEqual(run.losses.map(\.value), [5.5, 15.5, 23])
        XCTAssertEqual(run.firstStep(reaching: 0.8), 20)
        XCTAssertNil(run.firstStep(reaching: 2))

        calls = 0
        let stopping = TrainingLoop(steps: 100, evaluateEvery: 5, stopAt: 0.5)
        let early = stopping.run(label: "t", stepOffset: 1000, step: { calls += 1; return 0 }, evaluate: { Double(calls) / 20 })
        XCTAssertEqual(early.steps, 10)
        XCTAssertEqual(early.curve.last?.step, 1010)
    }

    func testDerivedSeedsDifferBySettingAndRepeat() {
        let c = ExperimentContext(seed: 3, outputDirectory: root)
        XCTAssertEqual(c.seed(1, 2), c.seed(1, 2))
        XCTAssertNotEqual(c.seed(1, 2), c.seed(2, 1))
        XCTAssertNotEqual(c.seed(1), ExperimentContext(seed: 4, outputDirectory: root).seed(1))
    }
}
