import EndToEnd

/// A quantity accumulated over batches and read once per evaluation, like torchmetrics.
public protocol Metric: AnyObject {
    /// The name used in logs and summaries, e.g. `"accuracy"`.
    var name: String { get }
    /// Clears accumulated state.
    func reset()
    /// The current value over everything seen since the last reset.
    func compute() -> Double
}
