import EndToEnd
import EndToEndData
import EndToEndStrategies
import Foundation
import XCTest
@testable import EndToEndExperiments

final class ParityLinesExperimentTests: XCTestCase {
    func testRowsCurvesAndSNRForEachStrategyAndK() throws {
        var e = ParityLinesExperiment(ks: [1, 2], endToEndSteps: 4, decompositionSteps: 4, labelledStrategies: ["decomposition", "step-by-step"],
                                      batchSize: 8, trainCount: 64, testCount: 32)
        e.snrImages = 8
        e.snrInitializations = 3
        e.snrWarmSteps = 2
        e.snrKs = [1, 2, 3]
        let result = try SeedRuns.run(e, ExperimentContext(seed: 3, outputDirectory: FileManager.default.temporaryDirectory), seeds: 2)
        XCTAssertEqual(result.rows.map(\.strategy), ["end-to-end", "decomposition", "step-by-step", "end-to-end", "decomposition", "step-by-step"])
        XCTAssertEqual(result.rows.map { $0.parameters.first?.1 }, [.int(1), .int(1), .int(1), .int(2), .int(2), .int(2)])
        for row in result.rows {
            XCTAssertEqual(row.steps, 4)
            XCTAssertTrue((0...1).contains(row.testAccuracy))
            XCTAssertEqual(row.perSeed?.count, 2)
            XCTAssertEqual(row.testAccuracy, SampleStatistics.mean(row.perSeed!.map(\.testAccuracy)), accuracy: 1e-12)
            XCTAssertNotNil(row.testAccuracyStd)
        }
        XCTAssertEqual(Set(result.curves.map(\.metric)), ["k1_test_accuracy", "k2_test_accuracy"])
        XCTAssertNotNil(result.curves[0].points[0].low, "curves over two seeds carry a band")
        let snrSeries = result.figures.first { $0.filename == "snr_vs_k" }?.chart
        XCTAssertEqual(snrSeries?.series.map(\.name),
                       ["end-to-end, initialization", "decomposition, initialization", "end-to-end, warm", "decomposition, warm"],
                       "SNR against k for the two single-stage strategies at both points")
        XCTAssertEqual(snrSeries?.logY, true)
        // The JSON summary: an "snr" list per (strategy, k) with an interval, and the breakdown in k.
        let fields = Dictionary(result.summaryFields, uniquingKeysWith: { a, _ in a })
        guard case .array(let snr)? = fields["snr"] else { return XCTFail("no snr list") }
        XCTAssertEqual(snr.count, 12, "3 k × 2 strategies × 2 points")
        for entry in snr {
            guard case .object(let o) = entry else { return XCTFail() }
            XCTAssertEqual(Array(o.map(\.0).prefix(5)), ["strategy", "k", "value", "ci_low", "ci_high"])
            let d = Dictionary(o, uniquingKeysWith: { a, _ in a })
            if case .string(let point)? = d["point"] {
                XCTAssertTrue(["initialization", "warm"].contains(point), point)
            } else { XCTFail("no point in \(entry.encoded)") }
            if case .double(let v)? = d["value"], case .double(let lo)? = d["ci_low"], case .double(let hi)? = d["ci_high"] {
                XCTAssertTrue(lo <= v + 1e-12 && v <= hi + 1e-12 && lo >= 0, "\(entry.encoded)")
            } else { XCTFail("\(entry.encoded)") }
        }
        XCTAssertNotNil(fields["breakdown"])
        XCTAssertTrue(result.notes.contains { $0.hasPrefix("## Gradient SNR") })
    }

    /// The batched per-example gradients equal those of one backward pass per example.
    func testBatchedPerExampleGradientsMatchOneBackwardPerExample() throws {
        let k = 2
        let data = TrainingData(ParityLines(k: k, count: 6, seed: 5).materialized())
        let task = ParityLinesModel.task
        for decomposition in [false, true] {
            let model = ParityLinesModel.make(k: k, seed: 1)
            let fast = ParityLinesSNR.perExampleGradients(model: model, data: data, examples: 6, decomposition: decomposition)
            let last = model.namedParameters().filter { $0.0.hasPrefix(ParityLinesModel.encoderLastLayer) }.map(\.1)
            XCTAssertEqual(last.map(\.count), [100, 1])
            for i in 0..<6 {
                model.zeroGrad()
                let one = data.batch(at: [i])
                let outs = model.outputs(one.inputs)
                let target = Tensor(shape: [1], scalars: one.labels!.scalars.map(Float.init))
                var loss = task.objective.loss(outs["aggregator"]!, target)
                if decomposition {
                    loss = loss + task.intermediates[0].objective.loss(outs["encoder"]!, one.intermediates["image_labels"]!)
                }
                loss.backward()
                let slow = last.flatMap { $0.grad!.scalars }
                XCTAssertGreaterThan(slow.map(abs).max()!, 0, "a non-trivial gradient to compare")
                for (a, b) in zip(fast[i], slow) { XCTAssertEqual(a, Double(b), accuracy: 1e-4, "example \(i), decomposition \(decomposition)") }
            }
        }
    }
}
