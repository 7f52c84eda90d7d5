import Foundation
import EndToEndTraining
import XCTest
@testable import EndToEndExperiments

/// `--grid`: narrowing an experiment's swept axis to chosen values.
final class SweptAxisTests: XCTestCase {
    func testEachSweptExperimentNarrowsItsAxisAndTheOthersRefuse() throws {
        let lines = try XCTUnwrap(try ParityLinesExperiment().sweeping([3, 2]) as? ParityLinesExperiment)
        XCTAssertEqual(lines.ks, [3, 2])
        XCTAssertEqual(lines.snrKs, [3, 2], "the SNR is measured at the narrowed k only")
        XCTAssertEqual((try ParityBitsExperiment().sweeping([8]) as? ParityBitsExperiment)?.dimensions, [8])
        XCTAssertEqual((try ModuleChainExperiment().sweeping([2, 5]) as? ModuleChainExperiment)?.lengths, [2, 5])

        let axes = Dictionary(uniqueKeysWithValues: ExperimentRegistry.all.map { ($0.name, $0.sweptAxis) })
        XCTAssertEqual(axes["parity-lines"], "k")
        XCTAssertEqual(axes["parity-bits"], "d")
        XCTAssertEqual(axes["module-chain"], "n")
        for e in ExperimentRegistry.all where e.sweptAxis == nil {
            XCTAssertThrowsError(try e.sweeping([1]), e.name) { error in
                XCTAssertTrue("\(error)".contains("no swept axis"), "\(e.name): \(error)")
            }
        }
    }

    func testValuesOutsideTheRangeRepeatedOrMissingAreErrorsNamingTheAxis() {
        func message(_ body: () throws -> Any) -> String {
            do { _ = try body(); return "" } catch { return "\(error)" }
        }
        XCTAssertTrue(message { try ParityLinesExperiment().sweeping([0]) }.contains("k = 0 is outside 1...10"))
        XCTAssertTrue(message { try ParityLinesExperiment().sweeping([11]) }.contains("k = 11"))
        XCTAssertTrue(message { try ParityBitsExperiment().sweeping([1]) }.contains("d = 1 is outside 2...64"))
        XCTAssertTrue(message { try ModuleChainExperiment().sweeping([2, 2]) }.contains("repeated value of n"))
        XCTAssertTrue(message { try ModuleChainExperiment().sweeping([]) }.contains("at least one value of n"))
    }

    func testANarrowedRunTrainsOnlyTheChosenValues() throws {
        var e = try XCTUnwrap(try ModuleChainExperiment(lengths: [1, 2, 3], stageSteps: 20, width: 8, evaluateEvery: 10)
            .sweeping([2]) as? ModuleChainExperiment)
        e.testCount = 64
        let result = try e.run(ExperimentContext(seed: 1, outputDirectory: FileManager.default.temporaryDirectory))
        XCTAssertEqual(result.rows.count, 2, "end-to-end and module-by-module at n = 2 only")
        for row in result.rows {
            XCTAssertEqual(row.parameters.first { $0.0 == "n" }?.1, JSONValue.int(2), row.label)
        }
    }
}
