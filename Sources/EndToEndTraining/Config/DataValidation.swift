import EndToEnd
import EndToEndData

/// The checks of built data against the configured model and loss, run by
/// ``DataBuilder/build(_:)`` before any training starts, so that a mismatch the
/// configuration alone cannot reveal (a CSV with an extra column, a label 3 with 3
/// classes, a regression loss on class labels) is an error naming the data file and the
/// configuration key instead of a trap inside a layer or a loss.
enum DataValidation {
    /// Where the data came from, for messages: the file (or folder) the config names.
    static func source(_ d: DataConfig) -> String {
        switch d.name {
        case .csv: return d.path ?? "data.path"
        case .npy: return d.inputs ?? "data.inputs"
        case .fashionMNIST: return d.path ?? "the Fashion-MNIST folder"
        default: return "data '\(d.name.rawValue)'"
        }
    }

    static func check(_ config: TrainingConfig, splits: [(name: String, data: TensorDataset)], featureShape: [Int]) throws {
        let d = config.data
        let src = source(d)
        func fail(_ key: String, _ message: String) -> DataBuildError {
            DataBuildError("\(src): \(message) (\(config.file): \(key))")
        }
        // Feature shape against the first layers, and the model's output shape.
        let shapes: ModelBuilder.Resolved
        do { shapes = try ModelBuilder.inferShapes(config.model, inputShape: featureShape, file: config.file) } catch {
            throw DataBuildError("\(src): examples have shape \(featureShape), which the model does not accept: \(error)")
        }
        // The loss against the kind of target.
        let labelFile = d.name == .npy ? (d.labels ?? src) : src
        for (name, ds) in splits {
            if config.loss.isClassification {
                guard let labels = ds.labels else {
                    throw fail("loss", "loss \(config.loss.kind.rawValue) needs class labels, but the \(name) split has float targets")
                }
                guard let classes = d.classes ?? shapes.output?.last else { continue }
                if let (i, v) = labels.scalars.enumerated().first(where: { $0.element < 0 || Int($0.element) >= classes }) {
                    let key = d.classes != nil ? "data.classes" : shapes.outputPath
                    throw DataBuildError("\(labelFile): label \(v) of example \(i) of the \(name) split is outside 0..<\(classes) (\(config.file): \(key) gives \(classes) classes)")
                }
                if let out = shapes.output, out.count == 1, out[0] != classes {
                    throw fail(shapes.outputPath, "the model produces \(out[0]) outputs but the data have \(classes) classes")
                }
            } else {
                guard let targets = ds.targets else {
                    throw fail("loss", "loss \(config.loss.kind.rawValue) needs float targets, but data '\(d.name.rawValue)' has class labels; use cross_entropy (or nll) for classification")
                }
                let perExample = Array(targets.shape.dropFirst())
                if let out = shapes.output, out != perExample, !(perExample.isEmpty && out == [1]) {
                    throw fail(shapes.outputPath, "the model produces outputs of shape \(out) per example but the \(name) split's targets have shape \(perExample)")
                }
            }
        }
    }
}
