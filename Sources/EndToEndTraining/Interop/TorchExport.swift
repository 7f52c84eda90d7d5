import EndToEnd
import EndToEndNN
import Foundation

/// `e2e export --format torch`: a config-built model as a plain PyTorch `state_dict`
/// (safetensors) and a Python file that defines the equivalent PyTorch model, so that
///
/// ```python
/// from model import build_model
/// from safetensors.torch import load_file
/// m = build_model(); m.load_state_dict(load_file("model.safetensors"), strict=True); m.eval()
/// ```
///
/// gives EndToEnd's outputs. Names are the model's own (``ConfiguredModel`` already names
/// its parameters as `nn.Sequential` does); `num_batches_tracked` is written as `I64`, the
/// type PyTorch keeps it in.
public enum TorchExport {
    /// The files one export writes.
    public struct Written: Sendable, Equatable {
        public let weights: URL
        public let source: URL
    }

    /// Writes `model`'s state dict to `url` and the PyTorch definition of `config`'s model
    /// beside it (`url` with the extension `.py`), both atomically.
    @discardableResult
    public static func write(model: Module, config: TrainingConfig, to url: URL) throws -> Written {
        let source = try pythonSource(for: config)
        let py = url.deletingPathExtension().appendingPathExtension("py")
        guard py != url else { throw CheckpointError("the weights file cannot end in .py", file: url) }
        var floats: [(String, Tensor)] = []
        var integers: [(String, IntTensor)] = []
        for (name, t) in model.stateDict() {
            if name.hasSuffix("num_batches_tracked") {
                integers.append((name, IntTensor(shape: t.shape, scalars: t.scalars.map { Int32($0) })))
            } else {
                floats.append((name, t))
            }
        }
        try SafeTensors.write(floats, integers: integers, metadata: ["format": "pt", "generator": "e2e export"], to: url)
        try SafeTensors.writeAtomically(Data(source.utf8), to: py)
        return Written(weights: url, source: py)
    }

    /// A Python module defining `build_model()`, the PyTorch model of `config`'s layers: an
    /// `nn.Sequential` subclass whose children are the layers in order (`0`, `1`, ...).
    public static func pythonSource(for config: TrainingConfig) throws -> String {
        let resolved = try ModelBuilder.inferShapes(config.model, inputShape: config.data.featureShape, file: config.file)
        var helpers = Set<String>()
        var lines: [String] = []
        for (spec, inSize) in resolved.layers {
            lines.append("        " + (try module(spec, inSize: inSize, helpers: &helpers, file: config.file)) + ",")
        }
        var out = """
            \"\"\"The PyTorch model of \(config.file)'s layers, written by `e2e export --format torch`.

            Load the exported weights strictly:

                from safetensors.torch import load_file
                model = build_model()
                model.load_state_dict(load_file(WEIGHTS), strict=True)
                model.eval()
            \"\"\"
            import torch
            from torch import nn


            """
        for name in helpers.sorted() { out += helperSource[name]! + "\n\n" }
        out += """
            class Model(nn.Sequential):
                \"\"\"The layers in order, named 0, 1, ... like e2e's; inputs [batch, ...].\"\"\"
                flatten_input = \(resolved.prependFlatten ? "True" : "False")  # e2e flattens examples before a first linear layer

                def forward(self, x):
                    if self.flatten_input:
                        x = x.flatten(1)
                    return super().forward(x)


            def build_model():
                return Model(
            \(lines.joined(separator: "\n"))
                )

            """
        return out
    }

    static func py(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(format: "%.1f", x) : "\(x)"
    }

    static func py(_ b: Bool) -> String { b ? "True" : "False" }

