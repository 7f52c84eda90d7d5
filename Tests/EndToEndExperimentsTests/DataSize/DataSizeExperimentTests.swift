import EndToEndTraining
import Foundation
import XCTest
@testable import EndToEndExperiments

final class DataSizeExperimentTests: XCTestCase {
    func row(_ strategy: String, _ n: Int, _ accuracy: Double) -> ResultRow {
        ResultRow(strategy: strategy, testAccuracy: accuracy, steps: 1, wallSeconds: 0,
                  parameters: [("task", .string("t")), ("train_size", .int(n))])
    }

    /// Catch-up: within the margin at a size and every larger one.
    func testCatchUpOnAHandMadeTable() {
        let rows = [
            row("end-to-end", 100, 0.50), row("decomposition", 100, 0.90),
            row("end-to-end", 200, 0.89), row("decomposition", 200, 0.90),  // within 0.02 here…
            row("end-to-end", 400, 0.80), row("decomposition", 400, 0.93),  // …but not here
            row("end-to-end", 800, 0.94), row("decomposition", 800, 0.95),
            row("end-to-end", 1600, 0.97), row("decomposition", 1600, 0.96),
            row("step-by-step", 1600, 0.995),
        ]
        XCTAssertEqual(DataSizeExperiment.catchUp(rows, versus: "decomposition", margin: 0.02), 800)
        XCTAssertNil(DataSizeExperiment.catchUp(rows, versus: "step-by-step", margin: 0.02), "behind at the only shared size")
        XCTAssertEqual(DataSizeExperiment.catchUp(rows, versus: "decomposition", margin: 0.5), 100)
    }

    /// A tiny run: every (size, strategy) row, the seed fields and the catch-up summary.
    func testSmokeRunWithTwoSeeds() throws {
        var e = DataSizeExperiment(sizes: [8, 16], tasks: ["parity-lines"], endToEndSteps: 2, labelledSteps: 2, testCount: 16)
        e.batchSize = 4
        let result = try SeedRuns.run(e, ExperimentContext(quick: true, seed: 1, outputDirectory: FileManager.default.temporaryDirectory), seeds: 2)
        XCTAssertEqual(result.rows.map(\.strategy), ["end-to-end", "step-by-step", "decomposition", "end-to-end", "step-by-step", "decomposition"])
        XCTAssertEqual(result.rows.map { $0.number("train_size") }, [8, 8, 8, 16, 16, 16])
        XCTAssertTrue(result.rows.allSatisfy { $0.perSeed?.count == 2 })
        let fields = Dictionary(result.summaryFields, uniquingKeysWith: { a, _ in a })
        guard case .array(let catchUp)? = fields["catch_up"] else { return XCTFail("no catch_up") }
        XCTAssertEqual(catchUp.count, 2)
        XCTAssertEqual(result.figures.map(\.filename), ["parity-lines_accuracy_vs_size"])
        XCTAssertThrowsError(try DataSizeExperiment(tasks: ["nope"]).run(ExperimentContext(outputDirectory: FileManager.default.temporaryDirectory)))
        XCTAssertThrowsError(try DataSizeExperiment(sizes: [16]).run(ExperimentContext(outputDirectory: FileManager.default.temporaryDirectory)),
                             "a training set smaller than a batch")
    }
}
