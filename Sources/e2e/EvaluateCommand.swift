import ArgumentParser
import EndToEnd
import EndToEndData
import EndToEndKernels
import EndToEndNN
import EndToEndTraining
import Foundation

/// `e2e evaluate CONFIG --checkpoint FILE`: the configured model with saved weights, on the test split.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate saved weights on the test split of a configuration's data.",
        discussion: """
            The checkpoint is a training checkpoint (checkpoints/last.safetensors or best.safetensors \
            of a report, written by Checkpoint.save), a plain model file (Module.save) or a PyTorch \
            state_dict saved with safetensors (names as nn.Sequential's, with or without a prefix \
            such as 'model.'); without \
            --checkpoint, best.safetensors (else last) of the configuration's latest report. Data \
            without a test split are evaluated on the validation split, else the training set. \
            The last line of standard output is a JSON summary.
            """
    )

    @Argument(help: "The configuration file the model was trained with.") var config: String
    @Option(help: "The weights: a training checkpoint or a model .safetensors file (default: the config's latest report's best, else last, checkpoint).")
    var checkpoint: String?
    @OptionGroup var threads: ThreadOptions

    func run() throws {
        let start = Date()
        let config = try RunSupport.loadConfig(self.config).config
        try RunSupport.applyThreads(threads, config: config)
        let model = try config.buildModel()
        let weights: URL
        do {
            weights = try checkpoint.map { URL(fileURLWithPath: $0) } ?? CheckpointLocator.find(for: config)
            try Predictor.loadWeights(into: model, from: weights)
        } catch {
            RunSupport.err("error: \(error)")
            throw ExitCode(1)
        }
        let data = try RunSupport.buildData(config)
        let result = try ModelEvaluation.evaluate(model, config: config, data: data)
        let (split, metrics) = (result.split, result.metrics)
        let wall = Date().timeIntervalSince(start)
        RunSupport.out("\(split) (\(result.examples) examples): " + RunSupport.format(metrics))
        RunSupport.out("{\"command\": \"evaluate\", \"metrics\": \(RunSupport.jsonMetrics(metrics)), "
                       + "\"wall_seconds\": \(String(format: "%.2f", wall)), \"checkpoint\": \(RunSupport.jsonString(weights.path))}")
    }
}
