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
        e.snrImages = 8
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

/// parity-bits, stocks and module-chain keep their finished grid cells: a run over the same
/// folder reads them back, a missing cell is trained again, and the result is the uninterrupted one.
final class ExperimentCellResumeTests: XCTestCase {
    func check(_ experiment: any Experiment, cells: Int) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cells-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        func fingerprint(_ r: ExperimentResult) -> [String] {
            r.rows.map { row in var x = row; x.wallSeconds = 0; return x.json.encoded }
                + r.curves.map { c in c.label + "/" + c.metric + ":" + c.points.map { "\($0.step)=\($0.value.bitPattern)" }.joined(separator: ",") }
        }
        let reference = try experiment.run(ExperimentContext(quick: true, seed: 4, outputDirectory: dir))
        let checkpoints = StrategyCheckpointing(directory: dir.appendingPathComponent("state"))
        let context = ExperimentContext(quick: true, seed: 4, outputDirectory: dir, checkpointing: checkpoints)
        let first = try experiment.run(context)
        XCTAssertEqual(fingerprint(first), fingerprint(reference))
        let store = try XCTUnwrap(context.finishedCells)
        XCTAssertEqual(store.finishedKeys().count, cells)

        // Lose one cell (as a kill during it would), keep the others: only that one is trained again.
        let lost = store.finishedKeys().sorted()[cells / 2]
        try FileManager.default.removeItem(at: store.url(for: lost))
        let readBack = LockedCount()
        var logging = context
        logging.log = { if $0.contains("read back") { readBack.add() } }
        let resumed = try experiment.run(logging)
        XCTAssertEqual(readBack.value, cells - 1)
        XCTAssertEqual(fingerprint(resumed), fingerprint(reference))
        XCTAssertEqual(resumed.rows.map(\.wallSeconds).count, first.rows.count)
    }

    func testParityBitsCells() throws {
        try check(ParityBitsExperiment(dimensions: [3, 4, 5], steps: 40, evaluateEvery: 20, testCount: 64), cells: 3)
    }

    func testStocksCells() throws {
        try check(StocksExperiment(ks: [2, 3], steps: 30, evaluateEvery: 15, d: 8), cells: 4)
    }

    func testModuleChainCells() throws {
        try check(ModuleChainExperiment(lengths: [1, 2], stageSteps: 20, width: 6, evaluateEvery: 10), cells: 4)
    }
}

final class LockedCount: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func add() { lock.lock(); n += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}
