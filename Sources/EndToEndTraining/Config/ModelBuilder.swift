import Foundation
import EndToEnd
import EndToEndNN
import EndToEndData

/// One layer of `model.layers`.
public enum LayerSpec: Sendable, Equatable {
    case linear(inFeatures: Int?, out: Int, bias: Bool)
    case conv2d(inChannels: Int?, out: Int, kernelSize: Int, stride: Int, padding: Int, bias: Bool)
    /// A 1-D convolution over `[channels, length]` examples (e.g. a waveform `[1, samples]`).
    case conv1d(inChannels: Int?, out: Int, kernelSize: Int, stride: Int, padding: Int, bias: Bool)
    case maxPool1d(kernelSize: Int, stride: Int?, padding: Int)
    case avgPool1d(kernelSize: Int, stride: Int?, padding: Int)
    /// The mean over the length: `[channels, length]` to `[channels]`.
    case globalAvgPool1d
    case maxPool2d(kernelSize: Int, stride: Int?, padding: Int)
    case avgPool2d(kernelSize: Int, stride: Int?, padding: Int)
    case globalAvgPool2d, flatten, identity
    case batchNorm1d(features: Int?), batchNorm2d(features: Int?), layerNorm(shape: [Int]?)
    case dropout(p: Double)
    case relu, tanh, sigmoid, gelu(approximate: Bool), leakyReLU(slope: Double), softplus(beta: Double, threshold: Double)
    /// Ids `S` (whole numbers, as floats) to vectors `S + [dimension]`.
    case embedding(count: Int, dimension: Int)
    /// An RNN, LSTM or GRU over `[steps, features]` examples (batch first); with
    /// `returnSequence` it returns every step's output `[steps, hidden]`, else the last `[hidden]`.
    case recurrent(cell: RecurrentCellKind, inFeatures: Int?, hidden: Int, numLayers: Int, bias: Bool, dropout: Double,
                   returnSequence: Bool)

    public static let typeNames = ["linear", "conv2d", "maxpool2d", "avgpool2d", "global_avg_pool2d",
                                   "conv1d", "maxpool1d", "avgpool1d", "global_avg_pool1d", "flatten", "identity",
                                   "batchnorm1d", "batchnorm2d", "layernorm", "dropout",
                                   "relu", "tanh", "sigmoid", "gelu", "leaky_relu", "softplus",
                                   "embedding", "rnn", "lstm", "gru"]
    static let keys: [String: [String]] = [
        "linear": ["in", "out", "bias"], "conv2d": ["in", "out", "kernel_size", "stride", "padding", "bias"],
        "maxpool2d": ["kernel_size", "stride", "padding"], "avgpool2d": ["kernel_size", "stride", "padding"],
        "conv1d": ["in", "out", "kernel_size", "stride", "padding", "bias"],
        "maxpool1d": ["kernel_size", "stride", "padding"], "avgpool1d": ["kernel_size", "stride", "padding"],
        "batchnorm1d": ["features"], "batchnorm2d": ["features"], "layernorm": ["shape"], "dropout": ["p"],
        "gelu": ["approximate"], "leaky_relu": ["negative_slope"], "softplus": ["beta", "threshold"],
        "embedding": ["count", "dim"],
        "rnn": ["in", "hidden", "num_layers", "bias", "dropout", "return", "nonlinearity"],
        "lstm": ["in", "hidden", "num_layers", "bias", "dropout", "return"],
        "gru": ["in", "hidden", "num_layers", "bias", "dropout", "return"],
    ]

