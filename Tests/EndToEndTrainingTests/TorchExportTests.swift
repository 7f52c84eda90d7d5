import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndTraining
import Foundation
import XCTest

/// PyTorch state_dicts through the code paths of `e2e predict` and `e2e evaluate`, and
/// `e2e export --format torch` loaded strictly into PyTorch
/// (fixtures: scripts/make_interop_fixtures.py).
final class TorchExportTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/Interop")
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("torch-export-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: directory) }

    func fixture(_ name: String) -> URL { Self.fixtures.appendingPathComponent(name) }

    /// A fixture config with its data paths made absolute.
    func config(_ name: String) throws -> TrainingConfig {
        let text = try String(contentsOf: fixture(name + ".yaml"), encoding: .utf8)
        return try TrainingConfig.parse(text.replacingOccurrences(of: "FIXTURES/", with: Self.fixtures.path + "/"), fileName: name + ".yaml")
    }

    func assertClose(_ a: Tensor, _ b: Tensor, _ what: String, tolerance: Float = 1e-4, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.shape, b.shape, what, file: file, line: line)
        let worst = zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? .infinity
        XCTAssertLessThanOrEqual(worst, tolerance, "\(what): max difference \(worst)", file: file, line: line)
    }

    /// PyTorch's MLP, CNN with batch norm and LSTM classifier give PyTorch's outputs through
    /// `Predictor` (e2e predict), in both layouts (plain names and `model.`-prefixed), and
    /// evaluate through `ModelEvaluation` (e2e evaluate).
    func testPyTorchStateDictsPredictLikePyTorch() throws {
        for name in ["mlp", "cnn", "lstm"] {
            let c = try config(name)
            let x = try NPY.read(fixture(name + "-inputs.npy"))
            let expected = try NPY.read(fixture(name + "-outputs.npy"))
            let prefixed = directory.appendingPathComponent(name + "-prefixed.safetensors")
            let (tensors, _) = try SafeTensors.read(contentsOf: fixture(name + ".safetensors"))
            try SafeTensors.write(tensors.keys.sorted().map { ("model." + $0, tensors[$0]!) }, to: prefixed)
            for weights in [fixture(name + ".safetensors"), prefixed] {
                let p = try Predictor(config: c, checkpoint: weights).predict(x, batchSize: 4)
                assertClose(p.outputs, expected, "\(name) \(weights.lastPathComponent)")
                assertClose(p.probabilities!, expected.softmax(axis: -1), "\(name) probabilities")
            }
            let model = try c.buildModel()
            try Predictor.loadWeights(into: model, from: fixture(name + ".safetensors"))
            let result = try ModelEvaluation.evaluate(model, config: c, data: try c.buildData())
            XCTAssertGreaterThan(result.examples, 0, name)
            XCTAssertNotNil(result.metrics[result.split + "_accuracy"], name)
        }
    }

    /// A transformer encoder layer's state_dict through the Swift API's `load(from:)`.
    func testTransformerEncoderLayerLoadsLikePyTorch() throws {
        let layer = TransformerEncoderLayer(dModel: 8, numHeads: 2, feedForward: 16, dropout: 0.1)
        try layer.load(from: fixture("transformer.safetensors"))
        layer.eval()
        let y = withNoGrad { layer(try! NPY.read(fixture("transformer-inputs.npy"))) }
        assertClose(y, try NPY.read(fixture("transformer-outputs.npy")), "transformer")
    }

    /// What an EndToEnd model exports loads strictly into the generated PyTorch model and
    /// gives `e2e predict`'s outputs, and a transformer encoder layer saved with
    /// `save(to:)` loads strictly into `nn.TransformerEncoderLayer` with the same outputs
    /// (needs PyTorch: skipped without it).
    func testExportLoadsStrictlyIntoPyTorch() throws {
        let python = try PythonSupport.interpreter(importing: ["torch", "safetensors", "numpy"])
        let misc = """
            data: {name: npy, inputs: x.npy, labels: y.npy, classes: 3, features: [6]}
            model:
              layers:
                - {type: embedding, count: 10, dim: 4}
                - {type: gru, hidden: 5, return: sequence}
                - {type: layernorm}
                - {type: gelu}
                - {type: rnn, hidden: 4, nonlinearity: relu}
                - {type: batchnorm1d}
                - {type: leaky_relu, negative_slope: 0.2}
                - {type: linear, out: 3, bias: false}
            optimizer: {type: sgd, lr: 0.1}
            """
        // The 1-D layers (app-voice's conv1d and pools).
        let oneD = """
            data: {name: npy, inputs: x.npy, labels: y.npy, classes: 3, features: [2, 20]}
            model:
              layers:
                - {type: conv1d, out: 4, kernel_size: 5, stride: 2, padding: 2}
                - relu
                - {type: maxpool1d, kernel_size: 3, stride: 1, padding: 1}
                - {type: conv1d, out: 3, kernel_size: 3, bias: false}
                - batchnorm1d
                - {type: avgpool1d, kernel_size: 2, padding: 1}
                - global_avg_pool1d
                - {type: linear, out: 3}
            optimizer: {type: sgd, lr: 0.1}
            """
        var cases: [(String, TrainingConfig, Tensor)] = []
        for name in ["mlp", "cnn", "lstm"] { cases.append((name, try config(name), try NPY.read(fixture(name + "-inputs.npy")))) }
        cases.append(("misc", try TrainingConfig.parse(misc, fileName: "misc.yaml"),
                      Tensor(shape: [4, 6], scalars: (0..<24).map { Float(($0 * 7) % 10) })))
        cases.append(("one-d", try TrainingConfig.parse(oneD, fileName: "one-d.yaml"),
                      Tensor(shape: [4, 2, 20], scalars: (0..<160).map { Float(($0 * 37) % 23) / 11 - 1 })))
        var checks: [String] = []
        for (i, (name, c, x)) in cases.enumerated() {
            // EndToEnd's own weights (seeded init; batch-norm statistics from a few training passes).
            Random.seed(UInt64(10 + i))
            let model = try c.buildModel()
            withNoGrad { for _ in 0..<3 { _ = model(x) } }
            let checkpoint = directory.appendingPathComponent(name + "-e2e.safetensors")
            try Checkpoint.save(model: model, to: checkpoint)
            let outputs = try Predictor(config: c, checkpoint: checkpoint).predict(x).outputs
            let loaded = try c.buildModel()
            try Predictor.loadWeights(into: loaded, from: checkpoint)
            let written = try TorchExport.write(model: loaded, config: c, to: directory.appendingPathComponent(name + ".safetensors"))
            XCTAssertEqual(written.source.lastPathComponent, name + ".py")
            let inputs = directory.appendingPathComponent(name + "-x.npy"), expected = directory.appendingPathComponent(name + "-y.npy")
            try NPY.write(x, to: inputs)
            try NPY.write(outputs, to: expected)
            checks += [written.source.path, written.weights.path, inputs.path, expected.path]
        }
        // A transformer encoder layer (no config layer type) saved through the Swift API.
        Random.seed(20)
        let layer = TransformerEncoderLayer(dModel: 8, numHeads: 2, feedForward: 16, dropout: 0.1)
        layer.eval()
        let tx = try NPY.read(fixture("transformer-inputs.npy"))
        let files = ["py", "safetensors", "x.npy", "y.npy"].map { directory.appendingPathComponent("transformer." + $0) }
        try layer.save(to: files[1])
        try NPY.write(tx, to: files[2])
        try NPY.write(withNoGrad { layer(tx) }, to: files[3])
        try Data("""
            from torch import nn
            def build_model():
                return nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, dropout=0.1, batch_first=True)

            """.utf8).write(to: files[0])
        checks += files.map(\.path)
        // One Python process for all cases (importing torch takes seconds).
        let script = PythonSupport.repository.appendingPathComponent("scripts/check_torch_export.py").path
        let r = try PythonSupport.run(python, [script, "--tolerance", "1e-4"] + checks)
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertEqual(r.output.components(separatedBy: "strict load ok").count - 1, cases.count + 1, r.output)
    }

    /// The "done when": PyTorch nn.Sequential state_dicts of the architectures of
    /// examples/fashion-mnist-{mlp,cnn}.yaml, trained briefly in PyTorch, give PyTorch's test
    /// accuracy (2e-4) and probabilities (1e-4) through e2e evaluate's and e2e predict's
    /// code paths (needs PyTorch and Fashion-MNIST: skipped without them). The CNN's 10,000
    /// test images take about a minute in a debug build, so by default it predicts the first
    /// 100 (probabilities and classes against PyTorch's); E2E_INTEROP_FULL=1 also evaluates
    /// its accuracy on all 10,000 and on the first 1,000 through the predict path.
    func testFashionMNISTStateDictsEvaluateAndPredictLikePyTorch() throws {
        let data = URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist")
        let images = data.appendingPathComponent("t10k-images-idx3-ubyte.gz")
        guard FileManager.default.fileExists(atPath: images.path) else { throw XCTSkip("Fashion-MNIST is not installed") }
        let python = try PythonSupport.interpreter(importing: ["torch", "safetensors", "numpy"])
        let script = PythonSupport.repository.appendingPathComponent("scripts/make_interop_fixtures.py").path
        let r = try PythonSupport.run(python, [script, "fashion", directory.path, "200"])
        XCTAssertEqual(r.status, 0, r.output)
        struct Expected: Decodable {
            struct Model: Decodable { let test_accuracy: Double; let first_1000_accuracy: Double; let probabilities: [[Float]] }
            let mlp: Model, cnn: Model
        }
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: directory.appendingPathComponent("fashion-mnist.json")))
        let full = ProcessInfo.processInfo.environment["E2E_INTEROP_FULL"] == "1"
        let labels = try IDX.read(contentsOf: data.appendingPathComponent("t10k-labels-idx1-ubyte.gz")).integerValues().map { Int($0) }
        for (name, torch) in [("mlp", expected.mlp), ("cnn", expected.cnn)] {
            let c = try TrainingConfig.load(contentsOf: PythonSupport.repository.appendingPathComponent("examples/fashion-mnist-\(name).yaml"))
            let weights = directory.appendingPathComponent("fashion-mnist-\(name).safetensors")
            if name == "mlp" || full {
                let model = try c.buildModel()
                try Predictor.loadWeights(into: model, from: weights)
                let evaluation = try ModelEvaluation.evaluate(model, config: c, data: try c.buildData())
                XCTAssertEqual(evaluation.split, "test")
                XCTAssertEqual(evaluation.examples, 10_000)
                XCTAssertEqual(evaluation.metrics["test_accuracy"]!, torch.test_accuracy, accuracy: 2e-4, name)
            }
            let predictor = try Predictor(config: c, checkpoint: weights)
            let x = try PredictionInput.read(images, expectedShape: predictor.inputShape, scaleBytes: true)
            let count = name == "mlp" || full ? 1000 : 100
            let p = try predictor.predict(x[0..<count])
            assertClose(p.probabilities![0..<100], Tensor(shape: [100, 10], scalars: torch.probabilities.flatMap { $0 }), "\(name) probabilities")
            let torchClasses = torch.probabilities.map { row in row.indices.max { row[$0] < row[$1] }! }
            XCTAssertEqual(Array(p.classes!.prefix(100)), torchClasses, name)
            if count == 1000 {
                let correct = zip(p.classes!, labels.prefix(1000)).filter { $0 == $1 }.count
                XCTAssertEqual(Double(correct) / 1000, torch.first_1000_accuracy, accuracy: 2e-4, name)
            }
        }
    }
}
