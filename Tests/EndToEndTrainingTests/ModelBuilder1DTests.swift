import Foundation
import XCTest
import EndToEnd
import EndToEndNN
@testable import EndToEndTraining

/// `conv1d`, `maxpool1d`, `avgpool1d` and `global_avg_pool1d` in `model.layers`.
final class ModelBuilder1DTests: XCTestCase {
    let waveform = """
    data: {name: npy, inputs: x.npy, labels: y.npy, classes: 3, features: [1, 64]}
    optimizer: {type: adam}

    """

    func message(_ text: String, line: UInt = #line) -> String {
        do {
            _ = try TrainingConfig.parse(text, fileName: "config.yaml")
            XCTFail("expected a ConfigError", line: line)
            return ""
        } catch { return error.description }
    }

    func testA1DConvolutionalNetworkBuildsWithInferredSizesAndRuns() throws {
        let c = try TrainingConfig.parse(waveform + """
            model:
              layers:
                - {type: conv1d, out: 4, kernel_size: 8, stride: 2, padding: 1}
                - relu
                - {type: maxpool1d, kernel_size: 2}
                - {type: conv1d, out: 5, kernel_size: 3}
                - {type: avgpool1d, kernel_size: 3, stride: 2}
                - batchnorm1d
                - global_avg_pool1d
                - {type: linear, out: 3}
            """)
        XCTAssertEqual(c.model.layers[0], .conv1d(inChannels: nil, out: 4, kernelSize: 8, stride: 2, padding: 1, bias: true))
        XCTAssertEqual(c.model.layers[2], .maxPool1d(kernelSize: 2, stride: nil, padding: 0))
        XCTAssertEqual(c.model.layers[4], .avgPool1d(kernelSize: 3, stride: 2, padding: 0))
        XCTAssertEqual(c.model.layers[6], .globalAvgPool1d)
        Random.seed(3)
        let model = try c.buildModel()
        // 64 → conv (64 + 2 − 8)/2 + 1 = 30 → pool 15 → conv 13 → avg (13 − 3)/2 + 1 = 6 → mean.
        let x = Initializer.uniform([2, 1, 64], bound: 1)
        XCTAssertEqual(model(x).shape, [2, 3])
        let conv = try XCTUnwrap((model as? ConfiguredModel)?.layers.first as? Conv1d)
        XCTAssertEqual(conv.weight.value.shape, [4, 1, 8])
        // The layers compute what the ops compute.
        let seq = try XCTUnwrap(model as? ConfiguredModel)
        let h = seq.layers[0](x)
        XCTAssertEqual(h.scalars, x.conv1d(conv.weight.value, bias: conv.bias?.value, stride: 2, padding: 1).scalars)
        XCTAssertEqual(seq.layers[2](h).scalars, h.maxPool1d(kernelSize: 2).scalars)
        XCTAssertEqual(GlobalAvgPool1d()(h).scalars, h.mean(axis: 2).scalars)
        XCTAssertEqual(AvgPool1d(3, stride: 2)(h).shape, [2, 4, 14])
    }

    func testShapeErrorsNameTheLayer() {
        let image = "data: {name: fashion-mnist}\noptimizer: {type: adam}\nmodel:\n  layers:\n"
        let m = message(image + "    - {type: conv1d, out: 4, kernel_size: 3}\n")
        XCTAssertTrue(m.contains("model.layers[0]: conv1d needs [channels, length] input but the data produces shape [1, 28, 28]"), m)
        let long = message(waveform + "model:\n  layers:\n    - {type: conv1d, out: 4, kernel_size: 65}\n")
        XCTAssertTrue(long.contains("model.layers[0].kernel_size: kernel 65 is longer than the padded length 64"), long)
        let channels = message(waveform + "model:\n  layers:\n    - {type: conv1d, in: 2, out: 4, kernel_size: 3}\n")
        XCTAssertTrue(channels.contains("model.layers[0].in: conv1d expects 2 input channels but the data produces 1"), channels)
        let pool = message(waveform + "model:\n  layers:\n    - {type: maxpool1d, kernel_size: 100}\n")
        XCTAssertTrue(pool.contains("model.layers[0].kernel_size: pool 100 is longer than the length 64"), pool)
        let flat = message(waveform + "model:\n  layers:\n    - flatten\n    - global_avg_pool1d\n")
        XCTAssertTrue(flat.contains("model.layers[1]: global_avg_pool1d needs [channels, length] input, got [64]"), flat)
        let key = message(waveform + "model:\n  layers:\n    - {type: maxpool1d, kernel_size: 2, out: 3}\n")
        XCTAssertTrue(key.contains("not a setting of layer 'maxpool1d'"), key)
    }
}
