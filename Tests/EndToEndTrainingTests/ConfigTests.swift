import Foundation
import XCTest
import EndToEnd
import EndToEndNN
import EndToEndData
@testable import EndToEndTraining

final class ConfigTests: XCTestCase {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("examples")

    func load(_ name: String) throws -> TrainingConfig {
        try TrainingConfig.load(contentsOf: Self.examples.appendingPathComponent(name))
    }

    /// The error message from parsing `text` (fails the test if it parses).
    func message(_ text: String, file: String = "config.yaml", line: UInt = #line) -> String {
        do {
            _ = try TrainingConfig.parse(text, fileName: file)
            XCTFail("expected a ConfigError", line: line)
            return ""
        } catch { return error.description }
    }

    let base = """
    data: {name: spirals, points: 100}
    optimizer: {type: sgd, lr: 0.1}

    """

    func testFashionMNISTMLPExample() throws {
        let c = try load("fashion-mnist-mlp.yaml")
        XCTAssertEqual(c.data.name, .fashionMNIST)
        XCTAssertEqual(c.data.batchSize, 128)
        XCTAssertEqual(c.epochs, 5)
        XCTAssertEqual(c.seed, 0)
        XCTAssertEqual(c.optimizer.kind, .sgd)
        XCTAssertEqual(c.optimizer.lr, 0.05)
        XCTAssertEqual(c.optimizer.momentum, 0.9)
        XCTAssertEqual(c.loss.kind, .crossEntropy)
        let model = try c.buildModel()
        XCTAssertEqual(model.parameterCount, 535_818)
        let out = model(Tensor.zeros([2, 1, 28, 28]))
        XCTAssertEqual(out.shape, [2, 10])
        let opt = ModelBuilder.optimizer(c.optimizer, parameters: model.parameters())
        XCTAssertTrue(opt is SGD)
        let loss = ModelBuilder.loss(c.loss)
        let l = loss(out, Batch(inputs: Tensor.zeros([2, 1, 28, 28]), labels: IntTensor([0, 3] as [Int]), indices: [0, 1]))
        XCTAssertEqual(l.shape, [Int]())
    }

    func testFashionMNISTCNNExample() throws {
        let c = try load("fashion-mnist-cnn.yaml")
        XCTAssertEqual(c.optimizer.kind, .adam)
        XCTAssertEqual(c.optimizer.lr, 1e-3)
        XCTAssertEqual(c.data.batchSize, 64)
        XCTAssertEqual(c.epochs, 1)
        let model = try c.buildModel()
        XCTAssertEqual(model.parameterCount, 832 + 51_264 + 131_200 + 1_290)
        XCTAssertEqual(model(Tensor.zeros([1, 1, 28, 28])).shape, [1, 10])
    }

    func testSpiralsExample() throws {
        let c = try load("spirals-mlp.json")
        XCTAssertEqual(c.data.name, .spirals)
        XCTAssertEqual(c.data.validation, 0.2)
        XCTAssertEqual(c.metrics, ["accuracy", "f1_macro"])
        XCTAssertEqual(c.earlyStopping?.patience, 10)
        let model = try c.buildModel()
        XCTAssertEqual(model.parameterCount, 2 * 32 + 32 + 32 * 32 + 32 + 32 * 2 + 2)
        let opt = ModelBuilder.optimizer(c.optimizer, parameters: model.parameters())
        guard case .scheduler(_, let per) = ModelBuilder.schedule(c.schedule!, optimizer: opt, totalSteps: 30) else {
            return XCTFail("expected a scheduler")
        }
        XCTAssertEqual(per, .epoch)
    }

