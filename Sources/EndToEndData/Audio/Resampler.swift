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
        let cutoff = min(1, ratio)                    // in units of the input Nyquist frequency
        let halfWidth = Double(zeroCrossings) / cutoff   // in input samples
        let x = clip.samples
        let outCount = Int((Double(x.count) * ratio).rounded(.down))
        var out = [Float](repeating: 0, count: outCount)
        for i in 0..<outCount {
            let t = Double(i) / ratio
            let lo = max(0, Int((t - halfWidth).rounded(.up))), hi = min(x.count - 1, Int((t + halfWidth).rounded(.down)))
            guard lo <= hi else { continue }
            var s = 0.0
            for k in lo...hi {
                let d = t - Double(k)
                let arg = Double.pi * cutoff * d
                let sinc = abs(arg) < 1e-12 ? 1 : sin(arg) / arg
                let window = 0.5 + 0.5 * cos(Double.pi * d / halfWidth)
                s += Double(x[k]) * cutoff * sinc * window
            }
            out[i] = Float(s)
        }
        return AudioClip(sampleRate: rate, samples: out)
    }
}
