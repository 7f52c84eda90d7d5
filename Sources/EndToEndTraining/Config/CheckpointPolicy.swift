import Foundation

extension TrainingConfig {
    /// The callback that saves `last.safetensors` (every epoch) and `best.safetensors` (on
    /// improvement of `validation_loss`, or `train_loss` without a validation set) into
    /// `directory`; nil when `output.checkpoints` is false, so that no checkpoint is written.
    public func checkpointCallback(directory: URL, hasValidation: Bool) -> CheckpointCallback? {
        guard output.checkpoints else { return nil }
        return CheckpointCallback(directory: directory, monitor: hasValidation ? "validation_loss" : "train_loss")
    }
}
