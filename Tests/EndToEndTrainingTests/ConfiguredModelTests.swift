import EndToEnd
import EndToEndNN
@testable import EndToEndTraining
import Foundation
import XCTest

final class ConfiguredModelTests: XCTestCase {
    func parse(_ layers: String, features: String = "[2, 4]") throws -> TrainingConfig {
        try TrainingConfig.parse("data: {name: npy, inputs: x.npy, labels: y.npy, classes: 3, features: \(features)}\nmodel:\n  layers:\n"
                                 + layers + "optimizer: {type: sgd, lr: 0.1}\n", fileName: "t.yaml")
    }

    func temp(_ name: String) -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("configured-model-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir.appendingPathComponent(name)
    }

    /// The implicit flatten and `return: last` add no modules: names are nn.Sequential's.
    func testNamesAreTorchSequentialNames() throws {
        let c = try parse("    - {type: linear, out: 6}\n    - relu\n    - {type: linear, out: 3}\n")
        let model = try c.buildModel()
        XCTAssertEqual(model.stateDict().map(\.0), ["0.weight", "0.bias", "2.weight", "2.bias"])
        XCTAssertEqual(model(Tensor.zeros([5, 2, 4])).shape, [5, 3])
        let r = try parse("    - {type: lstm, hidden: 4}\n    - {type: linear, out: 3}\n", features: "[5, 2]")
        let rnn = try r.buildModel()
        XCTAssertEqual(rnn.stateDict().map(\.0), ["0.weight_ih_l0", "0.weight_hh_l0", "0.bias_ih_l0", "0.bias_hh_l0", "1.weight", "1.bias"])
        XCTAssertEqual(rnn(Tensor.zeros([2, 5, 2])).shape, [2, 3])
    }

    /// Files written before PyTorch's names (`layers.1.weight`: a Flatten module first,
    /// a LastTimeStep after the LSTM) still load, as training checkpoints and model files.
    func testLegacyNamesStillLoad() throws {
        let c = try parse("    - {type: linear, out: 6}\n    - relu\n    - {type: linear, out: 3}\n")
        Random.seed(1)
        let a = try c.buildModel()
        let legacy = a.stateDict().map { (name: String, t: Tensor) -> (String, Tensor) in
            let dot = name.firstIndex(of: ".")!
            return ("layers.\(Int(name[..<dot])! + 1)" + name[dot...], t)
        }
        XCTAssertEqual(legacy.map(\.0).first, "layers.1.weight")
        let file = temp("legacy.safetensors")
        try SafeTensors.write(legacy.map { ("model." + $0.0, $0.1) }, metadata: ["format": "endtoend.checkpoint.v1"], to: file)
        Random.seed(2)
        let b = try c.buildModel()
        try Predictor.loadWeights(into: b, from: file)
        XCTAssertEqual(b.stateDict().map(\.1.scalars), a.stateDict().map(\.1.scalars))

        // LSTM then linear: the linear was `layers.2` (after the LastTimeStep module).
        let r = try parse("    - {type: lstm, hidden: 4}\n    - {type: linear, out: 3}\n", features: "[5, 2]")
        let model = try r.buildModel() as! ConfiguredModel
        XCTAssertEqual(model.stateDictName(forSaved: "layers.0.weight_ih_l0"), "0.weight_ih_l0")
        XCTAssertEqual(model.stateDictName(forSaved: "layers.2.weight"), "1.weight")
        XCTAssertEqual(model.stateDictName(forSaved: "2.weight"), "2.weight")
    }

    /// A PyTorch state_dict loads with and without a `model.`-style prefix; a mismatch
    /// throws one table with both sides' names and shapes, and changes nothing.
    func testPrefixLayoutsAndMismatchTable() throws {
        let c = try parse("    - {type: linear, out: 6}\n    - relu\n    - {type: linear, out: 3}\n")
        Random.seed(3)
        let source = try c.buildModel()
        for prefix in ["", "model.", "module.", "model.module."] {
            let file = temp("plain.safetensors")
            try SafeTensors.write(source.stateDict().map { (prefix + $0.0, $0.1) }, metadata: ["format": "pt"], to: file)
            Random.seed(4)
            let m = try c.buildModel()
            try m.load(from: file)
            XCTAssertEqual(m.stateDict().map(\.1.scalars), source.stateDict().map(\.1.scalars), prefix)
        }
        let bad = temp("bad.safetensors")
        try SafeTensors.write([("model.0.weight", Tensor.zeros([6, 8])), ("model.0.bias", Tensor.zeros([5])),
                               ("model.2.weight", Tensor.zeros([3, 6])), ("model.3.bias", Tensor.zeros([3]))], to: bad)
        let m = try c.buildModel()
        let before = m.stateDict().map(\.1.scalars)
        XCTAssertThrowsError(try Predictor.loadWeights(into: m, from: bad)) { e in
            let text = "\(e)"
            let lines = text.split(separator: "\n").map(String.init)
            XCTAssertEqual(lines.dropFirst().first?.split(separator: " ", omittingEmptySubsequences: true), ["model", "shape", "file", "shape"], text)
            for row in ["ok 0.weight [6, 8] model.0.weight [6, 8]", "SHAPE 0.bias [6] model.0.bias [5]", "MISSING 2.bias [3] -",
                        "UNEXPECTED - model.3.bias [3]"] {
                XCTAssertTrue(lines.contains { $0.split(separator: " ").joined(separator: " ") == row }, "no row '\(row)' in\n\(text)")
            }
        }
        XCTAssertEqual(m.stateDict().map(\.1.scalars), before)
    }

    /// `model.init_from` starts training from a file's weights; a bad file is an error naming the key.
    func testInitFrom() throws {
        Random.seed(5)
        let c = try parse("    - {type: linear, out: 6}\n    - relu\n    - {type: linear, out: 3}\n")
        let source = try c.buildModel()
        let file = temp("init.safetensors")
        try SafeTensors.write(source.stateDict().map { ("model." + $0.0, $0.1) }, to: file)
        var d = try TrainingConfig.parse("data: {name: npy, inputs: x.npy, labels: y.npy, classes: 3, features: [2, 4]}\nmodel:\n  init_from: \(file.path)\n  layers:\n    - {type: linear, out: 6}\n    - relu\n    - {type: linear, out: 3}\noptimizer: {type: sgd, lr: 0.1}\n", fileName: "t.yaml")
        XCTAssertEqual(d.model.initFrom, file.path)
        XCTAssertEqual(try d.buildInitialModel().stateDict().map(\.1.scalars), source.stateDict().map(\.1.scalars))
        d.model.initFrom = temp("absent.safetensors").path
        XCTAssertThrowsError(try d.buildInitialModel()) { e in XCTAssertTrue("\(e)".contains("model.init_from"), "\(e)") }
        XCTAssertThrowsError(try TrainingConfig.parse("data: {name: spirals}\nmodel: {init_from: 3, architecture: mlp, out: 2}\noptimizer: {type: sgd, lr: 0.1}\n"))
    }
}
