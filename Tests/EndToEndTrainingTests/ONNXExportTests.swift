import XCTest
import Foundation
import EndToEnd
import EndToEndNN
import EndToEndData
@testable import EndToEndTraining

/// ONNX export of config-built and hand-built models, checked by onnx.checker and run in
/// onnxruntime against EndToEnd's own outputs (the `Predictor` that `e2e predict` uses).
final class ONNXExportTests: XCTestCase {
    func tempDir() -> URL {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("onnx-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: u) }
        return u
    }

    /// Uniform inputs in ±2 (wide enough to reach every activation's curved parts).
    static func uniform(_ shape: [Int]) -> Tensor { Initializer.uniform(shape, bound: 2) }

    /// Whole-number ids in `0..<count`, as floats (what an embedding layer reads).
    static func ids(_ shape: [Int], count: Int) -> Tensor {
        Tensor(shape: shape, scalars: Initializer.uniform(shape, bound: 1).scalars.map { Float(Int(($0 + 1) / 2 * Float(count)) % count) })
    }

    /// Builds `model` (YAML) for `features`-shaped data, moves its batch-norm statistics
    /// away from the identity with one training-mode pass, saves it, and has a `Predictor`
    /// load it back as `e2e predict` does; exports that model and predicts `batches`.
    func configRuns(_ name: String, features: [Int], model: String, loss: String = "cross_entropy",
                    transforms: String = "", batches: [Int] = [5], input: ([Int]) -> Tensor = uniform, in dir: URL) throws -> [ONNXRuntimeCheck.Run] {
        let yaml = """
            name: \(name)
            data: {name: npy, inputs: x.npy, labels: y.npy, features: \(features)\(transforms)}
            model: \(model)
            loss: \(loss)
            optimizer: {type: sgd, lr: 0.1}
            """
        let config = try TrainingConfig.parse(yaml, fileName: "\(name).yaml")
        Random.seed(11)
        let trained = try config.buildModel()
        withNoGrad { _ = trained(input([8] + features)) }   // training mode: updates running statistics
        return try exportedRuns(name, config: config, trained: trained, batches: batches, input: input, features: features, in: dir)
    }

    func exportedRuns(_ name: String, config: TrainingConfig, trained: Module, batches: [Int], input: ([Int]) -> Tensor,
                      features: [Int], in dir: URL) throws -> [ONNXRuntimeCheck.Run] {
        let checkpoint = dir.appendingPathComponent("\(name).safetensors")
        try trained.save(to: checkpoint)
        Random.seed(99)   // the predictor's fresh model starts from other weights
        let predictor = try Predictor(config: config, checkpoint: checkpoint)
        let onnx = dir.appendingPathComponent("\(name).onnx")
        try ONNXExport.write(config: config, model: predictor.model, to: onnx)
        return try batches.map { n in
            let x = input([n] + features)
            return ONNXRuntimeCheck.Run(name: "\(name) (batch \(n))", model: onnx, input: x, expected: try predictor.predict(x, batchSize: 3).outputs)
        }
    }

    /// A hand-built module tree, exported with ``ONNXExport/write(model:inputShape:normalize:to:)``
    /// and compared with its evaluation-mode forward pass.
    func moduleRun(_ name: String, _ model: Module, features: [Int], batch: Int = 4, in dir: URL) throws -> ONNXRuntimeCheck.Run {
        let onnx = dir.appendingPathComponent("\(name).onnx")
        model.eval()
        try ONNXExport.write(model: model, inputShape: features, to: onnx)
        let x = Self.uniform([batch] + features)
        return ONNXRuntimeCheck.Run(name: name, model: onnx, input: x, expected: withNoGrad { model(x) })
    }

    // MARK: against onnxruntime

    func testDenseLayersMatchOnnxRuntime() throws {
        _ = try ONNXRuntimeCheck.python()
        let dir = tempDir()
        var runs: [ONNXRuntimeCheck.Run] = []
        runs += try configRuns("gemm", features: [6], model: "{layers: [{type: linear, out: 8}, relu, {type: linear, out: 4, bias: false}]}",
                               batches: [1, 7], in: dir)
        runs += try configRuns("activations", features: [6], model: """
            {layers: [{type: linear, out: 8}, tanh, {type: linear, out: 8}, sigmoid, {type: linear, out: 8},
                      {type: leaky_relu, negative_slope: 0.2}, {type: linear, out: 8}, {type: dropout, p: 0.3}, identity,
                      {type: linear, out: 4}]}
            """, in: dir)
        runs += try configRuns("gelu-softplus", features: [6], model: """
            {layers: [{type: linear, out: 8}, gelu, {type: linear, out: 8}, {type: gelu, approximate: true},
                      {type: linear, out: 8}, {type: softplus, beta: 2, threshold: 1}, {type: linear, out: 8}, softplus,
                      {type: linear, out: 3}]}
            """, in: dir)
        runs += try configRuns("norms", features: [6], model: """
            {layers: [{type: linear, out: 8}, batchnorm1d, relu, {type: linear, out: 8}, layernorm, {type: linear, out: 3}]}
            """, in: dir)
        runs += try configRuns("mlp-architecture", features: [6],
                               model: "{architecture: mlp, hidden: [8, 8], batchnorm: true, dropout: 0.2, activation: gelu, out: 3}", in: dir)
        runs += try configRuns("regression", features: [6], model: "{layers: [{type: linear, out: 8}, tanh, {type: linear, out: 2}]}",
                               loss: "mse", in: dir)
        try ONNXRuntimeCheck.assertMatches(runs, in: dir)
    }

    func testConvolutionAndPoolingMatchOnnxRuntime() throws {
        _ = try ONNXRuntimeCheck.python()
        let dir = tempDir()
        var runs: [ONNXRuntimeCheck.Run] = []
        runs += try configRuns("conv-pools", features: [2, 9, 9], model: """
            {layers: [{type: conv2d, out: 4, kernel_size: 3, stride: 2, padding: 1}, relu,
                      {type: maxpool2d, kernel_size: 2, stride: 1, padding: 1}, {type: conv2d, out: 3, kernel_size: 2},
                      {type: avgpool2d, kernel_size: 2, padding: 1}, flatten, {type: linear, out: 3}]}
            """, in: dir)
        runs += try configRuns("conv-batchnorm-global", features: [3, 6, 6], model: """
            {layers: [{type: conv2d, out: 4, kernel_size: 3, padding: 1, bias: false}, batchnorm2d, relu, global_avg_pool2d,
                      {type: linear, out: 3}]}
            """, in: dir)
        runs += try configRuns("cnn-normalize", features: [2, 8, 8],
                               model: "{architecture: cnn, channels: [4], kernel_size: 3, padding: 1, pool: 2, hidden: [8], out: 3}",
                               transforms: ", transforms: [{type: normalize, mean: [0.5, 0.2], std: [0.25, 0.5]}]",
                               batches: [2, 5], input: { Initializer.uniform($0, bound: 1) }, in: dir)
        runs += try configRuns("conv1d-pools", features: [2, 20], model: """
            {layers: [{type: conv1d, out: 4, kernel_size: 5, stride: 2, padding: 2}, relu,
                      {type: maxpool1d, kernel_size: 3, stride: 1, padding: 1}, {type: conv1d, out: 3, kernel_size: 3, bias: false},
                      batchnorm1d, {type: avgpool1d, kernel_size: 2, padding: 1}, tanh, global_avg_pool1d, {type: linear, out: 3}]}
            """, in: dir)
        Random.seed(5)
        runs.append(try moduleRun("conv2d-dilation-groups", Sequential(
            Conv2d(4, 6, kernelSize: (3, 2), stride: (1, 2), padding: (2, 1), dilation: (2, 1), groups: 2), Tanh(),
            AvgPool2d(kernelSize: (2, 2), stride: (1, 1), padding: (1, 0), countIncludePad: false), Flatten()), features: [4, 7, 6], in: dir))
        runs.append(try moduleRun("conv1d", Sequential(
            Conv1d(3, 4, kernelSize: 3, stride: 2, padding: 1), ReLU(), Conv1d(4, 4, kernelSize: 3, dilation: 2, groups: 2),
            BatchNorm1d(4), Flatten(), Linear(8, 2)), features: [3, 12], in: dir))
        try ONNXRuntimeCheck.assertMatches(runs, in: dir)
    }

    func testExampleConfigsMatchOnnxRuntime() throws {
        _ = try ONNXRuntimeCheck.python()
        let dir = tempDir()
        var runs: [ONNXRuntimeCheck.Run] = []
        for example in ["fashion-mnist-mlp", "fashion-mnist-cnn"] {
            let config = try TrainingConfig.load(contentsOf: PythonSupport.repository.appendingPathComponent("examples/\(example).yaml"))
            Random.seed(3)
            let model = try config.buildModel()
            runs += try exportedRuns(example, config: config, trained: model, batches: [3], input: { Initializer.uniform($0, bound: 1) },
                                     features: [1, 28, 28], in: dir)
        }
        try ONNXRuntimeCheck.assertMatches(runs, in: dir)
    }

    func testRecurrentAndEmbeddingLayersMatchOnnxRuntime() throws {
        _ = try ONNXRuntimeCheck.python()
        let dir = tempDir()
        var runs: [ONNXRuntimeCheck.Run] = []
        runs += try configRuns("lstm-last", features: [5, 3], model: "{layers: [{type: lstm, hidden: 4}, {type: linear, out: 3}]}", in: dir)
        runs += try configRuns("lstm-stacked-sequence", features: [5, 3],
                               model: "{layers: [{type: lstm, hidden: 4, num_layers: 2, dropout: 0.2, return: sequence}, {type: linear, out: 2}]}",
                               loss: "mse", in: dir)
        runs += try configRuns("gru-stacked", features: [5, 3], model: "{layers: [{type: gru, hidden: 4, num_layers: 2}, {type: linear, out: 3}]}", in: dir)
        runs += try configRuns("gru-no-bias-sequence", features: [4, 3], model: "{layers: [{type: gru, hidden: 3, bias: false, return: sequence}]}",
                               loss: "mse", in: dir)
        runs += try configRuns("rnn-tanh", features: [5, 3], model: "{layers: [{type: rnn, hidden: 4}, {type: linear, out: 3}]}", in: dir)
        runs += try configRuns("rnn-relu-stacked", features: [5, 3],
                               model: "{layers: [{type: rnn, hidden: 4, nonlinearity: relu, num_layers: 2, bias: false}, {type: linear, out: 3}]}", in: dir)
        runs += try configRuns("lstm-no-bias", features: [5, 3], model: "{layers: [{type: lstm, hidden: 4, bias: false}, {type: linear, out: 3}]}", in: dir)
        let ids: ([Int]) -> Tensor = { Self.ids($0, count: 10) }
        runs += try configRuns("embedding-lstm", features: [6], model: """
            {layers: [{type: embedding, count: 10, dim: 4}, {type: lstm, hidden: 5}, {type: linear, out: 3}]}
            """, input: ids, in: dir)
        runs += try configRuns("embedding-flatten", features: [6], model: """
            {layers: [{type: embedding, count: 10, dim: 3}, flatten, {type: linear, out: 3}]}
            """, input: ids, in: dir)
        try ONNXRuntimeCheck.assertMatches(runs, in: dir)
    }

    func testAttentionAndTransformerMatchOnnxRuntime() throws {
        _ = try ONNXRuntimeCheck.python()
        let dir = tempDir()
        Random.seed(8)
        let attention = MultiHeadAttention(embedDim: 8, numHeads: 2)
        // PyTorch's initialization zeroes the biases; random ones check where they go.
        attention.inProjBias!.assign(Self.uniform([24]))
        attention.outProj.bias!.assign(Self.uniform([8]))
        let postNorm = TransformerEncoderLayer(dModel: 8, numHeads: 2, feedForward: 16, dropout: 0.1)
        let preNorm = TransformerEncoderLayer(dModel: 8, numHeads: 4, feedForward: 12, dropout: 0.1, activation: .gelu, normFirst: true)
        let runs = [
            try moduleRun("self-attention", Sequential(attention), features: [5, 8], in: dir),
            try moduleRun("transformer-encoder", ConfiguredModel(layers: [postNorm, preNorm, Linear(8, 3)], keepsLastStep: [false, true, false]), features: [6, 8], in: dir),
            try moduleRun("residual", Sequential(Residual(Sequential(Linear(8, 8), ReLU())), LayerNorm([4, 8])), features: [4, 8], in: dir),
            try moduleRun("identity", Identity(), features: [3], in: dir),
        ]
        try ONNXRuntimeCheck.assertMatches(runs, in: dir)
    }

    // MARK: graph structure (no Python needed)

    func testRecurrentGraphReordersTheGatesForONNX() throws {
        let config = try TrainingConfig.parse("""
            data: {name: npy, inputs: x.npy, labels: y.npy, features: [5, 3]}
            model: {layers: [{type: gru, hidden: 2, return: sequence}, {type: lstm, hidden: 2}, {type: linear, out: 3}]}
            optimizer: {type: sgd, lr: 0.1}
            """, fileName: "gates.yaml")
        let model = try config.buildModel()
        let onnx = try ONNXExport.onnxModel(model, inputShape: [5, 3])
        XCTAssertEqual(onnx.graph.nodes.map(\.opType), ["Transpose", "GRU", "Squeeze", "Transpose",
                                                        "Transpose", "LSTM", "Squeeze", "Transpose", "Gather", "Gemm"])
        XCTAssertEqual(onnx.graph.outputs.first?.shape, [nil, 3])
        XCTAssertEqual(onnx.graph.nodes.last?.outputs, ["output"])
        let lstm = try XCTUnwrap((model as? ConfiguredModel)?.layers[1] as? LSTM)
        func floats(_ name: String) throws -> [Float] {
            let t = try XCTUnwrap(onnx.graph.initializers.first { $0.name == name }, name)
            return stride(from: 0, to: t.rawData.count, by: 4).map { i in
                Float(bitPattern: UInt32(t.rawData[i]) | UInt32(t.rawData[i + 1]) << 8 | UInt32(t.rawData[i + 2]) << 16 | UInt32(t.rawData[i + 3]) << 24)
            }
        }
        // PyTorch's rows are i, f, g, o (2 rows of 2 inputs each); ONNX wants i, o, f, c.
        let w = lstm.layers[0].weightIH.value.scalars
        let block = { (b: Int) in Array(w[(b * 4)..<((b + 1) * 4)]) }
        XCTAssertEqual(try floats("1.weight_ih_l0.onnx"), block(0) + block(3) + block(1) + block(2))
        let bias = lstm.layers[0].biasIH!.value.scalars + lstm.layers[0].biasHH!.value.scalars
        let bblock = { (v: [Float], b: Int) in Array(v[(b * 2)..<((b + 1) * 2)]) }
        let (bi, bh) = (Array(bias[0..<8]), Array(bias[8...]))
        XCTAssertEqual(try floats("1.bias_l0.onnx"), [0, 3, 1, 2].flatMap { bblock(bi, $0) } + [0, 3, 1, 2].flatMap { bblock(bh, $0) },
                       "B is the input bias then the hidden bias, each reordered")
        // GRU: PyTorch r, z, n; ONNX z, r, h.
        let gru = try XCTUnwrap((model as? ConfiguredModel)?.layers[0] as? GRU)
        let r = gru.layers[0].weightHH.value.scalars
        let gblock = { (b: Int) in Array(r[(b * 4)..<((b + 1) * 4)]) }
        XCTAssertEqual(try floats("0.weight_hh_l0.onnx"), gblock(1) + gblock(0) + gblock(2))
    }

    // MARK: errors

    final class Squash: Module, @unchecked Sendable {
        override func forward(_ x: Tensor) -> Tensor { x / (x.abs() + 1) }
    }

    func assertExportError(_ model: Module, inputShape: [Int], contains parts: [String], line: UInt = #line) {
        XCTAssertThrowsError(try ONNXExport.encode(model: model, inputShape: inputShape), line: line) { error in
            let text = "\(error)"
            for part in parts { XCTAssertTrue(text.contains(part), "'\(part)' in: \(text)", line: line) }
        }
    }

    func testUnsupportedLayerIsNamedWithItsIndex() {
        assertExportError(Sequential(Linear(4, 4), Squash(), Linear(4, 2)), inputShape: [4],
                          contains: ["layers.1", "Squash", "no ONNX translation"])
        assertExportError(ConfiguredModel(layers: [Linear(4, 4), ReLU(), Squash()]), inputShape: [4],
                          contains: ["layer 2 (Squash)"])
    }

    func testShapeMismatchNamesTheLayer() {
        assertExportError(Sequential(Linear(4, 4), ReLU(), Linear(5, 2)), inputShape: [4],
                          contains: ["layers.2", "Linear(5 -> 2)", "expects 5 features", "[batch, 4]"])
        assertExportError(Sequential(LSTM(inputSize: 3, hiddenSize: 2, batchFirst: true)), inputShape: [6],
                          contains: ["layers.0", "LSTM", "[batch, 6]"])
        assertExportError(Linear(2, 2), inputShape: [0], contains: ["positive"])
    }

    func testConfigWithoutInputShapeIsAnError() throws {
        let config = try TrainingConfig.parse("""
            data: {name: npy, inputs: x.npy, labels: y.npy}
            model: {layers: [{type: conv2d, in: 1, out: 2, kernel_size: 3}, flatten]}
            optimizer: {type: sgd, lr: 0.1}
            """, fileName: "noshape.yaml")
        XCTAssertThrowsError(try ONNXExport.encode(config: config, model: try config.buildModel())) { error in
            XCTAssertTrue("\(error)".contains("noshape.yaml") && "\(error)".contains("data.features"), "\(error)")
        }
    }

    func testWriteIsAtomicAndReportsAMissingDirectory() throws {
        let dir = tempDir()
        let url = dir.appendingPathComponent("m.onnx")
        let model = Sequential(Linear(3, 2))
        try ONNXExport.write(model: model, inputShape: [3], to: url)
        let bytes = try Data(contentsOf: url)
        XCTAssertEqual(bytes, try ONNXExport.encode(model: model, inputShape: [3]))
        XCTAssertEqual(Array(bytes.prefix(2)), [0x08, 0x08], "starts with ir_version (field 1, varint) = 8")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["m.onnx"], "no temporary file is left")
        XCTAssertThrowsError(try ONNXExport.write(model: Linear(3, 2), inputShape: [3], to: dir.appendingPathComponent("no/such/m.onnx"))) {
            XCTAssertTrue("\($0)".contains("does not exist"), "\($0)")
        }
    }
}