    init(_ r: ConfigReader) throws(ConfigError) {
        if case .string = r.node.value {   // shorthand: "- relu"
            let t = try r.choice(Self.typeNames, what: "layer")
            guard Self.keys[t] == nil || ["dropout", "gelu", "leaky_relu", "softplus", "batchnorm1d", "batchnorm2d", "layernorm"].contains(t) else {
                throw r.error("layer '\(t)' needs settings; write it as an object with 'type: \(t)'")
            }
            self = try Self(ConfigReader(ConfigNode(.object([.init(key: "type", value: r.node)]), line: r.node.line), path: r.path, file: r.file))
            return
        }
        try r.object(allowed: ["type"] + Set(Self.keys.values.flatMap { $0 }).sorted())
        let t = try r.required("type").choice(Self.typeNames, what: "layer")
        let allowed = ["type"] + (Self.keys[t] ?? [])
        for key in r.keys where !allowed.contains(key) {
            throw r.child(key)?.error("not a setting of layer '\(t)'; \(allowed.count > 1 ? "its settings are \(allowed.joined(separator: ", "))" : "it takes none")")
                ?? r.error("unexpected key '\(key)'")
        }
        func pos(_ k: String) throws(ConfigError) -> Int? { try r.optInt(k) { c throws(ConfigError) in try c.size() } }
        let bias = try r.optBool("bias") ?? true
        switch t {
        case "linear": self = .linear(inFeatures: try pos("in"), out: try r.required("out").size(), bias: bias)
        case "conv2d", "conv1d":
            let make = t == "conv2d" ? LayerSpec.conv2d : LayerSpec.conv1d
            self = make(try pos("in"), try r.required("out").size(), try r.required("kernel_size").size(),
                        try pos("stride") ?? 1, try r.optInt("padding") { c throws(ConfigError) in try c.nonNegativeInt() } ?? 0, bias)
        case "maxpool2d", "avgpool2d", "maxpool1d", "avgpool1d":
            let k = try r.required("kernel_size").size(), s = try pos("stride")
            let p = try r.optInt("padding") { c throws(ConfigError) in try c.nonNegativeInt() } ?? 0
            let make = ["maxpool2d": LayerSpec.maxPool2d, "avgpool2d": LayerSpec.avgPool2d, "maxpool1d": LayerSpec.maxPool1d][t] ?? LayerSpec.avgPool1d
            self = make(k, s, p)
        case "global_avg_pool2d": self = .globalAvgPool2d
        case "global_avg_pool1d": self = .globalAvgPool1d
        case "flatten": self = .flatten
        case "identity": self = .identity
        case "batchnorm1d": self = .batchNorm1d(features: try pos("features"))
        case "batchnorm2d": self = .batchNorm2d(features: try pos("features"))
        case "layernorm":
            if let c = r.child("shape") {
                var dims: [Int] = []
                if case .int = c.node.value { dims = [try c.size()] } else { for d in try c.list() { dims.append(try d.size()) } }
                self = .layerNorm(shape: dims)
            } else { self = .layerNorm(shape: nil) }
        case "dropout": self = .dropout(p: try r.optNumber("p") { c throws(ConfigError) in try c.number(in: 0...1, upperOpen: true) } ?? 0.5)
        case "relu": self = .relu
        case "tanh": self = .tanh
        case "sigmoid": self = .sigmoid
        case "gelu": self = .gelu(approximate: try r.optBool("approximate") ?? false)
        case "leaky_relu": self = .leakyReLU(slope: try r.optNumber("negative_slope") { c throws(ConfigError) in try c.nonNegativeNumber() } ?? 0.01)
        case "embedding": self = .embedding(count: try r.required("count").size(), dimension: try r.required("dim").size())
        case "rnn", "lstm", "gru":
            var cell: RecurrentCellKind = t == "lstm" ? .lstm : t == "gru" ? .gru : .rnnTanh
            if let c = r.child("nonlinearity"), try c.choice(["tanh", "relu"], what: "nonlinearity") == "relu" { cell = .rnnReLU }
            let numLayers = try pos("num_layers") ?? 1
            let dropout = try r.optNumber("dropout") { c throws(ConfigError) in try c.number(in: 0...1, upperOpen: true) } ?? 0
            if dropout > 0 && numLayers == 1 {
                throw r.child("dropout")!.error("dropout applies between stacked layers; it needs num_layers > 1")
            }
            let ret = try r.child("return").map { c throws(ConfigError) in try c.choice(["last", "sequence"], what: "return") } ?? "last"
            self = .recurrent(cell: cell, inFeatures: try pos("in"), hidden: try r.required("hidden").size(), numLayers: numLayers,
                              bias: bias, dropout: dropout, returnSequence: ret == "sequence")
        default:
            self = .softplus(beta: try r.optNumber("beta") { c throws(ConfigError) in try c.positiveNumber() } ?? 1,
                             threshold: try r.optNumber("threshold") { c throws(ConfigError) in try c.positiveNumber() } ?? 20)
        }
    }
}