    func testJSONAndYAMLAgree() throws {
        let yaml = try TrainingConfig.parse(base + "model: {architecture: mlp, hidden: [8], out: 2}\n", fileName: "a.yaml")
        let json = try TrainingConfig.parse(#"{"data": {"name": "spirals", "points": 100}, "optimizer": {"type": "sgd", "lr": 0.1}, "model": {"architecture": "mlp", "hidden": [8], "out": 2}}"#, fileName: "a.json")
        XCTAssertEqual(yaml.model.layers, json.model.layers)
        XCTAssertEqual(try yaml.buildModel().parameterCount, 2 * 8 + 8 + 8 * 2 + 2)
        // Sniffed without an extension.
        XCTAssertEqual(ConfigFormat.detect(fileName: "cfg", text: "  {\"a\": 1}"), .json)
        XCTAssertEqual(ConfigFormat.detect(fileName: "cfg", text: "a: 1"), .yaml)
    }

    func testUnknownLayer() {
        let m = message(base + """
        model:
          layers:
            - {type: linear, out: 8}
            - relu
            - {type: conv3d, out: 4}
        """)
        XCTAssertTrue(m.hasPrefix("config.yaml: model.layers[2].type: unknown layer 'conv3d'; expected one of linear, conv2d,"), m)
        XCTAssertTrue(m.contains("(line 7)"), m)
    }

    func testWrongType() {
        let m = message("""
        data: {name: spirals, points: 100}
        optimizer: {type: sgd, lr: "fast"}
        model: {architecture: mlp, out: 2}
        """)
        XCTAssertTrue(m.hasPrefix(#"config.yaml: optimizer.lr: expected a positive number, got "fast""#), m)
        let plain = message("data: {name: spirals, points: 100}\noptimizer: {type: sgd, lr: fast}\nmodel: {architecture: mlp, out: 2}\n")
        XCTAssertTrue(plain.contains(#"optimizer.lr: expected a positive number, got "fast""#), plain)
        let negative = message("data: {name: spirals, points: 100}\noptimizer: {type: sgd, lr: -1}\nmodel: {architecture: mlp, out: 2}\n")
        XCTAssertTrue(negative.contains("optimizer.lr: expected a positive number, got -1"), negative)
        let batch = message("data: {name: spirals, points: 100, batch_size: 2.5}\noptimizer: {type: sgd, lr: 1}\nmodel: {architecture: mlp, out: 2}\n")
        XCTAssertTrue(batch.contains("data.batch_size: expected a positive integer, got 2.5"), batch)
    }

    func testMissingField() {
        let m = message("data: {points: 100}\noptimizer: {type: sgd, lr: 0.1}\nmodel: {architecture: mlp, out: 2}\n")
        XCTAssertTrue(m.hasPrefix("config.yaml: data: missing required field 'name'"), m)
        let sgd = message("data: {name: spirals}\noptimizer: {type: sgd}\nmodel: {architecture: mlp, out: 2}\n")
        XCTAssertTrue(sgd.hasPrefix("config.yaml: optimizer: missing required field 'lr'"), sgd)
        let top = message("data: {name: spirals}\nmodel: {architecture: mlp, out: 2}\n")
        XCTAssertTrue(top.hasPrefix("config.yaml: missing required field 'optimizer'"), top)
    }

    func testUnknownKeyWithSuggestion() {
        let m = message(base + "model: {architecture: mlp, out: 2}\nepohcs: 3\n")
        XCTAssertTrue(m.hasPrefix("config.yaml: epohcs: unknown key 'epohcs'; did you mean 'epochs'?"), m)
        let nested = message("data: {name: spirals}\noptimizer: {type: sgd, lr: 0.1, momentun: 0.9}\nmodel: {architecture: mlp, out: 2}\n")
        XCTAssertTrue(nested.contains("optimizer.momentun: unknown key 'momentun'; did you mean 'momentum'?"), nested)
        let json = message(#"{"data": {"name": "spirals", "batchsize": 4}, "optimizer": {"type": "sgd", "lr": 0.1}, "model": {"architecture": "mlp", "out": 2}}"#, file: "c.json")
        XCTAssertTrue(json.hasPrefix("c.json: data.batchsize: unknown key 'batchsize'; did you mean 'batch_size'?"), json)
        let layerKey = message(base + "model:\n  layers:\n    - {type: linear, out: 2, kernel_size: 3}\n")
        XCTAssertTrue(layerKey.contains("model.layers[0].kernel_size: not a setting of layer 'linear'"), layerKey)
    }

    func testBadYAMLSyntax() {
        let m = message("data:\n  name: spirals\n  points: [1, 2\noptimizer: {type: sgd}\n")
        XCTAssertTrue(m.hasPrefix("config.yaml: invalid YAML at line "), m)
        let m2 = message("data:\n  name: spirals\n bad: : x\n")
        XCTAssertTrue(m2.contains("invalid YAML at line 3"), m2)
        let j = message("{\"data\": ", file: "c.json")
        XCTAssertTrue(j.hasPrefix("c.json: invalid JSON"), j)
    }

    func testIncompatibleLayerSizes() {
        let m = message(base + """
        model:
          layers:
            - {type: linear, out: 16}
            - relu
            - {type: linear, in: 32, out: 2}
        """)
        XCTAssertTrue(m.hasPrefix("config.yaml: model.layers[2].in: linear expects 32 input features but the previous layer produces 16"), m)
        let data = message(base + "model:\n  layers:\n    - {type: linear, in: 3, out: 2}\n")
        XCTAssertTrue(data.contains("model.layers[0].in: linear expects 3 input features but the data produces 2"), data)
        let classes = message(base + "model:\n  layers:\n    - {type: linear, out: 5}\n")
        XCTAssertTrue(classes.contains("model.layers[0].out: the model produces 5 outputs but data 'spirals' has 2 classes"), classes)
        let conv = message("data: {name: fashion-mnist}\noptimizer: {type: adam}\nmodel:\n  layers:\n    - {type: conv2d, out: 4, kernel_size: 3}\n    - flatten\n    - {type: linear, in: 100, out: 10}\n")
        XCTAssertTrue(conv.contains("model.layers[2].in: linear expects 100 input features but the previous layer produces 2704"), conv)
    }

    func testOtherChecks() throws {
        let nesterov = message("data: {name: spirals}\noptimizer: {type: sgd, lr: 0.1, nesterov: true}\nmodel: {architecture: mlp, out: 2}\n")
        XCTAssertTrue(nesterov.contains("optimizer.nesterov: Nesterov momentum needs momentum > 0"), nesterov)
        let metric = message(base + "model: {architecture: mlp, out: 2}\nmetrics: [acuracy]\n")
        XCTAssertTrue(metric.contains("metrics[0]: unknown metric 'acuracy'"), metric)
        XCTAssertTrue(metric.contains("did you mean 'accuracy'?"), metric)
        let both = message(base + "model: {architecture: mlp, out: 2}\nepochs: 2\nsteps: 10\n")
        XCTAssertTrue(both.contains("give either 'epochs' or 'steps'"), both)
        let c = try TrainingConfig.parse((base + """
        model: {architecture: cnn, channels: [4], kernel_size: 3, hidden: [8], out: 10}
        schedule: {type: onecycle}
        """).replacingOccurrences(of: "spirals, points: 100", with: "fashion-mnist"), fileName: "x.yml")
        let model = try c.buildModel()
        XCTAssertEqual(model(Tensor.zeros([1, 1, 28, 28])).shape, [1, 10])
        XCTAssertEqual(c.schedule?.per, .step)
        XCTAssertEqual(c.output.directory, "reports/fashion-mnist")
    }

    /// Every configuration in examples/ parses, validates and builds a model that accepts
    /// one example of its data's shape.
    func testEveryExampleParsesAndBuilds() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.examples.path)
            .filter { ["json", "yaml", "yml"].contains(URL(fileURLWithPath: $0).pathExtension) }.sorted()
        XCTAssertGreaterThanOrEqual(files.count, 3)
        for file in files {
            let c = try load(file)
            Random.seed(0)
            let model = try c.buildModel()
            let shape = try XCTUnwrap(c.data.featureShape, file)
            model.eval()
            let out = model(Tensor.zeros([2] + shape))
            XCTAssertEqual(out.shape, [2, try XCTUnwrap(c.data.classes, file)], file)
        }
    }

    let sequences = """
    data: {name: npy, inputs: x.npy, labels: y.npy, classes: 3, features: [5, 4]}
    optimizer: {type: adam}

    """

    func testRecurrentLayers() throws {
        for type in ["lstm", "gru", "rnn"] {
            let c = try TrainingConfig.parse(sequences + "model:\n  layers:\n    - {type: \(type), hidden: 6}\n    - {type: linear, out: 3}\n")
            Random.seed(1)
            let model = try c.buildModel()
            let x = Initializer.uniform([2, 5, 4], bound: 1)
            XCTAssertEqual(model(x).shape, [2, 3], type)
            // return: last is the last step of the whole sequence.
            let seq = try TrainingConfig.parse(sequences + """
                model:
                  layers:
                    - {type: \(type), hidden: 6, return: sequence, num_layers: 2, dropout: 0.1}
                    - {type: linear, out: 3}
                """)
            Random.seed(1)
            let seqModel = try seq.buildModel()
            seqModel.eval()
            XCTAssertEqual(seqModel(x).shape, [2, 5, 3], type)
        }
        // The last step of `return: sequence` equals `return: last` with the same weights.
        let last = try TrainingConfig.parse(sequences + "model:\n  layers:\n    - {type: gru, hidden: 6}\n    - {type: linear, out: 3}\n")
        let all = try TrainingConfig.parse(sequences + "model:\n  layers:\n    - {type: gru, hidden: 6, return: sequence}\n    - {type: linear, out: 3}\n")
        Random.seed(2); let a = try last.buildModel()
        Random.seed(2); let b = try all.buildModel()
        let x = Initializer.uniform([3, 5, 4], bound: 1)
        XCTAssertEqual(a(x).scalars, b(x).selecting(axis: 1, 4).scalars)
        XCTAssertEqual(a.parameters().map(\.value.scalars), b.parameters().map(\.value.scalars))
        XCTAssertTrue(a.stateDict().map(\.0).contains("0.weight_ih_l0"), "\(a.stateDict().map(\.0))")
        // RNN with ReLU.
        let relu = try TrainingConfig.parse(sequences + "model:\n  layers:\n    - {type: rnn, hidden: 3, nonlinearity: relu}\n")
        guard case .recurrent(let cell, _, _, _, _, _, _) = relu.model.layers[0] else { return XCTFail("not recurrent") }
        XCTAssertEqual(cell, .rnnReLU)
    }

    func testEmbeddingThenLSTM() throws {
        let c = try TrainingConfig.parse("""
            data: {name: npy, inputs: x.npy, labels: y.npy, classes: 2, features: [7]}
            optimizer: {type: adam}
            model:
              layers:
                - {type: embedding, count: 20, dim: 8}
                - {type: lstm, hidden: 5}
                - {type: linear, out: 2}
            """)
        Random.seed(3)
        let model = try c.buildModel()
        let ids = Tensor(shape: [2, 7], scalars: (0..<14).map { Float($0 % 20) })
        XCTAssertEqual(model(ids).shape, [2, 2])
        XCTAssertEqual(model.parameterCount, 20 * 8 + 4 * 5 * (8 + 5) + 2 * 4 * 5 + 5 * 2 + 2)
    }

    func testRecurrentErrorsNameTheField() {
        let flat = message(base + "model:\n  layers:\n    - {type: lstm, hidden: 4}\n")
        XCTAssertTrue(flat.contains("model.layers[0]: lstm needs [steps, features] input but the data produces shape [2]"), flat)
        let inMismatch = message(sequences + "model:\n  layers:\n    - {type: gru, in: 3, hidden: 4}\n    - {type: linear, out: 3}\n")
        XCTAssertTrue(inMismatch.contains("model.layers[0].in: gru expects 3 input features but the data produces 4"), inMismatch)
        let ret = message(sequences + "model:\n  layers:\n    - {type: lstm, hidden: 4, return: first}\n")
        XCTAssertTrue(ret.contains("model.layers[0].return:"), ret)
        let hidden = message(sequences + "model:\n  layers:\n    - {type: lstm}\n")
        XCTAssertTrue(hidden.contains("model.layers[0]") && hidden.contains("hidden"), hidden)
        let dropout = message(sequences + "model:\n  layers:\n    - {type: lstm, hidden: 4, dropout: 0.2}\n")
        XCTAssertTrue(dropout.contains("model.layers[0].dropout: dropout applies between stacked layers"), dropout)
        let nonlin = message(sequences + "model:\n  layers:\n    - {type: gru, hidden: 4, nonlinearity: relu}\n")
        XCTAssertTrue(nonlin.contains("model.layers[0].nonlinearity: not a setting of layer 'gru'"), nonlin)
        let emb = message(sequences + "model:\n  layers:\n    - {type: embedding, count: 0, dim: 4}\n")
        XCTAssertTrue(emb.contains("model.layers[0].count:"), emb)
        let classes = message(sequences + "model:\n  layers:\n    - {type: lstm, hidden: 4}\n")
        XCTAssertTrue(classes.contains("the model produces 4 outputs but data 'npy' has 3 classes"), classes)
    }
}
