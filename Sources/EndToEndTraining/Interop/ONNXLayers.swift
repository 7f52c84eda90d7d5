import EndToEnd
import EndToEndNN

/// Translates a module tree into ONNX nodes, one module at a time, tracking each value's
/// shape so that every layer can check its input the way its `forward` would.
struct ONNXTranslator {
    let graph: ONNXGraphBuilder

    /// The error for the module at `path`.
    func failure(_ path: String, _ module: Module, _ message: String) -> ONNXExportError {
        // A config-built model's layers are named by their index, like `model.layers[i]`.
        let place = path.isEmpty ? "the model" : path.allSatisfy(\.isNumber) ? "layer \(path)" : path
        return ONNXExportError("\(place) (\(module.summary)): \(message)")
    }

    /// Appends `module` applied to `x`; `path` is its dotted name (`3`, `layers.3`), which also
    /// names its nodes and weights.
    func emit(_ module: Module, path: String, _ x: ONNXValue) throws(ONNXExportError) -> ONNXValue {
        let name = label(path)
        func elementwise(_ op: String, _ attributes: [ONNXAttribute] = []) -> ONNXValue {
            graph.apply(op, [x.name], name: name, shape: x.shape, attributes)
        }
        switch module {
        case let m as Sequential:
            var y = x
            for (i, layer) in m.layers.enumerated() { y = try emit(layer, path: qualified(path, "layers.\(i)"), y) }
            return y
        case let m as ConfiguredModel:
            var y = x
            if m.flattensInput { y = flatten(y, name: name + ".flatten_input") }
            for (i, (layer, last)) in zip(m.layers, m.keepsLastStep).enumerated() {
                let layerPath = qualified(path, String(i))
                y = try emit(layer, path: layerPath, y)
                if last {
                    guard y.rank == 3 else { throw failure(layerPath, layer, "keeping the last step needs a [batch, steps, features] output, got \(text(y.shape))") }
                    let index = graph.int64Initializer(layerPath + ".last_step", [-1], dims: [])
                    y = graph.apply("Gather", [y.name, index], name: layerPath, shape: [y.shape[0], y.shape[2]], [.int("axis", 1)])
                }
            }
            return y
        case let m as Residual:
            let body = try emit(m.body, path: qualified(path, "body"), x)
            guard body.shape == x.shape else { throw failure(path, m, "the body maps \(text(x.shape)) to \(text(body.shape)); a residual needs equal shapes") }
            return graph.apply("Add", [x.name, body.name], name: name, shape: x.shape)
        case is Identity, is Dropout:
            return x  // dropout is the identity in evaluation mode
        case is ReLU: return elementwise("Relu")
        case is Tanh: return elementwise("Tanh")
        case is Sigmoid: return elementwise("Sigmoid")
        case let m as LeakyReLU: return elementwise("LeakyRelu", [.float("alpha", m.negativeSlope)])
        case let m as GELU: return gelu(x, approximate: m.approximate, name: name)
        case let m as Softplus: return softplus(x, beta: m.beta, threshold: m.threshold, name: name)
        case let m as Linear: return try linear(m, path: path, x)
        case let m as Conv2d:
            return try convolution(m, path: path, x, kernel: [m.kernelSize.0, m.kernelSize.1], stride: [m.stride.0, m.stride.1],
                                   padding: [m.padding.0, m.padding.1], dilation: [m.dilation.0, m.dilation.1],
                                   groups: m.groups, inChannels: m.inChannels, outChannels: m.outChannels,
                                   weight: m.weight, bias: m.bias)
        case let m as Conv1d:
            return try convolution(m, path: path, x, kernel: [m.kernelSize], stride: [m.stride], padding: [m.padding],
                                   dilation: [m.dilation], groups: m.groups, inChannels: m.inChannels,
                                   outChannels: m.outChannels, weight: m.weight, bias: m.bias)
        case let m as MaxPool2d:
            return try pool("MaxPool", m, path: path, x, kernel: [m.kernelSize.0, m.kernelSize.1],
                            stride: [m.stride.0, m.stride.1], padding: [m.padding.0, m.padding.1])
        case let m as AvgPool2d:
            return try pool("AveragePool", m, path: path, x, kernel: [m.kernelSize.0, m.kernelSize.1],
                            stride: [m.stride.0, m.stride.1], padding: [m.padding.0, m.padding.1],
                            extra: [.int("count_include_pad", m.countIncludePad ? 1 : 0)])
        case let m as MaxPool1d:
            return try pool("MaxPool", m, path: path, x, kernel: [m.kernelSize], stride: [m.stride], padding: [m.padding])
        case let m as AvgPool1d:
            return try pool("AveragePool", m, path: path, x, kernel: [m.kernelSize], stride: [m.stride], padding: [m.padding],
                            extra: [.int("count_include_pad", m.countIncludePad ? 1 : 0)])
        case is GlobalAvgPool2d: return try globalAveragePool(module, path: path, x, spatial: 2)
        case is GlobalAvgPool1d: return try globalAveragePool(module, path: path, x, spatial: 1)
        case is Flatten: return flatten(x, name: name)
        case let m as BatchNorm: return try batchNorm(m, path: path, x)
        case let m as LayerNorm: return try layerNorm(m, path: path, x)
        case let m as Embedding:
            let ids = graph.apply("Cast", [x.name], name: name, shape: x.shape, [.int("to", ONNXDataType.int64.rawValue)])
            let table = graph.initializer(qualified(path, "weight"), m.weight.value)
            return graph.apply("Gather", [table, ids.name], name: name, shape: x.shape + [m.dimension], [.int("axis", 0)])
        case let m as RecurrentLayer: return try recurrent(m, path: path, x)
        case let m as MultiHeadAttention: return try selfAttention(m, path: path, x)
        case let m as TransformerEncoderLayer: return try transformerEncoderLayer(m, path: path, x)
        default:
            throw failure(path, module, "no ONNX translation for \(type(of: module)) layers")
        }
    }

