import EndToEndTraining

/// What one strategy achieved and what it cost.
public struct StrategyResult: Sendable {
    /// The strategy's name, e.g. `"end-to-end"`.
    public var strategy: String
    /// Final test metrics: `test_accuracy`, `test_loss`, `<node>_accuracy` for every
    /// interface with a target, and strategy-specific ones (ensemble members...).
    public var metrics: [String: Double]
    /// Seconds spent training (evaluation and diagnostics excluded).
    public var wallSeconds: Double
    /// Optimizer steps taken, over all stages.
    public var steps: Int
    /// Examples fed through a model during training (an ensemble step counts once per member).
    public var samplesSeen: Int
    /// Parameters trained, including auxiliary heads, stacking layers and every member.
    public var parameterCount: Int
    /// Stages run, in order, with their step counts (e.g. `encoder` then `aggregator`).
    public var stages: [(name: String, steps: Int)]
    /// Test metrics at each evaluation, and the running training loss (split `"train"`).
    public var curve: [MetricsRecord]
    /// Gradient norms and signal-to-noise ratios over training (split `"diagnostics"`).
    public var diagnostics: [MetricsRecord]

    /// Final test accuracy, if the task has one.
    public var testAccuracy: Double? { metrics["test_accuracy"] }
}
