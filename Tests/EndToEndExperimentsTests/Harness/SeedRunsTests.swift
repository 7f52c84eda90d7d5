import EndToEnd
import EndToEndStrategies
import EndToEndTraining
import Foundation
import XCTest
@testable import EndToEndExperiments

/// Seed aggregation: statistics worked by hand, the aggregated rows and curves, and that one
/// seed reproduces a plain run.
final class SeedRunsTests: XCTestCase {
    /// Rows and curves that depend on the seed in a known way, and record the seeds they saw.
    struct SeededExperiment: Experiment {
        final class Seen: @unchecked Sendable { var seeds: [UInt64] = []; var scopes: [String] = [] }
        let seen = Seen()
        var name: String { "seeded" }
        var summary: String { "accuracy from the seed" }
        func run(_ context: ExperimentContext) throws -> ExperimentResult {
            seen.seeds.append(context.seed)
            seen.scopes.append(context.strategyCheckpointing("x")?.directory.deletingLastPathComponent().lastPathComponent ?? "-")
            let a = Double(context.seed % 7) / 10
            let reached: JSONValue = context.seedIndex == 1 ? .null : .int(100)
            return ExperimentResult(
                rows: [ResultRow(strategy: "end-to-end", testAccuracy: a, steps: 10 + context.seedIndex, wallSeconds: 1,
                                 parameters: [("d", .int(5))], metrics: [("best", .double(a + 0.1)), ("steps_to_90", reached), ("tag", .string("t"))])],
                curves: [Curve(label: "c", metric: "test_accuracy",
                               points: (0..<(context.seedIndex == 0 ? 3 : 2)).map { Curve.Point(step: $0 * 10, wallSeconds: 0, value: a + Double($0)) })],
                figures: [("f", SVGChart(title: "t", xLabel: "x", yLabel: "y"))], notes: ["note \(context.seed)"])
        }
    }

    func context(_ seed: UInt64 = 12) -> ExperimentContext {
        ExperimentContext(seed: seed, outputDirectory: FileManager.default.temporaryDirectory,
                          checkpointing: StrategyCheckpointing(directory: FileManager.default.temporaryDirectory.appendingPathComponent("seed-runs")))
    }

