import EndToEnd
import EndToEndNN
import Foundation

/// Why a model cannot be exported to ONNX; the message names the layer (its dotted path
/// in the model, such as `layers.3`, and its summary) and the reason.
public struct ONNXExportError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "ONNX export: " + message }
}

/// Writes a model as an ONNX file (opset ``opset``, IR version ``irVersion``) that
/// onnxruntime and other ONNX runtimes run, with a symbolic `batch` first dimension.
///
/// The graph computes the model in evaluation mode: dropout is the identity, batch norm
/// uses its running statistics. It has one float input, `input` (`[batch] + inputShape`),
/// and one output, `output`. Weights are initializers named after the model's parameters
/// (`0.weight` for a config-built model), with a suffix where the layout changes (`….onnx` for reordered
/// recurrent gates, `…_t` for transposed matrices).
///
/// Layers: ``Linear`` (`Gemm`, or `MatMul` + `Add` over sequences), ``Conv1d``/``Conv2d``
/// (`Conv` with stride, padding, dilation and groups), ``MaxPool1d``/``MaxPool2d``,
/// ``AvgPool1d``/``AvgPool2d``, ``GlobalAvgPool1d``/``GlobalAvgPool2d``, ``Flatten``, ``BatchNorm1d``/``BatchNorm2d`` (inference-mode
/// `BatchNormalization`), ``LayerNorm`` (`LayerNormalization`), ReLU, Tanh, Sigmoid,
/// LeakyReLU, GELU (from `Erf` or `Tanh`), Softplus, ``Dropout`` and ``Identity``
/// (nothing), ``Embedding`` (`Cast` + `Gather`), ``RNN``/``LSTM``/``GRU`` (ONNX's operators,
/// gates reordered), ``ConfiguredModel`` (a config's layers, with its input flattening
/// and last-step selection as `Flatten` and `Gather`), ``MultiHeadAttention`` (self-attention
/// without masks) and ``TransformerEncoderLayer``, ``Sequential`` and ``Residual``.
/// Any other module is an ``ONNXExportError`` naming it.
///
/// ```swift
/// let model = try config.buildModel()
/// try Predictor.loadWeights(into: model, from: checkpoint)
/// try ONNXExport.write(config: config, model: model, to: URL(fileURLWithPath: "model.onnx"))
/// ```
public enum ONNXExport {
    /// The operator set the graphs use (LayerNormalization needs 17).
    public static let opset = 17
    /// The IR version of opset 17 (ONNX 1.12).
    public static let irVersion = 8

    /// Exports `model`, built from `config`, to `url` (written atomically). The input is
    /// what ``Predictor`` feeds the model: the configuration's `normalize` transform is
    /// part of the graph, so the ONNX model takes the same float inputs as `e2e predict`
    /// (uint8 images already scaled to [0, 1]) and returns the same raw outputs.
    public static func write(config: TrainingConfig, model: Module, to url: URL) throws {
        try SafeTensors.writeAtomically(encode(config: config, model: model), to: url)
    }

    /// The serialized ONNX model of `model`, built from `config` (see ``write(config:model:to:)``).
    public static func encode(config: TrainingConfig, model: Module) throws(ONNXExportError) -> Data {
        guard let shape = Predictor.inputShape(of: config) else {
            throw ONNXExportError("the input shape of \(config.file) is unknown; set data.features (or 'in' on the first linear layer)")
        }
        var normalize: (mean: [Float], std: [Float])?
        for case .normalize(let mean, let std) in config.data.transforms {
            normalize = (mean.map { Float($0) }, std.map { Float($0) })
        }
        return try encode(model: model, inputShape: shape, normalize: normalize, name: config.name ?? "endtoend",
                          docString: "Exported by EndToEnd from \(config.file)")
    }

