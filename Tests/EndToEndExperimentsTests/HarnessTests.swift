import EndToEnd
import EndToEndData
import EndToEndNN
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

    /// A stage whose loss is a parameter's value and whose evaluation reads a counter.
    private func countingStage(label: String, steps: Int, every: Int, stopAt: Double? = nil, counter: Counter,
                               evaluate: @escaping (Int) -> Double) -> ExperimentStages.Stage {
        let p = Parameter(Tensor([0]))
        let optimizer = SGD([p], learningRate: 0)
        let batches = GeneratedBatches { counter.calls += 1; return Batch(inputs: Tensor([Float(counter.calls)]), indices: [0]) }
        return .init(label: label, optimizer: optimizer, batches: batches, steps: steps, evaluateEvery: every, stopAt: stopAt,
                     loss: { b in (p.value + b.inputs).sum() }, evaluate: { evaluate(counter.calls) })
    }

    final class Counter { var calls = 0 }

    func testExperimentStagesEvaluateOnScheduleAndStopAtTarget() throws {
        let counter = Counter()
        let run = try ExperimentStages().run([{ self.countingStage(label: "t", steps: 25, every: 10, counter: counter) { Double($0) / 25 } }])[0]
        XCTAssertEqual(run.steps, 25)
        XCTAssertEqual(run.curve.map(\.step), [0, 10, 20, 25])
        XCTAssertEqual(run.losses.map(\.value), [5.5, 15.5, 23])
        XCTAssertEqual(run.firstStep(reaching: 0.8), 20)
        XCTAssertNil(run.firstStep(reaching: 2))

        // Two stages in one run: the second stops at its target; steps count over the run.
        let c2 = Counter()
        let outcomes = try ExperimentStages().run([
            { self.countingStage(label: "a", steps: 10, every: 5, counter: c2) { _ in 0 } },
            { self.countingStage(label: "b", steps: 100, every: 5, stopAt: 0.5, counter: c2) { Double($0 - 10) / 20 } },
        ])
        XCTAssertEqual(outcomes.map(\.steps), [10, 10])
        XCTAssertEqual(outcomes[1].curve.first?.step, 10)
        XCTAssertEqual(outcomes[1].curve.last?.step, 20)
    }

    func testDerivedSeedsDifferBySettingAndRepeat() {
        let c = ExperimentContext(seed: 3, outputDirectory: root)
        XCTAssertEqual(c.seed(1, 2), c.seed(1, 2))
        XCTAssertNotEqual(c.seed(1, 2), c.seed(2, 1))
        XCTAssertNotEqual(c.seed(1), ExperimentContext(seed: 4, outputDirectory: root).seed(1))
    }
}
