import Foundation

/// Triangular filters equally spaced on the mel scale, applied to a power spectrum.
///
/// The definition is HTK's mel scale, `mel(f) = 2595 · log₁₀(1 + f / 700)`, with librosa's
/// filter shapes (`librosa.filters.mel(..., htk=True, norm=None)`): `bands + 2` points
/// equally spaced in mel between `mel(fMin)` and `mel(fMax)` are turned back into Hz
/// (`h₀ … h_{M+1}`), and filter `m` weights the FFT bin at frequency `f_k = k · rate / n`
/// by `max(0, min((f_k − h_{m−1}) / (h_m − h_{m−1}), (h_{m+1} − f_k) / (h_{m+1} − h_m)))`:
/// a triangle with peak 1 at `h_m`, not area-normalized.
public struct MelFilterbank: Sendable {
    /// `weights[m][k]`: filter `m`'s weight of FFT bin `k` (`k = 0 … fftSize/2`).
    public let weights: [[Double]]
    public let sampleRate: Int, fftSize: Int
    /// Each filter's non-zero bins, `(first bin, weights)`: a triangle spans few bins.
    private let support: [(start: Int, weights: [Double])]

    /// Hz to HTK mels.
    public static func mel(hz f: Double) -> Double { 2595 * log10(1 + f / 700) }
    /// HTK mels to Hz.
    public static func hz(mel m: Double) -> Double { 700 * (pow(10, m / 2595) - 1) }

    /// - Throws: ``DataError`` for a non-positive band count or `fMin ≥ fMax` or `fMax` above Nyquist.
    public init(bands: Int, fftSize: Int, sampleRate: Int, fMin: Double = 0, fMax: Double? = nil) throws {
        let top = fMax ?? Double(sampleRate) / 2
        guard bands > 0, fftSize > 1, sampleRate > 0 else {
            throw DataError(file: "<mel filterbank>", message: "bands, fftSize and sampleRate must be positive, got \(bands), \(fftSize), \(sampleRate)")
        }
        guard fMin >= 0, fMin < top, top <= Double(sampleRate) / 2 else {
            throw DataError(file: "<mel filterbank>", message: "need 0 <= fMin < fMax <= sampleRate/2, got fMin \(fMin), fMax \(top), rate \(sampleRate)")
        }
        self.sampleRate = sampleRate
        self.fftSize = fftSize
        let lo = Self.mel(hz: fMin), hi = Self.mel(hz: top)
        let edges = (0..<(bands + 2)).map { Self.hz(mel: lo + (hi - lo) * Double($0) / Double(bands + 1)) }
        let bins = (0...(fftSize / 2)).map { Double($0) * Double(sampleRate) / Double(fftSize) }
        let w = (1...bands).map { m in
            bins.map { f in
                let rising = (f - edges[m - 1]) / (edges[m] - edges[m - 1])
                let falling = (edges[m + 1] - f) / (edges[m + 1] - edges[m])
                return max(0, min(rising, falling))
            }
        }
        weights = w
        support = w.map { row in
            guard let first = row.firstIndex(where: { $0 > 0 }), let last = row.lastIndex(where: { $0 > 0 }) else { return (0, []) }
            return (first, Array(row[first...last]))
        }
    }

    /// The band energies of one power spectrum of `fftSize/2 + 1` bins.
    public func apply(_ power: [Double]) -> [Double] {
        precondition(power.count == fftSize / 2 + 1, "MelFilterbank: expected \(fftSize / 2 + 1) bins, got \(power.count)")
        return support.map { band in
            var s = 0.0
            for (j, w) in band.weights.enumerated() { s += w * power[band.start + j] }
            return s
        }
    }
}
