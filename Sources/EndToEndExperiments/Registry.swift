/// Every experiment `e2e experiment` knows, by name.
public enum ExperimentRegistry {
    /// In the order `--list` shows them.
    public static let all: [any Experiment] = [
        ParityLinesExperiment(),
        ParityBitsExperiment(),
        StocksExperiment(),
        ModuleChainExperiment(),
        LocalLossesExperiment(),
        EnsembleVsEndToEndExperiment(),
        DataSizeExperiment(),
    ]

    /// The experiments' names, in order.
    public static var names: [String] { all.map(\.name) }

    /// The experiment called `name`, or nil.
    public static func experiment(named name: String) -> (any Experiment)? {
        all.first { $0.name == name }
    }
}
