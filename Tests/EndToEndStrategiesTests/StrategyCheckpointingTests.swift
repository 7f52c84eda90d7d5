import EndToEnd
import EndToEndData
import EndToEndNN
@testable import EndToEndStrategies
import EndToEndTraining
import Foundation
import XCTest

/// A comparison interrupted in the middle of a strategy (and between strategies) and started
/// again over the same folder gives exactly the uninterrupted comparison's results.
final class StrategyCheckpointingTests: XCTestCase {
    static let strategies: [any Strategy] = [
        EndToEndStrategy(), StepByStepStrategy(fineTuneFraction: 0.25), LocalLossStrategy(mode: .greedy),
        EnsembleStrategy(members: 2, bagging: true), EnsembleStrategy(members: 2, combination: .stacking),
    ]

    /// Requests an interrupt when a strategy's run reaches `step`.
    final class InterruptAt: TrainingRunObserver {
        let step: Int
        let flag: InterruptFlag
        init(step: Int, flag: InterruptFlag) { self.step = step; self.flag = flag }
        func stepDidEnd(_ run: TrainingRun, stage: TrainingStage, loss: Double) throws {
            if run.position.step == step { flag.request() }
        }
    }

    func fingerprint(_ r: StrategyResult) -> String {
        func values(_ d: [String: Double]) -> String { d.keys.sorted().map { "\($0)=\(d[$0]!)" }.joined(separator: ",") }
        return "\(r.strategy) \(values(r.metrics)) \(r.steps) \(r.samplesSeen) \(r.parameterCount) "
            + r.stages.map { "\($0.name):\($0.steps)" }.joined(separator: ",") + " "
            + (r.curve + r.diagnostics).map { "\($0.step)/\($0.split):\(values($0.values))" }.joined(separator: ";")
    }

    func testTwoUninterruptedComparisonsAgree() throws {
        let a = try Comparison(setup: StrategyTestSupport.setup(), strategies: Self.strategies).run()
        let b = try Comparison(setup: StrategyTestSupport.setup(), strategies: Self.strategies).run()
        for (x, y) in zip(a.results.map(fingerprint), b.results.map(fingerprint)) {
            let common = zip(x, y).prefix { $0 == $1 }.count
            XCTAssertEqual(x, y, "differs after: …\(x.prefix(common).suffix(120)) | \(x.dropFirst(common).prefix(80)) vs \(y.dropFirst(common).prefix(80))")
        }
    }

    func testAnInterruptedComparisonResumesToTheUninterruptedResults() throws {
        let reference = try Comparison(setup: StrategyTestSupport.setup(), strategies: Self.strategies).run()

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cmp-resume-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let flag = InterruptFlag()
        // Interrupt every strategy once, at a step in its first or second stage, then resume.
        var interrupts = 0
        for stop in [13, 37, 45, 51, 59] {
            var setup = StrategyTestSupport.setup()
            setup.checkpointing = StrategyCheckpointing(directory: dir, everySteps: 10, interrupt: flag)
            setup.runObservers = { _ in [InterruptAt(step: stop, flag: flag)] }
            do {
                _ = try Comparison(setup: setup, strategies: Self.strategies).run()
                XCTFail("the interrupt at step \(stop) did not stop the comparison")
            } catch let e as StrategyInterrupted {
                XCTAssertEqual(e.step, stop)
                interrupts += 1
            }
        }
        XCTAssertEqual(interrupts, 5)
        var setup = StrategyTestSupport.setup()
        setup.checkpointing = StrategyCheckpointing(directory: dir, everySteps: 10, interrupt: flag)
        let resumed = try Comparison(setup: setup, strategies: Self.strategies).run()
        XCTAssertEqual(resumed.results.count, reference.results.count)
        for (a, b) in zip(resumed.results.map(fingerprint), reference.results.map(fingerprint)) {
            let common = zip(a, b).prefix { $0 == $1 }.count
            XCTAssertEqual(a, b, "differs after: …\(a.prefix(common).suffix(120)) | \(a.dropFirst(common).prefix(80)) vs \(b.dropFirst(common).prefix(80))")
        }
        // Nothing of the runs is left but the finished results.
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        XCTAssertTrue(left.allSatisfy { $0.hasSuffix(".result.json") }, "\(left)")
    }
}

/// A finished strategy's result file that was damaged (by hand or a failing disk) is an error
/// naming the file, never a trap and never silently trained again.
final class StrategyResultFileTests: XCTestCase {
    func testDamagedResultFilesAreErrorsNamingTheFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cmp-damaged-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var setup = StrategyTestSupport.setup()
        setup.checkpointing = StrategyCheckpointing(directory: dir, everySteps: 1_000)
        let strategy = EndToEndStrategy()
        let good = try setup.run(strategy)
        let file = setup.checkpointing!.resultFile(strategy.name)
        let bytes = try Data(contentsOf: file)
        XCTAssertEqual(try setup.run(strategy).metrics, good.metrics, "a finished result reads back")

        let text = String(decoding: bytes, as: UTF8.self)
        var damaged: [Data] = [Data(), bytes.prefix(bytes.count / 2), Data([0xff, 0xfe, 0x00]), Data("[1, 2]".utf8),
                               Data("{\"strategy\": 3}".utf8)]
        damaged.append(Data(text.replacingOccurrences(of: "\"steps\":", with: "\"steps\":\"x\",\"_\":").utf8))
        damaged.append(Data(text.replacingOccurrences(of: "\"wall_seconds\":\"", with: "\"wall_seconds\":\"nope").utf8))
        // A curve whose metrics-log lines are cut off.
        if let o = try JSONSerialization.jsonObject(with: bytes) as? [String: Any], let curve = o["curve"] as? String {
            var m = o
            m["curve"] = String(curve.prefix(curve.count / 2)) + "{\"step\": "
            damaged.append(try JSONSerialization.data(withJSONObject: m))
        }
        for (i, d) in damaged.enumerated() {
            try d.write(to: file)
            XCTAssertThrowsError(try setup.run(strategy), "damaged file \(i) was accepted") { error in
                XCTAssertTrue("\(error)".contains(file.path), "\(i): \(error)")
            }
        }
    }
}