/// `model:` section: an explicit `layers` list, or an `architecture` (mlp, cnn) that
/// expands to one.
public struct ModelConfig: Sendable {
    public var layers: [LayerSpec]
    /// The config path of each layer (`model.layers[3]`), for messages.
    public var layerPaths: [String]
    public var architecture: String?
    /// `init_from`: a safetensors file with initial weights (a PyTorch `state_dict`, a model
    /// file or a training checkpoint), loaded by ``TrainingConfig/buildInitialModel()``.
    public var initFrom: String?

    static let archKeys = ["architecture", "hidden", "activation", "dropout", "channels", "kernel_size", "padding", "pool", "out", "in", "batchnorm"]

    init(_ r: ConfigReader) throws(ConfigError) {
        try r.object(allowed: ["layers", "init_from"] + Self.archKeys)
        initFrom = try r.optString("init_from")
        if let list = r.child("layers") {
            if let a = r.child("architecture") { throw a.error("give either 'layers' or 'architecture', not both") }
            for key in Self.archKeys where r.has(key) { throw r.child(key)!.error("only used with 'architecture'; with 'layers' set it on the layer") }
            layers = []; layerPaths = []
            let items = try list.list()
            if items.isEmpty { throw list.error("expected at least one layer") }
            for item in items { layers.append(try LayerSpec(item)); layerPaths.append(item.path) }
            return
        }
        guard let a = r.child("architecture") else { throw r.error("missing required field 'layers' (or 'architecture')") }
        let arch = try a.choice(["mlp", "cnn"], what: "architecture")
        architecture = arch
        let allowed = arch == "mlp" ? ["architecture", "init_from", "in", "hidden", "out", "activation", "dropout", "batchnorm"]
                                    : ["architecture", "init_from", "in", "channels", "kernel_size", "padding", "pool", "hidden", "out", "activation", "dropout"]
        for key in r.keys where !allowed.contains(key) {
            throw r.child(key)!.error("not a setting of architecture '\(arch)'; its settings are \(allowed.joined(separator: ", "))")
        }
        func ints(_ key: String, _ d: [Int]) throws(ConfigError) -> [Int] {
            guard let c = r.child(key) else { return d }
            if case .int = c.node.value { return [try c.size()] }
            var out: [Int] = []; for x in try c.list() { out.append(try x.size()) }; return out
        }
        let inSize = try r.optInt("in") { c throws(ConfigError) in try c.size() }
        let out = try r.required("out").size()
        let act = try r.child("activation").map { c throws(ConfigError) in try c.choice(["relu", "tanh", "sigmoid", "gelu", "leaky_relu"], what: "activation") } ?? "relu"
        let activation: LayerSpec = ["relu": .relu, "tanh": .tanh, "sigmoid": .sigmoid, "gelu": .gelu(approximate: false), "leaky_relu": .leakyReLU(slope: 0.01)][act]!
        let dropout = try r.optNumber("dropout") { c throws(ConfigError) in try c.number(in: 0...1, upperOpen: true) } ?? 0
        var specs: [LayerSpec] = []
        if arch == "mlp" {
            let bn = try r.optBool("batchnorm") ?? false
            var first = true
            for h in try ints("hidden", [128]) {
                specs.append(.linear(inFeatures: first ? inSize : nil, out: h, bias: true)); first = false
                if bn { specs.append(.batchNorm1d(features: nil)) }
                specs.append(activation)
                if dropout > 0 { specs.append(.dropout(p: dropout)) }
            }
            specs.append(.linear(inFeatures: first ? inSize : nil, out: out, bias: true))
        } else {
            let k = try r.optInt("kernel_size") { c throws(ConfigError) in try c.size() } ?? 3
            let p = try r.optInt("padding") { c throws(ConfigError) in try c.nonNegativeInt() } ?? 0
            let pool = try r.optInt("pool") { c throws(ConfigError) in try c.size() } ?? 2
            var first = true
            for ch in try ints("channels", [32, 64]) {
                specs.append(.conv2d(inChannels: first ? inSize : nil, out: ch, kernelSize: k, stride: 1, padding: p, bias: true)); first = false
                specs.append(activation)
                if pool > 1 { specs.append(.maxPool2d(kernelSize: pool, stride: nil, padding: 0)) }
            }
            specs.append(.flatten)
            for h in try ints("hidden", [128]) {
                specs.append(.linear(inFeatures: nil, out: h, bias: true)); specs.append(activation)
                if dropout > 0 { specs.append(.dropout(p: dropout)) }
            }
            specs.append(.linear(inFeatures: nil, out: out, bias: true))
        }
        layers = specs
        layerPaths = Array(repeating: r.path, count: specs.count)
    }
}

