import EndToEnd
import EndToEndTraining
import Foundation

/// The pipeline's second stage: a linear health index and per-window trend features.
///
/// The health index (after Wang, Yu, Siegel & Lee 2008, "A similarity-based prognostics
/// approach") is a ridge regression of the normalized sensors onto 1 for each training
/// engine's first ``healthyCycles`` cycles and 0 for its last ``failingCycles``: one number
/// per cycle that falls as the engine wears. The features of a window are, per kept sensor,
/// its mean and least-squares slope over the window; and of the health index, its mean, its
/// slope and its mean over the last ``recentCycles`` cycles.
public struct HealthIndexFeatures: Sendable {
    /// Numbers a person chose: the healthy and failing spans, the recent span and the ridge penalty.
    public static let handSetConstants = 4
    static let healthyCycles = 30
    static let failingCycles = 30
    static let recentCycles = 10
    static let alpha = 1.0

    /// The health index: a ridge regression of the normalized sensors.
    public private(set) var index: RidgeRegression
    /// Normalized sensors per cycle.
    public let sensors: Int

    /// Numbers learned: the health index's weights.
    public var parameterCount: Int { index.parameterCount }

    /// Fits the health index on normalized training engines (`observed × sensors` each).
    public init(fitting normalized: [[Float]], sensors: Int) throws {
        self.sensors = sensors
        var x: [[Double]] = [], y: [Double] = []
        for z in normalized {
            let steps = z.count / sensors
            guard steps >= Self.healthyCycles + Self.failingCycles else { continue }
            for t in 0..<Self.healthyCycles { x.append(Self.row(z, t, sensors)); y.append(1) }
            for t in (steps - Self.failingCycles)..<steps { x.append(Self.row(z, t, sensors)); y.append(0) }
        }
        guard !x.isEmpty else { throw ApplicationError("maintenance pipeline: no training engine is long enough for the health index") }
        index = try RidgeRegression(alpha: Self.alpha)
        try index.fit(x, y)
    }

    static func row(_ z: [Float], _ t: Int, _ sensors: Int) -> [Double] { (0..<sensors).map { Double(z[t * sensors + $0]) } }

    /// The health index of every cycle.
    public func healthIndex(_ z: [Float]) throws -> [Double] {
        try index.predict((0..<(z.count / sensors)).map { Self.row(z, $0, sensors) })
    }

    /// Feature names, in column order.
    public func names(_ sensorNames: [String]) -> [String] {
        sensorNames.map { "mean(\($0))" } + sensorNames.map { "slope(\($0))" } + ["mean(HI)", "slope(HI)", "recent(HI)"]
    }

    /// The features of the windows of `length` cycles that end before each of `ends`.
    public func features(_ z: [Float], ends: [Int], length: Int) throws -> [[Double]] {
        let hi = try healthIndex(z)
        return ends.map { end in
            let start = max(0, end - length)
            var row: [Double] = []
            row.reserveCapacity(2 * sensors + 3)
            var slopes: [Double] = []
            for j in 0..<sensors {
                let series = (start..<end).map { Double(z[$0 * sensors + j]) }
                row.append(series.reduce(0, +) / Double(series.count))
                slopes.append(Self.slope(series))
            }
            row += slopes
            let h = Array(hi[start..<end])
            row.append(h.reduce(0, +) / Double(h.count))
            row.append(Self.slope(h))
            let recent = h.suffix(Self.recentCycles)
            row.append(recent.reduce(0, +) / Double(recent.count))
            return row
        }
    }

    /// Least-squares slope of `v` against its index (0 for fewer than two values).
    static func slope(_ v: [Double]) -> Double {
        let n = Double(v.count)
        guard v.count > 1 else { return 0 }
        let tMean = (n - 1) / 2, vMean = v.reduce(0, +) / n
        var num = 0.0, den = 0.0
        for (i, x) in v.enumerated() { let dt = Double(i) - tMean; num += dt * (x - vMean); den += dt * dt }
        return num / den
    }
}
