/// The largest values a configuration may ask for. They are far beyond any real run on
/// one machine; their point is that a typo (`2^40` outputs, a batch of `2^63 - 1`) is a
/// clear error naming the key instead of an allocation failure or an overflow trap.
public enum ConfigLimits {
    /// Any integer setting (counts, steps, patience): what fits in `Int32`, which labels
    /// and several kernels use.
    public static let maxInteger = Int(Int32.max)
    /// A layer size (`out`, `in`, `hidden`, channels, features of a dimension, classes).
    public static let maxSize = 1 << 24
    /// Elements of one example's input or of any layer's output for one example.
    public static let maxExampleElements = 1 << 28
    /// Parameters of the whole model (4 GiB of Float32).
    public static let maxParameters = 1 << 30
    /// Examples in one batch.
    public static let maxBatchSize = 1 << 20
    /// Points of a synthetic data set (per class or arm) and examples of parity-lines.
    public static let maxPoints = 1 << 24
    /// Elements of a whole synthetic data set (examples × features).
    public static let maxDatasetElements = 1 << 30
    /// Worker threads.
    public static let maxThreads = 1024
    /// The learning rate (anything larger diverges at the first step).
    public static let maxLearningRate = 1e3
    /// Nesting depth of a configuration document (objects and lists).
    public static let maxDepth = 64
    /// Values in a configuration document once YAML aliases are expanded.
    public static let maxNodes = 1_000_000
}

extension ConfigReader {
    /// A positive integer at most `limit`.
    public func positiveInt(atMost limit: Int) throws(ConfigError) -> Int {
        let i = try positiveInt()
        guard i <= limit else { throw error("expected a positive integer at most \(limit), got \(node.shortDescription)") }
        return i
    }

    /// A non-negative integer at most `limit`.
    public func nonNegativeInt(atMost limit: Int) throws(ConfigError) -> Int {
        let i = try nonNegativeInt()
        guard i <= limit else { throw error("expected a non-negative integer at most \(limit), got \(node.shortDescription)") }
        return i
    }

    /// A size setting (`out`, `hidden`, `classes`, …): a positive integer at most `ConfigLimits.maxSize`.
    public func size() throws(ConfigError) -> Int { try positiveInt(atMost: ConfigLimits.maxSize) }
}
