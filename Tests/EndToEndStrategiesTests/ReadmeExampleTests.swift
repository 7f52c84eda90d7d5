import EndToEndData
import EndToEndNN
import XCTest
import EndToEndStrategies

/// The strategies example in README.md, with small counts, kept compiling and running.
final class ReadmeExampleTests: XCTestCase {
    func testReadmeComparison() throws {
        let setup = StrategySetup(
            makeModel: { seed in ParityLinesModel.make(k: 2, seed: seed) },
            task: ParityLinesModel.task,
            train: TrainingData(ParityLines(k: 2, count: 64, seed: 0).materialized()),
            test: TrainingData(ParityLines(k: 2, count: 32, seed: 1).materialized()),
            batchSize: 16, steps: 4, evaluateEvery: 2,
            makeOptimizer: { Adam($0, learningRate: 1e-3, beta1: 0.9, beta2: 0.99, epsilon: 1e-5) })
        let results = try Comparison(setup: setup, strategies: [
            EndToEndStrategy(), StepByStepStrategy(), DecompositionStrategy(), EnsembleStrategy(members: 2, lambda: 0.5),
        ]).run()
        XCTAssertEqual(results.results.map(\.strategy), ["end-to-end", "step-by-step", "decomposition", "ensemble-lambda=0.5"])
        XCTAssertTrue(results.markdownTable.contains("| ensemble-lambda=0.5 |"))
        XCTAssertEqual(results.results[3].parameterCount, 2 * results.results[0].parameterCount)
    }
}
