import Foundation

/// Band-limited sample-rate conversion by windowed-sinc interpolation: each output sample is
/// the input convolved with a Hann-windowed sinc low-pass whose cut-off is the lower of the
/// two Nyquist frequencies, so down-sampling does not alias.
public enum Resampler {
    /// `clip` at `rate` samples per second. `zeroCrossings` sets the filter's half-width in
    /// zero crossings of the sinc (longer is sharper and slower).
    public static func resample(_ clip: AudioClip, to rate: Int, zeroCrossings: Int = 16) throws -> AudioClip {
        guard rate > 0, clip.sampleRate > 0 else {
            throw DataError(file: "<resample>", message: "sample rates must be positive, got \(clip.sampleRate) -> \(rate)")
        }
        guard zeroCrossings > 0 else { throw DataError(file: "<resample>", message: "zeroCrossings must be positive, got \(zeroCrossings)") }
        if rate == clip.sampleRate { return clip }
        let ratio = Double(rate) / Double(clip.sampleRate)
        let cutoff = min(1, ratio)                       // in units of the input Nyquist frequency
        let halfWidth = Double(zeroCrossings) / cutoff   // in input samples
        func weight(_ d: Double) -> Double {
            guard abs(d) < halfWidth else { return 0 }
            let arg = Double.pi * cutoff * d
            return cutoff * (abs(arg) < 1e-12 ? 1 : sin(arg) / arg) * (0.5 + 0.5 * cos(Double.pi * d / halfWidth))
        }
        // Output i sits at input position i·down/up; its fractional part takes only `up`
        // values, so the filter taps are tabulated once per phase.
        let g = gcd(rate, clip.sampleRate), up = rate / g, down = clip.sampleRate / g
        let reach = Int(halfWidth.rounded(.up))
        let taps = up <= 4096 ? (0..<up).map { ph in (-reach...reach).map { j in weight(Double(ph) / Double(up) - Double(j)) } } : nil
        let x = clip.samples
        let outCount = Int((Double(x.count) * ratio).rounded(.down))
        var out = [Float](repeating: 0, count: outCount)
        x.withUnsafeBufferPointer { xp in
            for i in 0..<outCount {
                let base = (i * down) / up, phase = (i * down) % up
                let lo = max(-reach, -base), hi = min(reach, x.count - 1 - base)
                var s = 0.0
                if let taps {
                    taps[phase].withUnsafeBufferPointer { w in
                        for j in lo...hi { s += Double(xp[base + j]) * w[j + reach] }
                    }
                } else {
                    for j in lo...hi { s += Double(xp[base + j]) * weight(Double(phase) / Double(up) - Double(j)) }
                }
                out[i] = Float(s)
            }
        }
        return AudioClip(sampleRate: rate, samples: out)
    }

    static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
}
