import ArgumentParser
import EndToEnd
import EndToEndNN
import EndToEndTraining
import Foundation

/// The file formats `e2e export` writes.
enum ExportFormat: String, CaseIterable, ExpressibleByArgument {
    /// A plain PyTorch `state_dict` (safetensors) and a `.py` file defining the model.
    case torch
    /// An ONNX model (opset 17) of the configured network with its weights.
    case onnx
}

/// `e2e export CONFIG --checkpoint FILE --format torch|onnx --output FILE`: trained weights in
/// another framework's format.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a configured model's trained weights for another framework.",
        discussion: """
            torch: writes OUTPUT, a plain state_dict (safetensors) that \
            model.load_state_dict(load_file(OUTPUT), strict=True) accepts, and OUTPUT with the \
            extension .py, which defines that PyTorch model (build_model()). onnx: writes OUTPUT, \
            an ONNX model (opset 17, symbolic batch dimension, input 'input', output 'output') \
            that takes the float inputs e2e predict feeds the model (the config's normalize \
            transform is part of the graph) and returns its raw outputs. Files are written \
            atomically. The checkpoint is anything e2e evaluate accepts. The last line of \
            standard output is a JSON summary.
            """
    )

    @Argument(help: "The configuration file the model was trained with.") var config: String
    @Option(help: "The weights (default: checkpoints/best.safetensors, else last.safetensors, of the config's latest report).")
    var checkpoint: String?
    @Option(help: "What to write: \(ExportFormat.allCases.map(\.rawValue).joined(separator: ", ")).") var format: ExportFormat
    @Option(help: "The file to write.") var output: String

    /// Writes `model` (built from `config`, weights loaded) in `format` to `url`; returns
    /// every file written.
    static func export(_ model: Module, config: TrainingConfig, format: ExportFormat, to url: URL) throws -> [URL] {
        switch format {
        case .torch:
            let written = try TorchExport.write(model: model, config: config, to: url)
            return [written.weights, written.source]
        case .onnx:
            try ONNXExport.write(config: config, model: model, to: url)
            return [url]
        }
    }

    func run() throws {
        let start = Date()
        let config = try RunSupport.loadConfig(self.config).config
        try RunSupport.reportingErrors {
            let model = try config.buildModel()
            let weights = try checkpoint.map { URL(fileURLWithPath: $0) } ?? CheckpointLocator.find(for: config)
            try Predictor.loadWeights(into: model, from: weights)
            model.eval()
            let files = try Self.export(model, config: config, format: format, to: URL(fileURLWithPath: output))
            let wall = Date().timeIntervalSince(start)
            RunSupport.out("{\"command\": \"export\", \"format\": \"\(format.rawValue)\", \"files\": ["
                           + files.map { RunSupport.jsonString($0.path) }.joined(separator: ", ") + "], "
                           + "\"checkpoint\": \(RunSupport.jsonString(weights.path)), \"wall_seconds\": \(String(format: "%.2f", wall))}")
        }
    }
}
