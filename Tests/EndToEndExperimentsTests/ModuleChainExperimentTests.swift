import EndToEnd
import Foundation
import XCTest
@testable import EndToEndExperiments

final class ModuleChainExperimentTests: XCTestCase {
    func testModuleByModuleLearnsAShortChain() throws {
        var e = ModuleChainExperiment(lengths: [1], stageSteps: 100, width: 8, evaluateEvery: 25)
        e.testCount = 256
        e.learningRate = 0.05
        let result = try e.run(ExperimentContext(seed: 3, outputDirectory: FileManager.default.temporaryDirectory))
        XCTAssertEqual(result.rows.map(\.strategy), ["end-to-end", "module-by-module"])
        XCTAssertTrue(result.rows.allSatisfy { $0.steps >= 1 && $0.steps <= 200 }, "budget: (n + 1) stages of 100 steps")
        let modular = result.rows[1]
        let code = modular.metrics.first { $0.0 == "last_code_accuracy" }?.1
        if case .double(let c)? = code { XCTAssertGreaterThan(c, 0.9) } else { XCTFail("no last_code_accuracy") }
        XCTAssertGreaterThan(modular.testAccuracy, 0.9)
        // The modular curve runs across both stages without repeating a step and ends at the total.
        let steps = try XCTUnwrap(result.curves.first { $0.label == "module-by-module n=1" }).points.map(\.step)
        XCTAssertEqual(steps.first, 0)
        XCTAssertEqual(steps.last, modular.steps)
        XCTAssertEqual(steps, steps.sorted())
        XCTAssertEqual(Set(steps).count, steps.count)
    }

    func testTeacherLabelsAreOddAndCodesAreSigns() {
        let teacher = TeacherChain(m: 6, modules: 3, seed: 5)
        var rng = RandomGenerator(seed: 1)
        let x = TeacherChain.inputs(50, m: 6, using: &rng)
        let (codes, y) = teacher.codes(x)
        let (_, yNeg) = teacher.codes(x * -1)
        XCTAssertEqual(codes.count, 4)
        XCTAssertTrue(codes.allSatisfy { $0.scalars.allSatisfy { $0 == 1 || $0 == -1 } })
        XCTAssertEqual(yNeg.scalars, y.scalars.map { -$0 })
    }
}
