import EndToEnd
import Foundation

/// The asymmetric scoring function of the PHM 2008 prognostics data challenge (Saxena et al.
/// 2008) for remaining-useful-life estimates: with `d = predicted − true`,
/// `s = Σ (exp(−d / 13) − 1)` for `d < 0` (early predictions) and `Σ (exp(d / 10) − 1)` for
/// `d ≥ 0` (late predictions, penalized harder, since a late one lets the engine fail).
///
/// A sum, not a mean: it grows with the number of engines scored (C-MAPSS reports it over
/// the test set's engines, one prediction each). Sums are kept in `Double`; ``compute()``
/// is 0 before any element is seen.
public final class PHM08Score: RegressionMetric {
    public let name: String
    var state = ElementwiseErrorSum()

    /// A score named `name` in logs and summaries.
    public init(name: String = "phm08_score") { self.name = name }

    /// Number of predictions scored.
    public var count: Int { state.count }

    /// Accumulates the score of every element; throws on a shape mismatch (nothing is added).
    public func update(_ prediction: Tensor, target: Tensor) throws(MetricError) {
        try state.add(prediction, target, op: "PHM08Score.update") { Self.term($0) }
    }

    public func reset() { state = ElementwiseErrorSum() }

    public func compute() -> Double { state.sum }

    /// The score of one error `d = predicted − true`; `early` and `late` are the divisors
    /// for `d < 0` and `d ≥ 0` (the challenge's 13 and 10 by default).
    public static func term(_ d: Double, early: Double = 13, late: Double = 10) -> Double {
        d < 0 ? Foundation.exp(-d / early) - 1 : Foundation.exp(d / late) - 1
    }

    /// The score of `predicted` against `actual` (equal lengths), summed.
    ///
    /// - Throws: ``MetricError`` when the lengths differ.
    public static func score(predicted: [Double], actual: [Double], early: Double = 13, late: Double = 10) throws(MetricError) -> Double {
        guard predicted.count == actual.count else {
            throw MetricError("PHM08Score.score", "\(predicted.count) predictions for \(actual.count) true values")
        }
        var s = 0.0
        for i in predicted.indices { s += term(predicted[i] - actual[i], early: early, late: late) }
        return s
    }
}

extension MeanSquaredError {
    /// The root mean squared error of `predicted` against `actual` (equal lengths), as an
    /// instance with `squared: false` accumulates it batch by batch; NaN when empty.
    ///
    /// - Throws: ``MetricError`` when the lengths differ.
    public static func rmse(predicted: [Double], actual: [Double]) throws(MetricError) -> Double {
        guard predicted.count == actual.count else {
            throw MetricError("MeanSquaredError.rmse", "\(predicted.count) predictions for \(actual.count) true values")
        }
        guard !predicted.isEmpty else { return .nan }
        var s = 0.0
        for i in predicted.indices { let d = predicted[i] - actual[i]; s += d * d }
        return (s / Double(predicted.count)).squareRoot()
    }
}
