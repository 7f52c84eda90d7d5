import Foundation
import XCTest
@testable import EndToEndExperiments

final class ParityLinesExperimentTests: XCTestCase {
    func testRowsCurvesAndSNRForEachStrategyAndK() throws {
        var e = ParityLinesExperiment(ks: [1, 2], endToEndSteps: 4, decompositionSteps: 4, labelledStrategies: ["decomposition", "step-by-step"],
                                      batchSize: 8, trainCount: 64, testCount: 32)
        e.snrExamples = 4
        let result = try e.run(ExperimentContext(seed: 3, outputDirectory: FileManager.default.temporaryDirectory))
        XCTAssertEqual(result.rows.map(\.strategy), ["end-to-end", "decomposition", "step-by-step", "end-to-end", "decomposition", "step-by-step"])
        XCTAssertEqual(result.rows.map { $0.parameters.first?.1 }, [.int(1), .int(1), .int(1), .int(2), .int(2), .int(2)])
        for row in result.rows {
            XCTAssertEqual(row.steps, 4)
            XCTAssertTrue((0...1).contains(row.testAccuracy))
            let snr = row.metrics.first { $0.0 == "snr_at_init" }?.1
            if case .double(let v)? = snr { XCTAssertTrue(v.isFinite && v >= 0) } else { XCTFail("no SNR for \(row.label)") }
        }
        XCTAssertEqual(Set(result.curves.map(\.metric)), ["k1_test_accuracy", "k2_test_accuracy"])
        let snrSeries = result.figures.first { $0.filename == "snr_vs_k" }?.chart.series.map(\.name)
        XCTAssertEqual(snrSeries, ["decomposition", "end-to-end"], "SNR against k for the two single-stage strategies")
    }
}