/// Builds modules, optimizers, schedules and losses from a ``TrainingConfig``.
public enum ModelBuilder {
    /// Per-layer resolved input sizes and the final output shape.
    struct Resolved {
        var layers: [(spec: LayerSpec, inSize: Int?)] = []
        var output: [Int]?
        var outputPath: String = "model"
        var prependFlatten = false
    }

    /// Checks every layer against the previous one's output (and the data's feature shape),
    /// inferring omitted `in`/`features` sizes.
    static func inferShapes(_ model: ModelConfig, inputShape: [Int]?, file: String) throws(ConfigError) -> Resolved {
        var r = Resolved()
        var shape = inputShape
        func fail(_ i: Int, _ field: String?, _ message: String) -> ConfigError {
            let base = model.layerPaths[i]
            let p = model.architecture == nil ? base + (field.map { "." + $0 } ?? "") : base
            return ConfigError(file: file, path: p, message: model.architecture == nil ? message : "layer \(i) (\(layerName(model.layers[i]))): " + message)
        }
        func source(_ i: Int) -> String { i == 0 ? "the data" : "the previous layer" }
        func elements(_ s: [Int]) -> Int { Shape.checkedCount(s) ?? Int.max }
        if let s = shape, elements(s) > ConfigLimits.maxExampleElements {
            throw ConfigError(file: file, path: "data.features", message: "examples of shape \(s) hold more than \(ConfigLimits.maxExampleElements) values")
        }
        var parameters = 0
        for (i, spec) in model.layers.enumerated() {
            if i == 0, case .linear = spec, let s = shape, s.count > 1 {
                r.prependFlatten = true; shape = [elements(s)]
            }
            var inSize: Int?
            switch spec {
            case .linear(let declared, let out, _):
                if let s = shape {
                    guard let last = s.last else { throw fail(i, nil, "linear needs a feature dimension") }
                    if let declared, declared != last {
                        throw fail(i, "in", "linear expects \(declared) input features but \(source(i)) produces \(last) (shape \(s))")
                    }
                    inSize = last; shape = Array(s.dropLast()) + [out]
                } else {
                    guard let declared else { throw fail(i, "in", "cannot infer the input size; set 'in' (or data.features)") }
                    inSize = declared; shape = [out]
                }
            case .conv2d(let declared, let out, let k, let stride, let pad, _):
                if let s = shape {
                    guard s.count == 3 else { throw fail(i, nil, "conv2d needs [channels, height, width] input but \(source(i)) produces shape \(s)") }
                    if let declared, declared != s[0] {
                        throw fail(i, "in", "conv2d expects \(declared) input channels but \(source(i)) produces \(s[0])")
                    }
                    let h = (s[1] + 2 * pad - k) / stride + 1, w = (s[2] + 2 * pad - k) / stride + 1
                    guard s[1] + 2 * pad >= k, s[2] + 2 * pad >= k else {
                        throw fail(i, "kernel_size", "kernel \(k)x\(k) is larger than the padded \(s[1])x\(s[2]) input")
                    }
                    inSize = s[0]; shape = [out, h, w]
                } else {
                    guard let declared else { throw fail(i, "in", "cannot infer the input channels; set 'in' (or data.features)") }
                    inSize = declared; shape = nil
                }
            case .conv1d(let declared, let out, let k, let stride, let pad, _):
                if let s = shape {
                    guard s.count == 2 else { throw fail(i, nil, "conv1d needs [channels, length] input but \(source(i)) produces shape \(s)") }
                    if let declared, declared != s[0] {
                        throw fail(i, "in", "conv1d expects \(declared) input channels but \(source(i)) produces \(s[0])")
                    }
                    guard s[1] + 2 * pad >= k else { throw fail(i, "kernel_size", "kernel \(k) is longer than the padded length \(s[1])") }
                    inSize = s[0]; shape = [out, (s[1] + 2 * pad - k) / stride + 1]
                } else {
                    guard let declared else { throw fail(i, "in", "cannot infer the input channels; set 'in' (or data.features)") }
                    inSize = declared; shape = nil
                }
            case .maxPool1d(let k, let stride, let pad), .avgPool1d(let k, let stride, let pad):
                if let s = shape {
                    guard s.count == 2 else { throw fail(i, nil, "1-D pooling needs [channels, length] input but \(source(i)) produces shape \(s)") }
                    guard s[1] + 2 * pad >= k else { throw fail(i, "kernel_size", "pool \(k) is longer than the length \(s[1])") }
                    shape = [s[0], (s[1] + 2 * pad - k) / (stride ?? k) + 1]
                }
            case .globalAvgPool1d:
                if let s = shape {
                    guard s.count == 2 else { throw fail(i, nil, "global_avg_pool1d needs [channels, length] input, got \(s)") }
                    shape = [s[0]]
                }
            case .maxPool2d(let k, let stride, let pad), .avgPool2d(let k, let stride, let pad):
                if let s = shape {
                    guard s.count == 3 else { throw fail(i, nil, "pooling needs [channels, height, width] input but \(source(i)) produces shape \(s)") }
                    let st = stride ?? k
                    guard s[1] + 2 * pad >= k, s[2] + 2 * pad >= k else {
                        throw fail(i, "kernel_size", "pool \(k)x\(k) is larger than the \(s[1])x\(s[2]) input")
                    }
                    shape = [s[0], (s[1] + 2 * pad - k) / st + 1, (s[2] + 2 * pad - k) / st + 1]
                }
            case .globalAvgPool2d:
                if let s = shape {
                    guard s.count == 3 else { throw fail(i, nil, "global_avg_pool2d needs [channels, height, width] input, got \(s)") }
                    shape = [s[0]]
                }
            case .flatten:
                if let s = shape { shape = [elements(s)] }
            case .batchNorm1d(let declared), .batchNorm2d(let declared):
                let is2d: Bool = { if case .batchNorm2d = spec { return true } else { return false } }()
                if let s = shape {
                    if is2d && s.count != 3 { throw fail(i, nil, "batchnorm2d needs [channels, height, width] input, got \(s)") }
                    if !is2d && !(1...2).contains(s.count) { throw fail(i, nil, "batchnorm1d needs [features] or [channels, length] input, got \(s)") }
                    if let declared, declared != s[0] {
                        throw fail(i, "features", "expects \(declared) features but \(source(i)) produces \(s[0])")
                    }
                    inSize = s[0]
                } else {
                    guard let declared else { throw fail(i, "features", "cannot infer the feature count; set 'features'") }
                    inSize = declared
                }
            case .layerNorm(let declared):
                if let s = shape, let declared, Array(s.suffix(declared.count)) != declared {
                    throw fail(i, "shape", "normalized shape \(declared) does not match the trailing dimensions of \(s)")
                }
                if shape == nil && declared == nil { throw fail(i, "shape", "cannot infer the normalized shape; set 'shape'") }
                inSize = declared?.last ?? shape?.last
            case .embedding(_, let dim):
                shape = shape.map { $0 + [dim] }
            case .recurrent(_, let declared, let hidden, _, _, _, let returnSequence):
                let name = layerName(spec)
                if let s = shape {
                    guard s.count == 2 else {
                        throw fail(i, nil, "\(name) needs [steps, features] input but \(source(i)) produces shape \(s)"
                                   + (i == 0 ? "; set data.features to [steps, features], or put an embedding first for ids" : ""))
                    }
                    if let declared, declared != s[1] {
                        throw fail(i, "in", "\(name) expects \(declared) input features but \(source(i)) produces \(s[1]) (shape \(s))")
                    }
                    inSize = s[1]; shape = returnSequence ? [s[0], hidden] : [hidden]
                } else {
                    guard let declared else { throw fail(i, "in", "cannot infer the input size; set 'in' (or data.features)") }
                    inSize = declared; shape = returnSequence ? nil : [hidden]
                }
            default: break
            }
            if let s = shape, elements(s) > ConfigLimits.maxExampleElements {
                throw fail(i, nil, "this layer's output \(s) holds more than \(ConfigLimits.maxExampleElements) values per example")
            }
            parameters = parameters.addingReportingOverflow(Self.parameterCount(spec, inSize: inSize)).partialValue
            if parameters > ConfigLimits.maxParameters || parameters < 0 {
                throw fail(i, nil, "the model would have more than \(ConfigLimits.maxParameters) parameters by this layer")
            }
            r.layers.append((spec, inSize))
        }
        r.output = shape
        if let last = model.layers.indices.last {
            r.outputPath = model.architecture == nil ? model.layerPaths[last] + ".out" : model.layerPaths[last] + ".out"
        }
        return r
    }

