import EndToEndTraining
import Foundation

/// Strategies by name, as the command line and configuration files spell them.
public enum StrategyCatalog {
    /// Settings that parameterize the named strategies.
    public struct Options: Sendable, Equatable {
        public var members = 4
        public var combination = EnsembleStrategy.Combination.average
        public var bagging = false
        public var lambda: Float = 0
        public var stackingFraction = 0.1
        public var fineTuneFraction = 0.5
        public var auxiliaryWeight: Float = 1
        public var headHidden = 0
        public init() {}
    }

    /// Every name ``make(_:options:)`` accepts; `ensemble-lambda=X` takes any X in [0, 1].
    public static let names = [
        "end-to-end", "step-by-step", "pretrain-end-to-end", "decomposition", "local-losses", "greedy-layerwise",
        "ensemble", "ensemble-vote", "ensemble-stacking", "ensemble-bagging", "ensemble-lambda=X",
    ]

    /// The strategies of issue-level "all": every family, with the ensemble λ-blend at 0.5 and 1.
    public static let all = [
        "end-to-end", "step-by-step", "pretrain-end-to-end", "decomposition", "local-losses", "greedy-layerwise",
        "ensemble", "ensemble-vote", "ensemble-stacking", "ensemble-bagging", "ensemble-lambda=0.5", "ensemble-lambda=1",
    ]

    /// The strategy called `name`, configured from `options`.
    public static func make(_ name: String, options: Options = Options()) throws -> any Strategy {
        let o = options
        switch name {
        case "end-to-end": return EndToEndStrategy()
        case "step-by-step": return StepByStepStrategy()
        case "pretrain-end-to-end": return StepByStepStrategy(fineTuneFraction: o.fineTuneFraction)
        case "decomposition": return DecompositionStrategy(auxiliaryWeight: o.auxiliaryWeight)
        case "local-losses": return LocalLossStrategy(mode: .simultaneous, headHidden: o.headHidden)
        case "greedy-layerwise": return LocalLossStrategy(mode: .greedy, headHidden: o.headHidden)
        case "ensemble":
            return EnsembleStrategy(name: "ensemble", members: o.members, combination: o.combination, bagging: o.bagging,
                                    lambda: o.lambda, stackingFraction: o.stackingFraction)
        case "ensemble-vote": return EnsembleStrategy(name: name, members: o.members, combination: .vote)
        case "ensemble-stacking":
            return EnsembleStrategy(name: name, members: o.members, combination: .stacking, stackingFraction: o.stackingFraction)
        case "ensemble-bagging": return EnsembleStrategy(name: name, members: o.members, bagging: true)
        default:
            if name.hasPrefix("ensemble-lambda=") {
                let text = name.dropFirst("ensemble-lambda=".count)
                guard let l = Float(text), (0...1).contains(l) else {
                    throw StrategyError("strategy '\(name)': λ must be a number in [0, 1], got '\(text)'")
                }
                return EnsembleStrategy(name: name, members: o.members, lambda: l)
            }
            var message = "unknown strategy '\(name)'; known: \(names.joined(separator: ", "))"
            if let near = ConfigReader.suggestion(for: name, among: names) { message += " (did you mean '\(near)'?)" }
            throw StrategyError(message)
        }
    }

    /// Parses a comma-separated list; `all` expands to ``all``.
    public static func parseList(_ text: String, options: Options = Options()) throws -> [any Strategy] {
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else { throw StrategyError("the list of strategies is empty") }
        return try names.flatMap { $0 == "all" ? all : [$0] }.map { try make($0, options: options) }
    }
}
