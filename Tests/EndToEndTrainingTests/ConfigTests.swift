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
}