    /// The parameters of one layer (saturating at `Int.max`; sizes are capped at `ConfigLimits.maxSize`).
    static func parameterCount(_ spec: LayerSpec, inSize: Int?) -> Int {
        func product(_ xs: [Int]) -> Int { Shape.checkedCount(xs) ?? Int.max }
        let n = inSize ?? 0
        switch spec {
        case .linear(_, let out, _): return product([n + 1, out])
        case .conv2d(_, let out, let k, _, _, _): return product([min(product([n, k, k]), Int.max - 1) + 1, out])
        case .embedding(let count, let dim): return product([count, dim])
        case .recurrent(_, _, let hidden, let layers, _, _, _): return product([4, hidden, n + hidden + 2, layers])
        case .batchNorm1d, .batchNorm2d, .layerNorm: return 2 * n
        default: return 0
        }
    }

    static func layerName(_ spec: LayerSpec) -> String {
        switch spec {
        case .linear: return "linear"
        case .conv2d: return "conv2d"
        case .maxPool2d: return "maxpool2d"
        case .avgPool2d: return "avgpool2d"
        case .globalAvgPool2d: return "global_avg_pool2d"
        case .conv1d: return "conv1d"
        case .maxPool1d: return "maxpool1d"
        case .avgPool1d: return "avgpool1d"
        case .globalAvgPool1d: return "global_avg_pool1d"
        case .flatten: return "flatten"
        case .identity: return "identity"
        case .batchNorm1d: return "batchnorm1d"
        case .batchNorm2d: return "batchnorm2d"
        case .layerNorm: return "layernorm"
        case .dropout: return "dropout"
        case .relu: return "relu"
        case .tanh: return "tanh"
        case .sigmoid: return "sigmoid"
        case .gelu: return "gelu"
        case .leakyReLU: return "leaky_relu"
        case .softplus: return "softplus"
        case .embedding: return "embedding"
        case .recurrent(let cell, _, _, _, _, _, _): return cell == .lstm ? "lstm" : cell == .gru ? "gru" : "rnn"
        }
    }

