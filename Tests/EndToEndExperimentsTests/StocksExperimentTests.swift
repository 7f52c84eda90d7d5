import EndToEnd
import Foundation
import XCTest
@testable import EndToEndExperiments

final class StocksExperimentTests: XCTestCase {
    func testDecompositionLearnsAndBeatsEndToEndOnAManyOutputTask() throws {
        let e = StocksExperiment(ks: [40], steps: 40, evaluateEvery: 5, d: 40)
        let result = try e.run(ExperimentContext(seed: 2, outputDirectory: FileManager.default.temporaryDirectory))
        XCTAssertEqual(result.rows.map(\.strategy), ["end-to-end", "decomposition"])
        let e2e = result.rows[0], dec = result.rows[1]
        XCTAssertGreaterThan(dec.testAccuracy, 0.9, "cross-entropy on the correct output should learn 40 situations")
        XCTAssertGreaterThan(dec.testAccuracy, 1.0 / 40 * 5, "far above chance")
        // Reward noise slows the end-to-end signal: decomposition gets there first.
        let reached = { (r: ResultRow) -> Int in
            if case .int(let s)? = r.metrics.first(where: { $0.0 == "steps_to_90" })?.1 { return s }
            return Int.max
        }
        XCTAssertLessThan(reached(dec), reached(e2e), "\(result.rows.map(\.json.encoded))")
        let reward = dec.metrics.first { $0.0 == "expected_reward" }?.1
        if case .double(let r)? = reward { XCTAssertGreaterThan(r, 0.5) } else { XCTFail("no expected_reward") }
    }

    func testRewardsAreOneAtTheCorrectOutputAndSignsElsewhere() {
        var task = StockPicking(d: 7, k: 5, taskSeed: 1, sampleSeed: 2)
        let (x, correct, rewards) = task.next(32)
        XCTAssertEqual(x.shape, [32, 7])
        for b in 0..<32 {
            let i = (0..<7).first { x[b, $0] == 1 }!
            XCTAssertEqual(correct.scalars[b], task.correct[i])
            XCTAssertEqual(rewards[b, Int(correct.scalars[b])], 1)
            for j in 0..<5 { XCTAssertTrue(rewards[b, j] == 1 || rewards[b, j] == -1) }
        }
        XCTAssertTrue(rewards.scalars.contains(-1))
    }
}
