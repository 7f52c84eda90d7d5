import EndToEnd
import EndToEndData
import Foundation

/// The network's input: raw cycles scaled per channel by one global mean and standard
/// deviation (no operating-condition knowledge), cut into `[channels, length]` windows.
public enum EngineWindows {
    /// Per channel (3 settings, 21 sensors): the training cycles' mean and standard deviation.
    public struct ChannelScaling: Sendable {
        /// Per channel: the mean and the standard deviation (1 for a constant channel).
        public var mean: [Float], scale: [Float]
        public var parameterCount: Int { mean.count + scale.count }

        /// Measures every channel over all cycles of `engines`.
        public init(fitting engines: [TurbofanFleet.Engine]) {
            let c = TurbofanFleet.channels
            var s = [Double](repeating: 0, count: c), s2 = s, n = 0.0
            for e in engines {
                for t in 0..<e.observed { for j in 0..<c { let v = Double(e.cycles[t * c + j]); s[j] += v; s2[j] += v * v } }
                n += Double(e.observed)
            }
            let m = s.map { $0 / max(n, 1) }
            mean = m.map(Float.init)
            scale = (0..<c).map { j in
                let sd = (max(0, s2[j] / max(n, 1) - m[j] * m[j])).squareRoot()
                return sd > 1e-9 * max(1, abs(m[j])) ? Float(sd) : 1
            }
        }

        /// The engine's cycles, scaled.
        public func apply(_ e: TurbofanFleet.Engine) -> [Float] {
            let c = TurbofanFleet.channels
            var out = e.cycles
            for i in out.indices { out[i] = (out[i] - mean[i % c]) / scale[i % c] }
            return out
        }
    }

    /// Every window of each run-to-failure engine (ends `stride` apart, aligned to failure)
    /// with its target, the capped remaining life after the window.
    public static func training(_ engines: [TurbofanFleet.Engine], scaling: ChannelScaling, length: Int, stride: Int,
                                cap: Double) throws -> (inputs: Tensor, targets: [Double]) {
        let w = try SlidingWindows(length: length, stride: stride, padding: .repeatFirst)
        let b = try w.windows(engines.map(scaling.apply), features: TurbofanFleet.channels, layout: .channelsFirst)
        return (b.inputs, b.sequence.indices.map { min(Double(engines[b.sequence[$0]].lifetime - b.end[$0]), cap) })
    }

    /// Each engine's last window (front-padded by its first cycle if it is shorter).
    public static func last(_ engines: [TurbofanFleet.Engine], scaling: ChannelScaling, length: Int) throws -> Tensor {
        let w = try SlidingWindows(length: length, padding: .repeatFirst)
        return try w.windows(engines.map(scaling.apply), features: TurbofanFleet.channels, layout: .channelsFirst, lastOnly: true).inputs
    }
}
