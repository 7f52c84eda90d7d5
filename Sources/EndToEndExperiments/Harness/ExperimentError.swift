/// Failures inside an experiment's run.
public enum ExperimentError: Error, Equatable, CustomStringConvertible {
    /// Something the experiment needs was not there, e.g. a data set without targets.
    case missing(String)
    /// A setting that cannot be run, e.g. `k = 0`.
    case invalidSetting(String)

    public var description: String {
        switch self {
        case .missing(let what): return "experiment: missing \(what)"
        case .invalidSetting(let what): return "experiment: invalid setting: \(what)"
        }
    }
}
