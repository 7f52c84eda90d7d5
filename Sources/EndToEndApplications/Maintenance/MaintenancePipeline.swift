import EndToEnd
import EndToEndData
import EndToEndTraining
import Foundation

/// The classic prognostics pipeline, each stage fitted on its own: operating conditions
/// found by k-means and every sensor z-scored within its condition (``ConditionNormalizer``),
/// a linear health index and rolling mean/slope features (``HealthIndexFeatures``), then the
/// features standardized and a ridge regression onto the capped remaining useful life, its
/// output clipped to `0...cap`. No gradient step anywhere.
public struct MaintenancePipeline: Sendable {
    /// Numbers a person chose beyond the stages': the regression's penalty and the clip range
    /// (and, shared with the network, the window length and the cap).
    public static let handSetConstants = ConditionNormalizer.handSetConstants + HealthIndexFeatures.handSetConstants + 2 + 2
    static let alpha = 1.0

    /// Stages ① and ②: conditions and per-condition z-scores.
    public private(set) var normalizer: ConditionNormalizer
    /// Stage ③: the health index and window features.
    public private(set) var health: HealthIndexFeatures
    /// Stage ④: the regression onto the capped remaining life.
    public private(set) var regression: RidgeRegression
    public private(set) var featureMean: [Double] = []
    public private(set) var featureScale: [Double] = []
    /// Cycles per window.
    public let window: Int
    /// The RUL cap of the target and of the clipped estimates.
    public let cap: Double

    /// Numbers learned by all stages.
    public var parameterCount: Int {
        normalizer.parameterCount + health.parameterCount + regression.parameterCount + 2 * featureMean.count
    }

    /// Fits every stage on full training trajectories; each window of `window` cycles (ends
    /// `stride` apart, aligned to failure) is one regression example.
    public init(fitting engines: [TurbofanFleet.Engine], window: Int, stride: Int, cap: Double, seed: UInt64) throws {
        self.window = window
        self.cap = cap
        let normalizer = try ConditionNormalizer(fitting: engines, seed: seed)
        let normalized = try engines.map { try normalizer.normalize($0) }
        let health = try HealthIndexFeatures(fitting: normalized, sensors: normalizer.kept.count)
        let (x, y) = try Self.windowFeatures(engines, normalized: normalized, health: health, window: window, stride: stride, cap: cap)
        guard !x.isEmpty else { throw ApplicationError("maintenance pipeline: no training window of \(window) cycles") }
        let d = x[0].count, n = Double(x.count)
        let mean = (0..<d).map { j in x.reduce(0) { $0 + $1[j] } / n }
        let scale = (0..<d).map { j in
            let sd = (x.reduce(0) { $0 + ($1[j] - mean[j]) * ($1[j] - mean[j]) } / n).squareRoot()
            return sd > 1e-12 ? sd : 1
        }
        var regression = try RidgeRegression(alpha: Self.alpha)
        try regression.fit(x.map { row in row.indices.map { (row[$0] - mean[$0]) / scale[$0] } }, y)
        (self.normalizer, self.health, self.regression, featureMean, featureScale) = (normalizer, health, regression, mean, scale)
    }

    /// The features of every window of run-to-failure engines (ends `stride` apart) and their capped targets.
    static func windowFeatures(_ engines: [TurbofanFleet.Engine], normalized: [[Float]], health: HealthIndexFeatures, window: Int, stride: Int,
                               cap: Double) throws -> (x: [[Double]], y: [Double]) {
        let windows = try SlidingWindows(length: window, stride: stride)
        var x: [[Double]] = [], y: [Double] = []
        for (e, z) in zip(engines, normalized) {
            let ends = windows.ends(steps: e.observed)
            x += try health.features(z, ends: ends, length: window)
            y += ends.map { min(Double(e.lifetime - $0), cap) }
        }
        return (x, y)
    }

    /// The standardized features of the training windows and their capped targets (what the
    /// ridge regression was fitted on), for another regressor on the same features.
    public func trainingSet(_ engines: [TurbofanFleet.Engine], stride: Int) throws -> (x: [[Double]], y: [Double]) {
        let (x, y) = try Self.windowFeatures(engines, normalized: try engines.map { try normalizer.normalize($0) }, health: health,
                                             window: window, stride: stride, cap: cap)
        return (x.map(standardized), y)
    }

    /// The standardized features of each engine's last window.
    public func standardizedLastWindowFeatures(_ engines: [TurbofanFleet.Engine]) throws -> [[Double]] {
        try lastWindowFeatures(engines).map(standardized)
    }

    func standardized(_ row: [Double]) -> [Double] { row.indices.map { (row[$0] - featureMean[$0]) / featureScale[$0] } }

    /// The features of each engine's last window.
    public func lastWindowFeatures(_ engines: [TurbofanFleet.Engine]) throws -> [[Double]] {
        try engines.map { e in try health.features(try normalizer.normalize(e), ends: [e.observed], length: window)[0] }
    }

    /// The estimated (capped) remaining useful life after each engine's last recorded cycle.
    public func predict(_ engines: [TurbofanFleet.Engine]) throws -> [Double] {
        try regression.predict(try standardizedLastWindowFeatures(engines)).map { min(max($0, 0), cap) }
    }

    /// Each feature's standardized ridge weight, with its name, largest magnitude first.
    public func weights() -> [(name: String, weight: Double)] {
        let names = health.names(normalizer.kept.map { TurbofanFleet.sensorNames[$0] })
        return zip(names, regression.coefficients).map { ($0, $1) }.sorted { abs($0.weight) > abs($1.weight) }
    }
}

/// The pipeline's features with an MLP instead of the ridge regression (Trainer, squared
/// error): whether a nonlinear regressor closes the gap the linear one leaves.
public enum PipelineMLP {
    /// Two hidden layers of 32 units with dropout 0.3 between them (without it, 20 epochs fitted
    /// the training windows to RMSE 9.4 and the test engines to 24.6 in a trial run).
    public static let layers = [#"{"type": "linear", "out": 32}"#, #""relu""#, #"{"type": "dropout", "p": 0.3}"#,
                                #"{"type": "linear", "out": 32}"#, #""relu""#, #"{"type": "linear", "out": 1}"#]
    /// Numbers a person chose: two widths, the dropout, learning rate, batch size, epochs.
    public static let handSetConstants = 6

    /// The MLP on `features` standardized features, ready to train.
    public static func network(features: Int, epochs: Int, seed: UInt64) -> RULNetwork {
        RULNetwork(approach: "pipeline (MLP)", layers: layers, inputShape: [features], epochs: epochs, seed: seed)
    }

    /// `rows` as a `[N, features]` tensor.
    public static func tensor(_ rows: [[Double]]) -> Tensor {
        Tensor(shape: [rows.count, rows.first?.count ?? 0], scalars: rows.flatMap { $0.map(Float.init) })
    }
}
