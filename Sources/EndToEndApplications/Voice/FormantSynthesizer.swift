import EndToEnd
import EndToEndData
import Foundation

/// The fallback when espeak-ng is missing: each letter of a word becomes a short segment of
/// a source-filter signal at 16 kHz (vowels: a harmonic series of the voice's pitch shaped by
/// two formants; consonants: noise bursts or a low nasal formant), so every word has its own
/// spectral sequence and voices differ in pitch and vocal-tract length like real speakers.
public struct FormantSynthesizer: Sendable {
    public init() {}

    /// (F1, F2) in Hz of the vowels, after Peterson & Barney (1952).
    static let vowels: [Character: (Double, Double)] = [
        "a": (730, 1090), "e": (530, 1840), "i": (270, 2290), "o": (570, 840), "u": (300, 870), "y": (390, 1990),
    ]
    static let fricatives: Set<Character> = ["s", "f", "h", "z", "v", "c"]
    static let stops: Set<Character> = ["p", "t", "k", "b", "d", "g"]

    /// The voice's pitch scale and vocal-tract scale, from its accent and variant names.
    static func voiceFactors(_ voice: String) -> (pitch: Double, tract: Double) {
        let variant = voice.split(separator: "+").last.map(String.init) ?? ""
        let jitter = Double(voice.hashValueStable % 1000) / 1000   // per-voice, in [0, 1)
        let female = variant.hasPrefix("f")
        return (pitch: (female ? 1.8 : 1.0) * (0.85 + 0.3 * jitter), tract: (female ? 1.15 : 1.0) * (0.93 + 0.14 * jitter))
    }

    public func speak(_ w: SpokenWord) -> AudioClip {
        let rate = 16_000.0
        let (pitchScale, tract) = Self.voiceFactors(w.voice)
        let f0 = 110 * pitchScale * pow(Double(w.pitch) / 50, 0.5)
        let tempo = 175 / Double(w.speed)
        var rng = RandomGenerator(seed: (w.word + w.voice).hashValueStable)
        var out: [Float] = []
        var phase = 0.0
        for letter in w.word.lowercased() {
            let isVowel = Self.vowels[letter] != nil
            let seconds = tempo * (isVowel ? 0.14 : Self.stops.contains(letter) ? 0.03 : 0.07)
            let n = Int(seconds * rate)
            for i in 0..<n {
                let envelope = sin(Double.pi * Double(i) / Double(n))
                var s = 0.0
                if let (f1, f2) = Self.vowels[letter] ?? (Self.fricatives.contains(letter) || Self.stops.contains(letter) ? nil : (300, 1200)) {
                    // Harmonics of f0 weighted by two Gaussian formant peaks.
                    var k = 1.0
                    while k * f0 < 4000 {
                        let f = k * f0
                        let g = exp(-pow((f - f1 * tract) / 90, 2)) + 0.6 * exp(-pow((f - f2 * tract) / 120, 2)) + 0.02
                        s += g * sin(k * phase)
                        k += 1
                    }
                    s *= isVowel ? 0.25 : 0.12
                } else {
                    let white = Double(rng.nextNormal())
                    s = (Self.stops.contains(letter) ? 0.5 : 0.15) * white
                }
                phase += 2 * Double.pi * f0 / rate
                out.append(Float(s * envelope))
            }
        }
        return AudioClip(sampleRate: 16_000, samples: out)
    }
}

extension String {
    /// FNV-1a of the UTF-8 bytes: stable across runs, unlike `hashValue`.
    var hashValueStable: UInt64 {
        var h: UInt64 = 1469598103934665603
        for b in utf8 { h = (h ^ UInt64(b)) &* 1099511628211 }
        return h
    }
}
