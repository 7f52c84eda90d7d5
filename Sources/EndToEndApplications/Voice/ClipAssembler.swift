import EndToEnd
import EndToEndData
import Foundation

/// Turns an utterance into a one-second, 16 kHz training clip: the word trimmed of its
/// leading and trailing silence, scaled to a random peak, placed at a random offset, and
/// buried in noise at a random signal-to-noise ratio; a silence clip is the noise alone.
public enum ClipAssembler {
    public static let sampleRate = 16_000
    /// Samples per clip: one second.
    public static let length = 16_000
    /// Peak amplitude of the word, drawn uniformly.
    public static let peakRange: ClosedRange<Float> = 0.3...0.9
    /// Signal-to-noise ratio in dB, drawn uniformly.
    public static let snrRange: ClosedRange<Float> = 5...25
    /// Noise standard deviation of a silence clip, drawn log-uniformly.
    public static let silenceLevel: ClosedRange<Float> = 0.002...0.05
    /// A sample below this fraction of the peak counts as silence when trimming.
    public static let trimThreshold: Float = 0.02

    /// `utterance` (nil for silence) as a clip of ``length`` samples, drawn with `rng`.
    public static func clip(_ utterance: AudioClip?, rng: inout RandomGenerator) -> [Float] {
        let brown = rng.nextUniform()   // the share of low-pass (brownish) noise
        var out = [Float](repeating: 0, count: length)
        var noiseStd: Float
        if let utterance, let trimmed = trim(utterance.samples), !trimmed.isEmpty {
            let word = Array(trimmed.count > length ? trimmed[((trimmed.count - length) / 2)...].prefix(length) : trimmed[...])
            let peak = word.map(abs).max() ?? 1
            let gain = uniform(peakRange, &rng) / max(peak, 1e-6)
            let offset = rng.nextInt(below: length - word.count + 1)
            var energy: Float = 0
            for (i, v) in word.enumerated() { out[offset + i] = v * gain; energy += (v * gain) * (v * gain) }
            let rms = (energy / Float(word.count)).squareRoot()
            noiseStd = rms * pow(10, -uniform(snrRange, &rng) / 20)
        } else {
            noiseStd = exp(uniform(log(silenceLevel.lowerBound)...log(silenceLevel.upperBound), &rng))
        }
        // White noise mixed with a one-pole low-passed copy, renormalized to noiseStd.
        var low: Float = 0
        let a: Float = 0.95, lowScale = (1 - a * a).squareRoot()
        let mix = (brown * brown + (1 - brown) * (1 - brown)).squareRoot()
        for i in 0..<length {
            let white = rng.nextNormal()
            low = a * low + lowScale * rng.nextNormal()
            out[i] += noiseStd * ((1 - brown) * white + brown * low) / mix
        }
        return out
    }

    /// The samples from the first to the last one above ``trimThreshold`` of the peak.
    static func trim(_ x: [Float]) -> ArraySlice<Float>? {
        guard let peak = x.map(abs).max(), peak > 0 else { return nil }
        let t = peak * trimThreshold
        guard let first = x.firstIndex(where: { abs($0) > t }), let last = x.lastIndex(where: { abs($0) > t }) else { return nil }
        return x[first...last]
    }

    static func uniform(_ r: ClosedRange<Float>, _ rng: inout RandomGenerator) -> Float {
        r.lowerBound + (r.upperBound - r.lowerBound) * rng.nextUniform()
    }
}