    /// A ``ConfiguredModel`` of the configured layers (named `0`, `1`, ... as in PyTorch's
    /// `nn.Sequential`), with omitted sizes inferred from the previous layer (or
    /// `inputShape`, one example's shape without the batch dimension). When the input has
    /// several dimensions and the first layer is `linear`, the model flattens its input.
    public static func build(_ model: ModelConfig, inputShape: [Int]?, file: String = "<config>") throws(ConfigError) -> Module {
        let resolved = try inferShapes(model, inputShape: inputShape, file: file)
        var modules: [Module] = []
        var keepsLastStep = Set<Int>()   // indices of recurrent layers with `return: last`
        for (spec, inSize) in resolved.layers {
            switch spec {
            case .linear(_, let out, let bias): modules.append(Linear(inSize!, out, bias: bias))
            case .conv2d(_, let out, let k, let s, let p, let bias):
                modules.append(Conv2d(inSize!, out, kernelSize: k, stride: s, padding: p, bias: bias))
            case .maxPool2d(let k, let s, let p): modules.append(MaxPool2d(k, stride: s, padding: p))
            case .avgPool2d(let k, let s, let p): modules.append(AvgPool2d(k, stride: s, padding: p))
            case .globalAvgPool2d: modules.append(GlobalAvgPool2d())
            case .conv1d(_, let out, let k, let s, let p, let bias):
                modules.append(Conv1d(inSize!, out, kernelSize: k, stride: s, padding: p, bias: bias))
            case .maxPool1d(let k, let s, let p): modules.append(MaxPool1d(k, stride: s, padding: p))
            case .avgPool1d(let k, let s, let p): modules.append(AvgPool1d(k, stride: s, padding: p))
            case .globalAvgPool1d: modules.append(GlobalAvgPool1d())
            case .flatten: modules.append(Flatten())
            case .identity: modules.append(Identity())
            case .batchNorm1d: modules.append(BatchNorm1d(inSize!))
            case .batchNorm2d: modules.append(BatchNorm2d(inSize!))
            case .layerNorm(let shape): modules.append(LayerNorm(shape ?? [inSize!]))
            case .dropout(let p): modules.append(Dropout(Float(p)))
            case .relu: modules.append(ReLU())
            case .tanh: modules.append(Tanh())
            case .sigmoid: modules.append(Sigmoid())
            case .gelu(let a): modules.append(GELU(approximate: a))
            case .leakyReLU(let s): modules.append(LeakyReLU(negativeSlope: Float(s)))
            case .softplus(let b, let t): modules.append(Softplus(beta: Float(b), threshold: Float(t)))
            case .embedding(let count, let dim): modules.append(Embedding(count, dim))
            case .recurrent(let cell, _, let hidden, let numLayers, let bias, let dropout, let returnSequence):
                let n = inSize!, p = Float(dropout)
                switch cell {
                case .lstm: modules.append(LSTM(inputSize: n, hiddenSize: hidden, numLayers: numLayers, bias: bias, batchFirst: true, dropout: p))
                case .gru: modules.append(GRU(inputSize: n, hiddenSize: hidden, numLayers: numLayers, bias: bias, batchFirst: true, dropout: p))
                case .rnnTanh, .rnnReLU:
                    modules.append(RNN(inputSize: n, hiddenSize: hidden, numLayers: numLayers, nonlinearity: cell == .rnnReLU ? .relu : .tanh,
                                       bias: bias, batchFirst: true, dropout: p))
                }
                if !returnSequence { keepsLastStep.insert(modules.count - 1) }
            }
        }
        return ConfiguredModel(layers: modules, flattensInput: resolved.prependFlatten,
                               keepsLastStep: modules.indices.map { keepsLastStep.contains($0) })
    }

