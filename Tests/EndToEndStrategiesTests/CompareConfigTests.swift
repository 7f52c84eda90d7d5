import EndToEndTraining
import XCTest
@testable import EndToEndStrategies

final class CompareConfigTests: XCTestCase {
    func testDefaultsAndOverrides() throws {
        let c = try CompareConfig.parse("""
            name: k3
            data: {name: parity-lines, k: 3, train: 500, test: 100}
            optimizer: {type: adam, lr: 0.001, betas: [0.9, 0.99], eps: 1.0e-5}
            steps: 40
            strategies: [end-to-end, ensemble-lambda=0.5]
            ensemble: {members: 3, combination: vote}
            """, fileName: "c.yaml")
        XCTAssertEqual(c.k, 3)
        XCTAssertEqual(c.model, .parityLines)
        XCTAssertEqual(c.batchSize, 200)
        XCTAssertEqual(c.evaluateEvery, 2)
        XCTAssertEqual(c.options.members, 3)
        XCTAssertEqual(c.options.combination, .vote)
        XCTAssertEqual(try c.makeStrategies().map(\.name), ["end-to-end", "ensemble-lambda=0.5"])
        XCTAssertEqual(c.diagnostics.snrGroups["encoder_last_layer"], ParityLinesModel.encoderLastLayer)
        XCTAssertEqual(c.reportDirectory.lastPathComponent, "k3")
    }

    func testErrorsNameTheFileAndPath() {
        func message(_ text: String) -> String {
            do { _ = try CompareConfig.parse(text, fileName: "bad.yaml"); return "" } catch { return "\(error)" }
        }
        XCTAssertTrue(message("data: {name: parity-lines}\nstrategies: [end-to-end, step-by-stop]")
            .contains("strategies[1]"), message("data: {name: parity-lines}\nstrategies: [end-to-end, step-by-stop]"))
        XCTAssertTrue(message("data: {name: parity-lines}\nstrategies: [step-by-stop]").contains("did you mean 'step-by-step'"))
        XCTAssertTrue(message("data: {name: mnist}").contains("bad.yaml: data.name"), message("data: {name: mnist}"))
        XCTAssertTrue(message("data: {name: parity-lines}\nsteps: -3").contains("steps"))
        XCTAssertTrue(message("data: {name: parity-lines, k: 2}\nepochs: 3").contains("epochs"))
        XCTAssertTrue(message("data: {name: fashion-mnist}\nstrategies: [decomposition]").contains("intermediate targets"))
        XCTAssertTrue(message("data: {name: parity-lines}\nensemble: {bagging: true, lambda: 0.5}").contains("ensemble.lambda"))
        XCTAssertTrue(message("data: {name: parity-lines, train: 10}").contains("batch size 200 exceeds"))
    }

    func testTheShippedExamplesParse() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/compare")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertEqual(files, ["parity-lines-all-strategies.yaml", "parity-lines-k2.yaml"])
        for name in files {
            let c = try CompareConfig.load(contentsOf: folder.appendingPathComponent(name))
            XCTAssertFalse(try c.makeStrategies().isEmpty, name)
        }
        let all = try CompareConfig.load(contentsOf: folder.appendingPathComponent("parity-lines-all-strategies.yaml"))
        XCTAssertEqual(try all.makeStrategies().count, StrategyCatalog.all.count, "every strategy family")
    }
}
