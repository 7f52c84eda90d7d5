import EndToEndExperiments
import EndToEndStrategies
import EndToEndTraining
import Foundation
import XCTest

/// An experiment whose strategy runs are interrupted, then resumed over the same folder, ends
/// with the rows and curves of an uninterrupted run.
final class ExperimentResumeTests: XCTestCase {
    func experiment() -> ParityLinesExperiment {
        var e = ParityLinesExperiment(ks: [1, 2], endToEndSteps: 12, decompositionSteps: 12, labelledStrategies: ["decomposition"],
                                      batchSize: 8, trainCount: 64, testCount: 32)
        e.snrExamples = 8
        return e
    }

    func fingerprint(_ r: ExperimentResult) -> [String] {
        r.rows.map { row in var x = row; x.wallSeconds = 0; return x.json.encoded }
            + r.curves.map { c in c.label + "/" + c.metric + ":" + c.points.map { "\($0.step)=\($0.value)" }.joined(separator: ",") }
    }

    func testInterruptedStrategyRunsResumeToTheUninterruptedResult() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("exp-resume-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let reference = try experiment().run(ExperimentContext(quick: true, seed: 2, outputDirectory: dir))

        let flag = InterruptFlag()
        let checkpoints = StrategyCheckpointing(directory: dir.appendingPathComponent("state"), everySteps: 5, interrupt: flag)
        var interrupts = 0
        while true {
            flag.request()  // stop the next strategy run after its first step
            do {
                let result = try experiment().run(ExperimentContext(quick: true, seed: 2, outputDirectory: dir, checkpointing: checkpoints))
                XCTAssertEqual(fingerprint(result), fingerprint(reference))
                break
            } catch is StrategyInterrupted {
                interrupts += 1
                XCTAssertLessThan(interrupts, 100, "no progress")
            }
        }
        // Each of the 4 strategy runs (2 k × 2 strategies) was interrupted after every step it took.
        XCTAssertGreaterThanOrEqual(interrupts, 4)
    }
}
