import Foundation
import XCTest
@testable import EndToEndExperiments
import EndToEndData

final class ParityBitsExperimentTests: XCTestCase {
    func testSmallParityIsLearnedAndRowsDescribeTheRun() throws {
        let e = ParityBitsExperiment(dimensions: [2], steps: 300, evaluateEvery: 100, testCount: 256)
        let context = ExperimentContext(seed: 1, outputDirectory: FileManager.default.temporaryDirectory)
        let result = try e.run(context)
        XCTAssertEqual(result.rows.count, 1)
        let row = try XCTUnwrap(result.rows.first)
        XCTAssertEqual(row.strategy, "end-to-end")
        XCTAssertEqual(row.steps, 300)
        XCTAssertGreaterThan(row.testAccuracy, 0.9, "d = 2 parity should be learned in 300 steps")
        XCTAssertEqual(row.parameters.first?.1, .int(2))
        XCTAssertEqual(result.curves.first { $0.metric == "test_accuracy" }?.points.map(\.step), [0, 100, 200, 300])
    }

    func testSamplerLabelsAreTheParityOfTheSubset() {
        let reference = EndToEndData.ParityBits(d: 6, count: 1, seed: 9)
        var sampler = ParityBatchSampler(matching: reference, seed: 4)
        let (x, y) = sampler.next(64)
        for n in 0..<64 {
            let flips = reference.subset.filter { x[n, $0] < 0 }.count
            XCTAssertEqual(y[n, 0], flips % 2 == 1 ? -1 : 1)
        }
    }
}