    /// The configured optimizer over `parameters` (usually `model.parameters()`).
    public static func optimizer(_ c: OptimizerConfig, parameters: [Parameter]) -> Optimizer {
        let lr = Float(c.lr), wd = Float(c.weightDecay)
        switch c.kind {
        case .sgd:
            return SGD(parameters, learningRate: lr, momentum: Float(c.momentum), dampening: Float(c.dampening),
                       nesterov: c.nesterov, weightDecay: wd)
        case .adam:
            return Adam(parameters, learningRate: lr, beta1: Float(c.betas.0), beta2: Float(c.betas.1),
                        epsilon: Float(c.epsilon ?? 1e-8), weightDecay: wd)
        case .adamw:
            return AdamW(parameters, learningRate: lr, beta1: Float(c.betas.0), beta2: Float(c.betas.1),
                         epsilon: Float(c.epsilon ?? 1e-8), weightDecay: wd)
        case .rmsprop:
            return RMSProp(parameters, learningRate: lr, alpha: Float(c.alpha), epsilon: Float(c.epsilon ?? 1e-8),
                           weightDecay: wd, momentum: Float(c.momentum), centered: c.centered)
        case .adagrad:
            return Adagrad(parameters, learningRate: lr, learningRateDecay: Float(c.lrDecay), weightDecay: wd,
                           epsilon: Float(c.epsilon ?? 1e-10))
        }
    }

    /// What a schedule config turns into.
    public enum BuiltSchedule {
        case scheduler(LearningRateScheduler, SchedulePer)
        /// Call `step(metric:)` with `monitor`'s value after each evaluation.
        case plateau(ReduceOnPlateau, monitor: String)
    }