    /// The mean over the `spatial` trailing axes, `[N, C, …] -> [N, C]`.
    func globalAveragePool(_ m: Module, path: String, _ x: ONNXValue, spatial: Int) throws(ONNXExportError) -> ONNXValue {
        guard x.rank == spatial + 2 else {
            throw failure(path, m, "expects \(spatial == 2 ? "[batch, channels, height, width]" : "[batch, channels, length]") input, got \(text(x.shape))")
        }
        let pooled = graph.apply("GlobalAveragePool", [x.name], name: label(path), shape: Array(x.shape.prefix(2)) + Array(repeating: 1, count: spatial))
        return graph.apply("Flatten", [pooled.name], name: label(path), shape: [x.shape[0], x.shape[1]], [.int("axis", 1)])
    }

    /// `[batch, …] -> [batch, product]`, as `flattened(startAxis: 1)`.
    func flatten(_ x: ONNXValue, name: String) -> ONNXValue {
        guard x.rank > 2 else { return x }
        let rest = x.shape.dropFirst()
        let size: Int? = rest.contains(where: { $0 == nil }) ? nil : rest.reduce(1) { $0 * $1! }
        return graph.apply("Flatten", [x.name], name: name, shape: [x.shape[0], size], [.int("axis", 1)])
    }

    // MARK: dense and convolutional layers