    func testMeanSampleStdAndIntervalWorkedByHand() throws {
        XCTAssertEqual(SampleStatistics.mean([1, 2, 3, 6]), 3)
        XCTAssertTrue(SampleStatistics.mean([]).isNaN)
        // Σ(x − 5)² = 9 + 1 + 1 + 1 + 0 + 0 + 4 + 16 = 32 over n − 1 = 7.
        XCTAssertEqual(try XCTUnwrap(SampleStatistics.sampleStd([2, 4, 4, 4, 5, 5, 7, 9])), (32.0 / 7).squareRoot(), accuracy: 1e-12)
        XCTAssertNil(SampleStatistics.sampleStd([0.7]), "undefined for one value")
        // [1, 2, 3]: mean 2, s = 1, half-width 1.96 / √3.
        let iv = try XCTUnwrap(SampleStatistics.meanInterval([1, 2, 3]))
        XCTAssertEqual(iv.low, 2 - 1.96 / 3.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(iv.high, 2 + 1.96 / 3.0.squareRoot(), accuracy: 1e-12)
    }

    func testOneSeedReproducesThePlainRunAndAddsTheSeedFields() throws {
        let e = SeededExperiment()
        let plain = try e.run(context())
        let aggregated = try SeedRuns.run(e, context(), seeds: 1)
        XCTAssertEqual(e.seen.seeds, [12, 12], "seed index 0 is the root seed")
        guard case .object(let fields) = aggregated.rows[0].json, case .object(let plainFields) = plain.rows[0].json else { return XCTFail() }
        let added: Set<String> = ["seeds", "test_accuracy_mean", "test_accuracy_std", "per_seed"]
        XCTAssertEqual(fields.filter { !added.contains($0.0) }.map(\.0), plainFields.map(\.0))
        XCTAssertEqual(JSONValue.object(fields.filter { !added.contains($0.0) }), plain.rows[0].json)
        XCTAssertEqual(fields.first { $0.0 == "seeds" }?.1, .int(1))
        XCTAssertEqual(fields.first { $0.0 == "test_accuracy_std" }?.1, .null)
        XCTAssertEqual(aggregated.curves, plain.curves, "no band for one seed")
        XCTAssertEqual(aggregated.notes, plain.notes)
        XCTAssertEqual(aggregated.figures.map(\.filename), ["f"])
    }

    func testSeveralSeedsGiveMeanStdPerSeedAndBands() throws {
        let e = SeededExperiment()
        let r = try SeedRuns.run(e, context(), seeds: 3)
        XCTAssertEqual(e.seen.seeds, [12, SeedRuns.seed(root: 12, index: 1), SeedRuns.seed(root: 12, index: 2)])
        XCTAssertEqual(Set(e.seen.seeds).count, 3)
        XCTAssertEqual(e.seen.scopes, ["seed-0", "seed-1", "seed-2"], "each seed resumes in its own scope")
        let accuracies = e.seen.seeds.map { Double($0 % 7) / 10 }
        let row = r.rows[0]
        XCTAssertEqual(row.testAccuracy, SampleStatistics.mean(accuracies), accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(row.testAccuracyStd), try XCTUnwrap(SampleStatistics.sampleStd(accuracies)), accuracy: 1e-12)
        XCTAssertEqual(row.steps, 11, "mean of 10, 11, 12")
        XCTAssertEqual(row.perSeed?.map(\.seed), e.seen.seeds)
        // Numbers average, mixed numbers and nulls give null, equal values stay.
        let m = Dictionary(row.metrics, uniquingKeysWith: { a, _ in a })
        if case .double(let best)? = m["best"] { XCTAssertEqual(best, row.testAccuracy + 0.1, accuracy: 1e-9) } else { XCTFail() }
        XCTAssertEqual(m["steps_to_90"], .null)
        XCTAssertEqual(m["tag"], .string("t"))
        let json = row.json.encoded
        for key in ["\"seeds\": 3", "\"test_accuracy_mean\"", "\"test_accuracy_std\"", "\"per_seed\": [{\"seed\": 12"] {
            XCTAssertTrue(json.contains(key), "\(key) in \(json)")
        }
        // The curve runs over the longest run's steps; the shorter runs hold their last value.
        let points = r.curves[0].points
        XCTAssertEqual(points.map(\.step), [0, 10, 20])
        let last = [accuracies[0] + 2, accuracies[1] + 1, accuracies[2] + 1]
        XCTAssertEqual(points[2].value, SampleStatistics.mean(last), accuracy: 1e-12)
        XCTAssertEqual(points[2].low, last.min())
        XCTAssertEqual(points[2].high, last.max())
        XCTAssertTrue(r.figures.isEmpty, "one run's figures are not the aggregate's")
        XCTAssertTrue(r.table.contains("± "), r.table)
        XCTAssertEqual(r.perSeedTable?.split(separator: "\n").count, 5, "header, rule and one line per seed")
        XCTAssertThrowsError(try SeedRuns.run(e, context(), seeds: 0))
    }

    func testRunsThatDisagreeOnRowsAreRejected() {
        let a = ExperimentResult(rows: [ResultRow(strategy: "a", testAccuracy: 1, steps: 1, wallSeconds: 0)])
        let b = ExperimentResult(rows: [ResultRow(strategy: "b", testAccuracy: 1, steps: 1, wallSeconds: 0)])
        XCTAssertThrowsError(try SeedRuns.combine([a, b], seeds: [1, 2]))
    }

    func testBreakdownOnAHandMadeTable() {
        let b = Breakdown.find(parameter: "d", target: 0.9, table: [
            (25, [false, false, true]), (10, [true, true, true]), (20, [true, false, true]), (30, [false, false, false]), (40, []),
        ])
        XCTAssertEqual(b.firstSomeFail, 20)
        XCTAssertEqual(b.firstAllFail, 30)
        XCTAssertEqual(b.reached.map(\.value), [10, 20, 25, 30], "sorted, empty entries dropped")
        XCTAssertEqual(b.reached.map(\.reached), [3, 2, 1, 0])
        XCTAssertTrue(b.sentence.contains("d = 20…30"), b.sentence)
        XCTAssertEqual(b.json.encoded.contains("\"first_some_fail\": 20"), true, b.json.encoded)

        let fine = Breakdown.find(parameter: "n", target: 0.9, table: [(1, [true]), (2, [true])])
        XCTAssertNil(fine.firstSomeFail)
        XCTAssertNil(fine.firstAllFail)
        let sharp = Breakdown.find(parameter: "k", target: 0.9, table: [(1, [true, true]), (3, [false, false])])
        XCTAssertEqual(sharp.firstSomeFail, 3)
        XCTAssertEqual(sharp.firstAllFail, 3)

        // From aggregated rows: a seed reached the target when its metric is not null.
        var row = ResultRow(strategy: "end-to-end", testAccuracy: 0.7, steps: 1, wallSeconds: 0, parameters: [("n", .int(4))])
        row.perSeed = [.init(seed: 0, testAccuracy: 0.95, steps: 1, metrics: [("steps_to_target", .int(50))]),
                       .init(seed: 1, testAccuracy: 0.5, steps: 1, metrics: [("steps_to_target", .null)])]
        let other = ResultRow(strategy: "module-by-module", testAccuracy: 1, steps: 1, wallSeconds: 0, parameters: [("n", .int(2))],
                              metrics: [("steps_to_target", .null)])
        let fromRows = Breakdown.find(rows: [row, other], strategy: "end-to-end", parameter: "n", reachedMetric: "steps_to_target", target: 0.9)
        XCTAssertEqual(fromRows.firstSomeFail, 4)
        XCTAssertNil(fromRows.firstAllFail)
    }

    func testBandSeriesIsDrawnUnderTheLineAndWidensTheAxis() {
        var s = SVGChart.Series(name: "mean", xy: [(0, 0.5), (1, 0.6), (2, 0.7)])
        s.band = [.init(x: 0, low: 0.4, high: 0.6), .init(x: 1, low: 0.5, high: 0.7), .init(x: 2, low: 0.6, high: 3)]
        let svg = SVGChart(title: "t", xLabel: "x", yLabel: "y", series: [s]).render()
        XCTAssertTrue(svg.contains("fill-opacity=\"0.18\""))
        XCTAssertLessThan(svg.range(of: "fill-opacity")!.lowerBound, svg.range(of: "fill=\"none\" stroke=\"#0072B2\"")!.lowerBound,
                          "band before the line")
        XCTAssertTrue(svg.contains(">3<"), "the axis reaches the band's top")
        // One x: an error bar; a log axis clips lows at or below 0.
        var one = SVGChart.Series(name: "p", xy: [(1, 0.1)])
        one.band = [.init(x: 1, low: 0, high: 0.2)]
        let log = SVGChart(title: "t", xLabel: "x", yLabel: "y", series: [one], logY: true).render()
        XCTAssertTrue(log.contains("stroke-opacity=\"0.6\""))
    }
}
