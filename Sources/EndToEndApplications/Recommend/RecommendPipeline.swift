import EndToEnd
import EndToEndData
import EndToEndTraining

/// The classic recommenders: a popularity ranking (every user gets the items with the most
/// training interactions) and implicit matrix factorization fitted by alternating least
/// squares (Hu, Koren and Volinsky 2008) on the binary interactions, whose dot products then
/// rank the candidates. Each is fitted on its own; neither sees the ranking metric.
public enum RecommendPipeline {
    /// The popularity ranking's scores: training interactions per item.
    public static func popularity(_ train: InteractionSet) -> [Double] { train.itemCounts().map(Double.init) }

    /// The hand-set constants of ALS: factors, regularization, confidence weight, sweeps.
    public struct ALSSettings: Sendable {
        public var factors: Int
        public var regularization: Double
        public var alpha: Double
        public var sweeps: Int
        public init(factors: Int, regularization: Double, alpha: Double, sweeps: Int) {
            self.factors = factors
            self.regularization = regularization
            self.alpha = alpha
            self.sweeps = sweeps
        }
    }

    /// Implicit ALS on `train`, every interaction a preference of 1 with confidence `1 + alpha`.
    public static func fitALS(_ train: InteractionSet, settings: ALSSettings, seed: UInt64) throws -> ImplicitALS {
        let als = try ImplicitALS(users: train.users, items: train.items, factors: settings.factors,
                                  regularization: settings.regularization, alpha: settings.alpha, seed: seed)
        try als.fit(train.interactions.map { (user: $0.user, item: $0.item, value: 1) }, sweeps: settings.sweeps)
        return als
    }

    /// Hand-set constants of the pipeline: ALS's four plus the popularity ranking's none.
    public static let handSetConstantCount = 4
}