    func linear(_ m: Linear, path: String, _ x: ONNXValue) throws(ONNXExportError) -> ONNXValue {
        guard x.rank >= 2, x.shape.last == m.inFeatures else {
            throw failure(path, m, "expects \(m.inFeatures) features on the last axis, got input \(text(x.shape))")
        }
        let name = label(path)
        let shape = Array(x.shape.dropLast()) + [m.outFeatures]
        if x.rank == 2 {
            let w = graph.initializer(qualified(path, "weight"), m.weight.value)
            var inputs = [x.name, w]
            if let b = m.bias { inputs.append(graph.initializer(qualified(path, "bias"), b.value)) }
            return graph.apply("Gemm", inputs, name: name, shape: shape, [.int("transB", 1)])
        }
        // Gemm takes matrices only: over a longer shape, MatMul with the transposed weight.
        let wT = graph.initializer(qualified(path, "weight_t"), m.weight.value.transposed().contiguous())
        var y = graph.apply("MatMul", [x.name, wT], name: name, shape: shape)
        if let b = m.bias { y = graph.apply("Add", [y.name, graph.initializer(qualified(path, "bias"), b.value)], name: name, shape: shape) }
        return y
    }

    func convolution(_ m: Module, path: String, _ x: ONNXValue, kernel: [Int], stride: [Int], padding: [Int], dilation: [Int],
                     groups: Int, inChannels: Int, outChannels: Int, weight: Parameter, bias: Parameter?) throws(ONNXExportError) -> ONNXValue {
        let spatial = kernel.count
        let layout = spatial == 2 ? "[batch, channels, height, width]" : "[batch, channels, length]"
        guard x.rank == spatial + 2, x.shape[1] == inChannels else {
            throw failure(path, m, "expects \(layout) input with \(inChannels) channels, got \(text(x.shape))")
        }
        var out: [Int?] = [x.shape[0], outChannels]
        for d in 0..<spatial {
            guard let size = x.shape[2 + d] else { out.append(nil); continue }
            let span = dilation[d] * (kernel[d] - 1) + 1
            guard size + 2 * padding[d] >= span else {
                throw failure(path, m, "kernel spans \(span) but the padded input \(text(x.shape)) has \(size + 2 * padding[d]) on axis \(2 + d)")
            }
            out.append((size + 2 * padding[d] - span) / stride[d] + 1)
        }
        var inputs = [x.name, graph.initializer(qualified(path, "weight"), weight.value)]
        if let bias { inputs.append(graph.initializer(qualified(path, "bias"), bias.value)) }
        return graph.apply("Conv", inputs, name: label(path), shape: out, [
            .ints("kernel_shape", kernel), .ints("strides", stride), .ints("pads", padding + padding),
            .ints("dilations", dilation), .int("group", groups),
        ])
    }

    func pool(_ op: String, _ m: Module, path: String, _ x: ONNXValue, kernel: [Int], stride: [Int], padding: [Int],
              extra: [ONNXAttribute] = []) throws(ONNXExportError) -> ONNXValue {
        let spatial = kernel.count
        guard x.rank == spatial + 2 else {
            throw failure(path, m, "expects \(spatial == 2 ? "[batch, channels, height, width]" : "[batch, channels, length]") input, got \(text(x.shape))")
        }
        var out: [Int?] = [x.shape[0], x.shape[1]]
        for d in 0..<spatial {
            guard let size = x.shape[2 + d] else { out.append(nil); continue }
            guard size + 2 * padding[d] >= kernel[d] else {
                throw failure(path, m, "window \(kernel[d]) is larger than the padded input \(text(x.shape)) on axis \(2 + d)")
            }
            out.append((size + 2 * padding[d] - kernel[d]) / stride[d] + 1)
        }
        return graph.apply(op, [x.name], name: label(path), shape: out,
                           [.ints("kernel_shape", kernel), .ints("strides", stride), .ints("pads", padding + padding)] + extra)
    }

    // MARK: normalization

