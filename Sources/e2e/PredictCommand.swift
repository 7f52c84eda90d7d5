import ArgumentParser
import EndToEnd
import EndToEndData
import EndToEndTraining
import Foundation

/// `e2e predict CONFIG --input FILE --output FILE`: a trained model's predictions for new inputs.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Write a trained model's predictions for the examples in an input file.",
        discussion: """
            Inputs: NPY (float or uint8 arrays [N, ...] shaped like the model input, or \
            [N, features]), IDX images (optionally gzipped) or CSV with a header row (numeric \
            columns; a csv data set's label column is ignored). uint8 data are scaled by 1/255 \
            when the training data were (fashion-mnist); the configuration's normalize \
            transform is applied. Classification models (cross_entropy, nll) give the predicted \
            class and the softmax probabilities of each row, other models their raw outputs. \
            The output file is written atomically. The last line of standard output is a JSON \
            summary.
            """
    )

    @Argument(help: "The configuration file the model was trained with.") var config: String
    @Option(help: "The weights (default: checkpoints/best.safetensors, else last.safetensors, of the config's latest report).")
    var checkpoint: String?
    @Option(help: "The examples to predict: .npy, .csv or IDX (.idx, *-ubyte, optionally .gz).") var input: String
    @Option(help: "The predictions file to write.") var output: String
    @Option(help: "Output format: csv or jsonl (default: from the output file's extension, else csv).")
    var format: String?
    @Option(name: .customLong("input-format"), help: "Input format, when the file name does not tell: npy, idx or csv.")
    var inputFormat: String?
    @Option(name: .customLong("batch-size"), help: "Examples per forward pass.") var batchSize: Int = 256
    @OptionGroup var threads: ThreadOptions

    func validate() throws {
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        if let format, PredictionFormat(rawValue: format.lowercased()) == nil {
            throw ValidationError("--format must be csv or jsonl, got '\(format)'")
        }
        if let inputFormat, PredictionInputFormat(rawValue: inputFormat.lowercased()) == nil {
            throw ValidationError("--input-format must be npy, idx or csv, got '\(inputFormat)'")
        }
    }

    func run() throws {
        let start = Date()
        let config = try RunSupport.loadConfig(self.config).config
        try RunSupport.applyThreads(threads, config: config)
        let outputURL = URL(fileURLWithPath: output)
        let outputFormat = format.flatMap { PredictionFormat(rawValue: $0.lowercased()) } ?? PredictionFormat.infer(from: outputURL)
        try RunSupport.reportingErrors {
            try OutputLocation.check(outputURL, expectFile: true)
            let weights = try checkpoint.map { URL(fileURLWithPath: $0) } ?? CheckpointLocator.find(for: config)
            let predictor = try Predictor(config: config, checkpoint: weights)
            let d = config.data
            let x = try PredictionInput.read(
                URL(fileURLWithPath: input), format: inputFormat.flatMap { PredictionInputFormat(rawValue: $0.lowercased()) },
                expectedShape: predictor.inputShape, scaleBytes: d.name == .fashionMNIST,
                dropColumns: d.name == .csv ? [d.labelColumn].compactMap { $0 } : [])
            let predictions = try predictor.predict(x, batchSize: batchSize)
            try PredictionWriter.write(predictions, format: outputFormat, to: outputURL,
                                       classNames: d.name == .fashionMNIST ? FashionMNIST.classNames : nil)
            let wall = Date().timeIntervalSince(start)
            RunSupport.out("{\"command\": \"predict\", \"predictions\": \(predictions.count), \"output\": \(RunSupport.jsonString(output)), "
                           + "\"checkpoint\": \(RunSupport.jsonString(weights.path)), \"wall_seconds\": \(String(format: "%.2f", wall))}")
        }
    }
}
