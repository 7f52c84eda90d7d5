import Foundation

/// Mel-frequency cepstral coefficients, stage by stage: framing, a periodic Hann window,
/// the power spectrum (``FFT``), the mel filterbank (``MelFilterbank``), the natural log, and
/// an orthonormal DCT-II, keeping the first ``Configuration/coefficients``.
///
/// Frames start at sample 0 and step by `hop` with no padding, so a clip of `n ≥ frameLength`
/// samples gives `1 + (n − frameLength) / hop` frames (16,000 samples: 98 frames of 25 ms
/// every 10 ms at the defaults).
public struct MFCC: Sendable {
    /// The hand-set constants of the feature extractor.
    public struct Configuration: Sendable, Equatable {
        public var sampleRate = 16_000
        /// Samples per frame (25 ms at 16 kHz).
        public var frameLength = 400
        /// Samples between frame starts (10 ms).
        public var hop = 160
        /// FFT length: a power of two ≥ `frameLength`; frames are zero-padded to it.
        public var fftSize = 512
        public var melBands = 40
        public var coefficients = 13
        public var fMin = 20.0
        public var fMax = 8_000.0
        /// Mel energies are clamped below at this before the log.
        public var logFloor = 1e-10

        public init() {}

        /// How many of the numbers above a person chose (for the maintenance count).
        public static let handSetConstantCount = 9
    }

    public let configuration: Configuration
    public let window: [Double]
    public let filterbank: MelFilterbank
    private let fft: FFT
    /// The orthonormal DCT-II rows kept, `[coefficients][melBands]`.
    private let dctBasis: [[Double]]

    /// - Throws: ``DataError`` for inconsistent settings.
    public init(_ c: Configuration = Configuration()) throws {
        guard c.frameLength > 0, c.hop > 0, c.fftSize >= c.frameLength else {
            throw DataError(file: "<mfcc>", message: "need frameLength > 0, hop > 0 and fftSize >= frameLength, got \(c.frameLength), \(c.hop), \(c.fftSize)")
        }
        guard (1...c.melBands).contains(c.coefficients) else {
            throw DataError(file: "<mfcc>", message: "coefficients must be in 1...melBands (\(c.melBands)), got \(c.coefficients)")
        }
        configuration = c
        fft = try FFT(size: c.fftSize)
        filterbank = try MelFilterbank(bands: c.melBands, fftSize: c.fftSize, sampleRate: c.sampleRate, fMin: c.fMin, fMax: c.fMax)
        window = Self.hannWindow(c.frameLength)
        let n = Double(c.melBands)
        dctBasis = (0..<c.coefficients).map { k in
            (0..<c.melBands).map { i in
                cos(Double.pi * Double(k) * (2 * Double(i) + 1) / (2 * n)) * (k == 0 ? (1 / n).squareRoot() : (2 / n).squareRoot())
            }
        }
    }

    /// The periodic Hann window `w[n] = 0.5 − 0.5 cos(2πn / N)` (scipy's `get_window('hann', N)`).
    public static func hannWindow(_ length: Int) -> [Double] {
        (0..<length).map { 0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(length)) }
    }

    /// The orthonormal DCT-II (scipy's `dct(x, type=2, norm='ortho')`), first `count` terms:
    /// `c_k = s_k Σₙ xₙ cos(πk(2n+1) / 2N)`, `s₀ = √(1/N)`, `s_k = √(2/N)`.
    public static func dct2(_ x: [Double], count: Int) -> [Double] {
        let n = Double(x.count)
        return (0..<min(count, x.count)).map { k in
            var s = 0.0
            for (i, v) in x.enumerated() { s += v * cos(Double.pi * Double(k) * (2 * Double(i) + 1) / (2 * n)) }
            return s * (k == 0 ? (1 / n).squareRoot() : (2 / n).squareRoot())
        }
    }

    /// The number of frames of a clip of `sampleCount` samples (0 when shorter than a frame).
    public func frameCount(_ sampleCount: Int) -> Int {
        sampleCount < configuration.frameLength ? 0 : 1 + (sampleCount - configuration.frameLength) / configuration.hop
    }

    /// Stage 1: the clip cut into overlapping frames.
    public func frames(_ samples: [Float]) throws -> [[Double]] {
        let count = frameCount(samples.count)
        guard count > 0 else {
            throw DataError(file: "<mfcc>", message: "a clip of \(samples.count) samples is shorter than one frame (\(configuration.frameLength))")
        }
        return (0..<count).map { f in
            let start = f * configuration.hop
            return (0..<configuration.frameLength).map { Double(samples[start + $0]) }
        }
    }

    /// Stages 2–3: each frame windowed and its power spectrum taken (`fftSize/2 + 1` bins).
    public func powerSpectrogram(_ frames: [[Double]]) -> [[Double]] {
        frames.map { frame in fft.powerSpectrum(zip(frame, window).map { $0 * $1 }) }
    }

    /// Stages 4–5: mel band energies and their natural log, `[frames][melBands]`.
    public func logMel(_ power: [[Double]]) -> [[Double]] {
        power.map { filterbank.apply($0).map { log(max($0, configuration.logFloor)) } }
    }

    /// All stages: `[frames][coefficients]`.
    public func coefficients(_ samples: [Float]) throws -> [[Double]] {
        logMel(powerSpectrogram(try frames(samples))).map { bands in
            dctBasis.map { row in
                var s = 0.0
                for (w, v) in zip(row, bands) { s += w * v }
                return s
            }
        }
    }
}
