import EndToEnd
import EndToEndNN
import Foundation

/// Sends a training run to TensorBoard (`output.tensorboard: true`): after every step the
/// training loss and learning rate (`step/train_loss`, `step/learning_rate`, at the global
/// step), after every epoch each metric (`epoch/train_loss`, `epoch/validation_accuracy`,
/// ..., at the 1-based epoch), and optionally histograms of every parameter and of its
/// gradient from the epoch's last step (`weights/<name>`, `gradients/<name>`).
public final class TensorBoardCallback: TrainerCallback {
    public let writer: TensorBoardWriter
    public let histograms: Bool

    public init(writer: TensorBoardWriter, histograms: Bool = false) {
        self.writer = writer
        self.histograms = histograms
    }

    public convenience init(directory: URL, histograms: Bool = false) throws {
        self.init(writer: try TensorBoardWriter(directory: directory), histograms: histograms)
    }

    public func onStepEnd(_ trainer: Trainer, step: Int, loss: Double) throws {
        try writer.addScalar("step/train_loss", loss, step: step)
        try writer.addScalar("step/learning_rate", Double(trainer.optimizer.learningRate), step: step)
    }

    public func onEpochEnd(_ trainer: Trainer, epoch: Int, metrics: [String: Double]) throws -> Bool {
        for name in metrics.keys.sorted() { try writer.addScalar("epoch/" + name, metrics[name]!, step: epoch + 1) }
        if histograms {
            for (name, p) in trainer.model.namedParameters() {
                try writer.addHistogram("weights/" + name, p.value.scalars, step: epoch + 1)
                if let g = p.grad { try writer.addHistogram("gradients/" + name, g.scalars, step: epoch + 1) }
            }
        }
        try writer.flush()
        return false
    }

    public func onTrainEnd(_ trainer: Trainer, summary: TrainingSummary) throws { try writer.flush() }
}
