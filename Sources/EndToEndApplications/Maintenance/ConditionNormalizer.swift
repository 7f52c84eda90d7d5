import EndToEnd
import EndToEndTraining
import Foundation

/// The pipeline's first stage: find the operating conditions by clustering the three
/// settings with k-means, then z-score every sensor within its cycle's condition, so that
/// what remains is wear and noise (the usual treatment of C-MAPSS FD002/FD004). Sensors that
/// do not vary within any condition carry no wear signal and are dropped.
public struct ConditionNormalizer: Sendable {
    /// Numbers a person chose: the largest k tried, the inertia ratio that stops the search,
    /// the cycles sampled for clustering, and the spread below which a sensor is constant.
    public static let handSetConstants = 4
    static let maximumClusters = 8
    /// The first k whose inertia is below this share of one cluster's is the number of conditions.
    static let elbowRatio = 1e-3
    static let sampledCycles = 6000
    static let constantSpread = 1e-7

    /// The clustering of the settings into operating conditions.
    public private(set) var kmeans: KMeans
    /// Per condition, per sensor: mean and standard deviation on the training cycles.
    public private(set) var mean: [[Double]] = []
    public private(set) var spread: [[Double]] = []
    /// The sensors kept (indices into ``TurbofanFleet/sensorNames``).
    public private(set) var kept: [Int] = []

    /// The number of operating conditions found.
    public var conditionCount: Int { kmeans.clusters }
    /// Numbers learned: the centers, and the kept sensors' means and deviations per condition.
    public var parameterCount: Int { kmeans.parameterCount + 2 * conditionCount * kept.count }

    /// Clusters the training engines' settings (k from 1 up to ``maximumClusters``, the first
    /// whose inertia falls below ``elbowRatio`` of k = 1's) and measures each condition's sensors.
    public init(fitting engines: [TurbofanFleet.Engine], seed: UInt64) throws {
        var settings: [[Double]] = []
        for e in engines { for t in 0..<e.observed { settings.append(Self.settings(e, cycle: t)) } }
        guard settings.count >= Self.maximumClusters else { throw ApplicationError("maintenance pipeline: only \(settings.count) training cycles") }
        var rng = RandomGenerator(seed: seed)
        let sample = settings.count <= Self.sampledCycles ? settings : (0..<Self.sampledCycles).map { _ in settings[rng.nextInt(below: settings.count)] }
        var chosen = try KMeans(clusters: 1)
        try chosen.fit(sample, seed: seed)
        let single = chosen.inertia
        for k in 2...Self.maximumClusters where chosen.inertia > Self.elbowRatio * single {
            var km = try KMeans(clusters: k, initializations: 4)
            try km.fit(sample, seed: SeedDerivation.derive(seed, [UInt64(k)]))
            chosen = km
        }
        kmeans = chosen
        let labels = try kmeans.predict(settings)
        let s = TurbofanFleet.sensorNames.count, k = kmeans.clusters
        // Two passes (mean, then squared deviations), so constant sensors read exactly 0.
        var sum = [[Double]](repeating: [Double](repeating: 0, count: s), count: k), squares = sum
        var count = [Double](repeating: 0, count: k)
        for pass in 0..<2 {
            var row = 0
            for e in engines {
                for t in 0..<e.observed {
                    let c = labels[row]
                    row += 1
                    if pass == 0 { count[c] += 1 }
                    for j in 0..<s {
                        let v = Double(e.cycles[t * TurbofanFleet.channels + 3 + j])
                        if pass == 0 { sum[c][j] += v } else { squares[c][j] += (v - mean[c][j]) * (v - mean[c][j]) }
                    }
                }
            }
            if pass == 0 { mean = (0..<k).map { c in sum[c].map { $0 / max(count[c], 1) } } }
        }
        spread = (0..<k).map { c in squares[c].map { ($0 / max(count[c], 1)).squareRoot() } }
        kept = (0..<s).filter { j in (0..<k).contains { c in count[c] > 1 && spread[c][j] > Self.constantSpread * max(1, abs(mean[c][j])) } }
    }

    /// The three settings of one cycle.
    static func settings(_ e: TurbofanFleet.Engine, cycle t: Int) -> [Double] {
        (0..<3).map { Double(e.cycles[t * TurbofanFleet.channels + $0]) }
    }

    /// The engine's kept sensors, z-scored within each cycle's nearest condition:
    /// `observed × kept.count` values, row-major.
    public func normalize(_ e: TurbofanFleet.Engine) throws -> [Float] {
        let labels = try kmeans.predict((0..<e.observed).map { Self.settings(e, cycle: $0) })
        var out = [Float](repeating: 0, count: e.observed * kept.count)
        for t in 0..<e.observed {
            let c = labels[t]
            for (i, j) in kept.enumerated() {
                let sd = spread[c][j]
                let v = Double(e.cycles[t * TurbofanFleet.channels + 3 + j])
                out[t * kept.count + i] = sd > 0 ? Float((v - mean[c][j]) / sd) : 0
            }
        }
        return out
    }
}