    func batchNorm(_ m: BatchNorm, path: String, _ x: ONNXValue) throws(ONNXExportError) -> ONNXValue {
        let ranks: Set<Int> = m is BatchNorm2d ? [4] : [2, 3]
        guard ranks.contains(x.rank), x.shape[1] == m.features else {
            throw failure(path, m, "expects rank \(ranks.sorted()) input with \(m.features) channels on axis 1, got \(text(x.shape))")
        }
        let c = m.features
        let scale = m.weight.map { graph.initializer(qualified(path, "weight"), $0.value) }
            ?? graph.initializer(qualified(path, "weight"), dims: [c], floats: Array(repeating: 1, count: c))
        let shift = m.bias.map { graph.initializer(qualified(path, "bias"), $0.value) }
            ?? graph.initializer(qualified(path, "bias"), dims: [c], floats: Array(repeating: 0, count: c))
        let mean = graph.initializer(qualified(path, "running_mean"), m.runningMean.value)
        let variance = graph.initializer(qualified(path, "running_var"), m.runningVar.value)
        // Inference mode (training_mode 0, the default): normalizes with the running statistics.
        return graph.apply("BatchNormalization", [x.name, scale, shift, mean, variance], name: label(path), shape: x.shape,
                           [.float("epsilon", m.epsilon)])
    }

    func layerNorm(_ m: LayerNorm, path: String, _ x: ONNXValue) throws(ONNXExportError) -> ONNXValue {
        let k = m.normalizedShape.count
        guard x.rank > k, Array(x.shape.suffix(k)) == m.normalizedShape.map(Optional.some) else {
            throw failure(path, m, "input \(text(x.shape)) does not end with the normalized shape \(m.normalizedShape)")
        }
        let count = m.normalizedShape.reduce(1, *)
        let scale = m.weight.map { graph.initializer(qualified(path, "weight"), $0.value) }
            ?? graph.initializer(qualified(path, "weight"), dims: m.normalizedShape, floats: Array(repeating: 1, count: count))
        var inputs = [x.name, scale]
        if let b = m.bias { inputs.append(graph.initializer(qualified(path, "bias"), b.value)) }
        return graph.apply("LayerNormalization", inputs, name: label(path), shape: x.shape,
                           [.int("axis", -k), .float("epsilon", m.epsilon)])
    }

    // MARK: composed activations

    /// GELU from `Erf` (exact) or `Tanh` (approximate), as opset 17 has no `Gelu`.
    func gelu(_ x: ONNXValue, approximate: Bool, name: String) -> ONNXValue {
        func op(_ type: String, _ inputs: [String]) -> String { graph.apply(type, inputs, name: name, shape: x.shape).name }
        let inner: String
        if approximate {
            // tanh(√(2/π)·(x + 0.044715·x³))
            let cube = op("Mul", [op("Mul", [x.name, x.name]), x.name])
            let sum = op("Add", [x.name, op("Mul", [cube, graph.scalar(0.044715)])])
            inner = op("Tanh", [op("Mul", [sum, graph.scalar(Float((2 / Double.pi).squareRoot()))])])
        } else {
            inner = op("Erf", [op("Mul", [x.name, graph.scalar(Float(1 / 2.0.squareRoot()))])])
        }
        let half = op("Mul", [x.name, graph.scalar(0.5)])
        return graph.apply("Mul", [half, op("Add", [inner, graph.scalar(1)])], name: name, shape: x.shape)
    }

    /// PyTorch's softplus: `log(1 + e^(βx)) / β`, and `x` itself where `βx > threshold`.
    func softplus(_ x: ONNXValue, beta: Float, threshold: Float, name: String) -> ONNXValue {
        func op(_ type: String, _ inputs: [String]) -> String { graph.apply(type, inputs, name: name, shape: x.shape).name }
        let z = beta == 1 ? x.name : op("Mul", [x.name, graph.scalar(beta)])
        let soft = beta == 1 ? op("Softplus", [z]) : op("Div", [op("Softplus", [z]), graph.scalar(beta)])
        let linear = op("Greater", [z, graph.scalar(threshold)])
        return graph.apply("Where", [linear, x.name, soft], name: name, shape: x.shape)
    }
}