    /// The schedule for `optimizer`. `totalSteps` is the number of scheduler steps in the run
    /// (epochs or optimizer steps, per `schedule.per`) and is the default period/total.
    public static func schedule(_ c: ScheduleConfig, optimizer: Optimizer, totalSteps: Int) -> BuiltSchedule {
        let per: SchedulePer = c.per == .epoch ? .epoch : .step
        let s: any LearningRateSchedule
        switch c.kind {
        case .step(let size, let gamma): s = StepSchedule(stepSize: size, gamma: Float(gamma))
        case .exponential(let gamma): s = ExponentialSchedule(gamma: Float(gamma))
        case .cosine(let period, let minimum): s = CosineSchedule(period: period ?? max(totalSteps, 1), minimum: Float(minimum))
        case .warmupCosine(let warmup, let total, let minimum):
            s = WarmupCosineSchedule(warmup: warmup, total: total ?? max(totalSteps, warmup + 1), minimum: Float(minimum))
        case .oneCycle(let total, let pct, let div, let finalDiv):
            s = OneCycleSchedule(totalSteps: total ?? max(totalSteps, 1), pctStart: pct, divFactor: Float(div), finalDivFactor: Float(finalDiv))
        case .plateau(let monitor, let mode, let factor, let patience, let threshold, let cooldown, let minLR):
            return .plateau(ReduceOnPlateau(optimizer, mode: mode == "max" ? .max : .min, factor: Float(factor), patience: patience,
                                            threshold: Float(threshold), cooldown: cooldown, minimumRate: Float(minLR)), monitor: monitor)
        }
        return .scheduler(LearningRateScheduler(optimizer, schedule: s), per)
    }

    /// The loss as the trainer's `(output, batch) -> loss` closure.
    public static func loss(_ c: LossConfig) -> (Tensor, Batch) -> Tensor {
        let reduction: Reduction = c.reduction == "sum" ? .sum : .mean
        let smoothing = Float(c.labelSmoothing), delta = Float(c.delta)
        func labels(_ b: Batch) -> IntTensor {
            guard let l = b.labels else { fatalError("loss \(c.kind.rawValue): the batch has no labels") }
            return l
        }
        func targets(_ b: Batch) -> Tensor {
            guard let t = b.targets else { fatalError("loss \(c.kind.rawValue): the batch has no float targets") }
            return t
        }
        switch c.kind {
        case .crossEntropy: return { Loss.crossEntropy($0, labels($1), labelSmoothing: smoothing, reduction: reduction) }
        case .nll: return { Loss.nllLoss($0, labels($1), reduction: reduction) }
        case .mse: return { Loss.mse($0, targets($1), reduction: reduction) }
        case .l1: return { Loss.l1($0, targets($1), reduction: reduction) }
        case .huber: return { Loss.huber($0, targets($1), delta: delta, reduction: reduction) }
        case .bceWithLogits: return { Loss.binaryCrossEntropyWithLogits($0, targets($1), reduction: reduction) }
        }
    }

    /// The early-stopping callback, if configured.
    public static func earlyStopping(_ c: EarlyStoppingConfig?) -> EarlyStopping? {
        guard let c else { return nil }
        let mode: MonitorMode = c.mode == "min" ? .min : c.mode == "max" ? .max : .auto
        return EarlyStopping(monitor: c.monitor, mode: mode, patience: c.patience, minDelta: c.minDelta)
    }
}

extension TrainingConfig {
    /// The model for this configuration's data.
    public func buildModel() throws(ConfigError) -> Module { try ModelBuilder.build(model, inputShape: data.featureShape, file: file) }

    /// The model for this configuration's data with the initial weights of `model.init_from`
    /// when it is set (what `e2e train` starts from); a file that does not fit is an error
    /// naming `model.init_from` and showing both sides' names and shapes.
    public func buildInitialModel() throws -> Module {
        let built = try buildModel()
        if let initFrom = model.initFrom {
            do { try Predictor.loadWeights(into: built, from: URL(fileURLWithPath: initFrom)) } catch {
                throw ConfigError(file: file, path: "model.init_from", message: "\(error)")
            }
        }
        return built
    }
}