    /// Exports any supported module tree to `url` (written atomically).
    ///
    /// - Parameters:
    ///   - inputShape: one example's input shape, without the batch dimension.
    ///   - normalize: per-channel `(x − mean[c]) / std[c]` applied to the input first (on
    ///     the third axis from the end, as ``Transforms/normalize(mean:std:)`` does).
    public static func write(model: Module, inputShape: [Int], normalize: (mean: [Float], std: [Float])? = nil, to url: URL) throws {
        try SafeTensors.writeAtomically(encode(model: model, inputShape: inputShape, normalize: normalize), to: url)
    }

    /// The serialized ONNX model of `model` (see ``write(model:inputShape:normalize:to:)``).
    public static func encode(model: Module, inputShape: [Int], normalize: (mean: [Float], std: [Float])? = nil,
                              name: String = "endtoend", docString: String = "") throws(ONNXExportError) -> Data {
        Data(try onnxModel(model, inputShape: inputShape, normalize: normalize, name: name, docString: docString).serialized)
    }

    /// The ONNX model of `model`, before serialization.
    static func onnxModel(_ model: Module, inputShape: [Int], normalize: (mean: [Float], std: [Float])? = nil,
                          name: String = "endtoend", docString: String = "") throws(ONNXExportError) -> ONNXModel {
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else {
            throw ONNXExportError("the input shape \(inputShape) must have positive dimensions")
        }
        let graph = ONNXGraphBuilder()
        let input = ONNXValue(name: graph.unique("input"), shape: [nil] + inputShape.map(Optional.some))
        var x = input
        if let normalize { x = try normalized(x, mean: normalize.mean, std: normalize.std, graph: graph) }
        var y = try ONNXTranslator(graph: graph).emit(model, path: "", x)
        // A stable output name; an identity model needs a node to produce it.
        if !graph.renameOutput(y.name, to: "output") {
            y = ONNXValue(name: graph.node("Identity", [y.name], name: "output")[0], shape: y.shape)
            _ = graph.renameOutput(y.name, to: "output")
        }
        // Protobuf messages are limited to 2 GiB; larger models would need ONNX's external data.
        let weightBytes = graph.initializers.reduce(0) { $0 + $1.rawData.count }
        guard weightBytes < Int(Int32.max) - (1 << 20) else {
            throw ONNXExportError("the weights take \(weightBytes) bytes, more than an ONNX file holds (2 GiB; external data is not supported)")
        }
        return ONNXModel(
            irVersion: irVersion, opset: opset, producerName: "EndToEnd", producerVersion: "1", docString: docString,
            graph: ONNXGraph(name: name, nodes: graph.nodes, initializers: graph.initializers,
                             inputs: [ONNXValueInfo(name: input.name, shape: input.shape)],
                             outputs: [ONNXValueInfo(name: "output", shape: y.shape)]))
    }

    /// `(x − mean) · (1/std)` per channel, as the normalize transform computes it.
    static func normalized(_ x: ONNXValue, mean: [Float], std: [Float], graph: ONNXGraphBuilder) throws(ONNXExportError) -> ONNXValue {
        guard x.rank >= 4, let channels = x.shape[x.rank - 3] else {
            throw ONNXExportError("normalize needs image inputs [channels, height, width], got \(text(Array(x.shape.dropFirst())))")
        }
        guard !mean.isEmpty, mean.count == std.count, mean.count == 1 || mean.count == channels, std.allSatisfy({ $0 != 0 }) else {
            throw ONNXExportError("normalize: \(mean.count) means and \(std.count) non-zero stds are needed for \(channels) channels")
        }
        let dims = [mean.count, 1, 1]
        let centered = graph.apply("Sub", [x.name, graph.initializer("normalize.mean", dims: dims, floats: mean)],
                                   name: "normalize", shape: x.shape)
        return graph.apply("Mul", [centered.name, graph.initializer("normalize.inverse_std", dims: dims, floats: std.map { 1 / $0 })],
                           name: "normalize", shape: x.shape)
    }
}