    /// The PyTorch constructor of one layer.
    static func module(_ spec: LayerSpec, inSize: Int?, helpers: inout Set<String>, file: String) throws -> String {
        func size() throws -> Int {
            guard let inSize else { throw CheckpointError("\(file): layer \(ModelBuilder.layerName(spec)) has no known input size") }
            return inSize
        }
        switch spec {
        case .linear(_, let out, let bias): return "nn.Linear(\(try size()), \(out), bias=\(py(bias)))"
        case .conv2d(_, let out, let k, let s, let p, let bias):
            return "nn.Conv2d(\(try size()), \(out), \(k), stride=\(s), padding=\(p), bias=\(py(bias)))"
        case .maxPool2d(let k, let s, let p): return "nn.MaxPool2d(\(k), stride=\(s ?? k), padding=\(p))"
        case .avgPool2d(let k, let s, let p): return "nn.AvgPool2d(\(k), stride=\(s ?? k), padding=\(p))"
        case .globalAvgPool2d: return "nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())"
        case .conv1d(_, let out, let k, let s, let p, let bias):
            return "nn.Conv1d(\(try size()), \(out), \(k), stride=\(s), padding=\(p), bias=\(py(bias)))"
        case .maxPool1d(let k, let s, let p): return "nn.MaxPool1d(\(k), stride=\(s ?? k), padding=\(p))"
        case .avgPool1d(let k, let s, let p): return "nn.AvgPool1d(\(k), stride=\(s ?? k), padding=\(p))"
        case .globalAvgPool1d: return "nn.Sequential(nn.AdaptiveAvgPool1d(1), nn.Flatten())"
        case .flatten: return "nn.Flatten()"
        case .identity: return "nn.Identity()"
        case .batchNorm1d: return "nn.BatchNorm1d(\(try size()))"
        case .batchNorm2d: return "nn.BatchNorm2d(\(try size()))"
        case .layerNorm(let shape):
            let dims = try shape ?? [size()]
            return "nn.LayerNorm(\(dims.description))"
        case .dropout(let p): return "nn.Dropout(\(py(p)))"
        case .relu: return "nn.ReLU()"
        case .tanh: return "nn.Tanh()"
        case .sigmoid: return "nn.Sigmoid()"
        case .gelu(let approximate): return "nn.GELU(approximate=\"\(approximate ? "tanh" : "none")\")"
        case .leakyReLU(let slope): return "nn.LeakyReLU(\(py(slope)))"
        case .softplus(let beta, let threshold): return "nn.Softplus(beta=\(py(beta)), threshold=\(py(threshold)))"
        case .embedding(let count, let dim):
            helpers.insert("IdEmbedding")
            return "IdEmbedding(\(count), \(dim))"
        case .recurrent(let cell, _, let hidden, let numLayers, let bias, let dropout, let returnSequence):
            let base = cell == .lstm ? "LSTM" : cell == .gru ? "GRU" : "RNN"
            let name = base + (returnSequence ? "Sequence" : "LastStep")
            helpers.insert(name)
            let nonlinearity = cell == .rnnReLU ? ", nonlinearity=\"relu\"" : ""
            return "\(name)(\(try size()), \(hidden), num_layers=\(numLayers), bias=\(py(bias)), batch_first=True, dropout=\(py(dropout))\(nonlinearity))"
        }
    }

    /// Subclasses that keep PyTorch's parameter names while matching what e2e's layer passes on.
    static let helperSource: [String: String] = {
        var out = ["IdEmbedding": """
            class IdEmbedding(nn.Embedding):
                \"\"\"nn.Embedding on ids given as floats (e2e's inputs are float tensors).\"\"\"
                def forward(self, x):
                    return super().forward(x.long())

            """]
        for base in ["LSTM", "GRU", "RNN"] {
            out[base + "LastStep"] = """
                class \(base)LastStep(nn.\(base)):
                    \"\"\"nn.\(base) (batch first) passing on the last step's output: e2e's `return: last`.\"\"\"
                    def forward(self, x):
                        return super().forward(x)[0][:, -1]

                """
            out[base + "Sequence"] = """
                class \(base)Sequence(nn.\(base)):
                    \"\"\"nn.\(base) (batch first) passing on every step's output: e2e's `return: sequence`.\"\"\"
                    def forward(self, x):
                        return super().forward(x)[0]

                """
        }
        return out
    }()
}
