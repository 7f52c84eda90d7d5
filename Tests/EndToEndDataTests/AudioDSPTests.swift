import Foundation
import XCTest
@testable import EndToEndData

/// FFT, mel filterbank, DCT and MFCC against numpy (scripts/make_audio_fixtures.py).
final class AudioDSPTests: XCTestCase {
    func assertClose(_ a: [Double], _ b: [Double], relative: Double = 1e-6, absolute: Double = 1e-9, _ what: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, "\(what): counts", file: file, line: line)
        let scale = b.map(abs).max() ?? 1
        for (i, (x, y)) in zip(a, b).enumerated() where abs(x - y) > absolute + relative * max(abs(y), scale * 1e-3) {
            XCTFail("\(what)[\(i)]: \(x) vs numpy \(y)", file: file, line: line)
            return
        }
    }

    func testFFTMatchesNumpy() throws {
        var re = AudioFixtures.fftInputReal, im = AudioFixtures.fftInputImaginary
        try FFT(size: 16).transform(real: &re, imaginary: &im)
        assertClose(re, AudioFixtures.fftOutputReal, "fft real")
        assertClose(im, AudioFixtures.fftOutputImaginary, "fft imaginary")
    }

    func testFFTOfAnImpulseAndACosineByHand() throws {
        var re = [1.0] + [Double](repeating: 0, count: 7), im = [Double](repeating: 0, count: 8)
        try FFT(size: 8).transform(real: &re, imaginary: &im)
        XCTAssertEqual(re, [Double](repeating: 1, count: 8))
        // cos(2π·2n/8) has all its energy, N/2 each, in bins 2 and 6.
        let p = try FFT(size: 8).powerSpectrum((0..<8).map { cos(2 * Double.pi * 2 * Double($0) / 8) })
        assertClose(p, [0, 0, 16, 0, 0], absolute: 1e-12, "cosine power")
    }

    func testFFTRejectsSizesThatAreNotPowersOfTwo() {
        XCTAssertThrowsError(try FFT(size: 12)) { XCTAssertTrue("\($0)".contains("power of two")) }
        XCTAssertThrowsError(try FFT(size: 0))
    }

    func testMelFilterbankMatchesNumpy() throws {
        let bank = try MelFilterbank(bands: 10, fftSize: 64, sampleRate: 8000, fMin: 0, fMax: 4000)
        assertClose(bank.weights.flatMap { $0 }, AudioFixtures.smallFilterbank, "filterbank")
        XCTAssertEqual(MelFilterbank.mel(hz: 700), 2595 * log10(2), accuracy: 1e-9)
        XCTAssertEqual(MelFilterbank.hz(mel: MelFilterbank.mel(hz: 1234)), 1234, accuracy: 1e-9)
        XCTAssertThrowsError(try MelFilterbank(bands: 10, fftSize: 64, sampleRate: 8000, fMin: 0, fMax: 5000))
    }

    func testDCTMatchesNumpy() {
        assertClose(MFCC.dct2(AudioFixtures.dctInput, count: 12), AudioFixtures.dctOutput, "dct")
    }

    func testHannWindowIsPeriodic() {
        let w = MFCC.hannWindow(4)
        assertClose(w, [0, 0.5, 1, 0.5], absolute: 1e-15, "hann")
    }

    func testEveryMFCCStageMatchesNumpy() throws {
        let mfcc = try MFCC()
        let x = AudioFixtures.signal.map { Float($0) }
        let frames = try mfcc.frames(x)
        XCTAssertEqual(frames.count, 6)
        XCTAssertEqual(mfcc.frameCount(16_000), 98)
        let power = mfcc.powerSpectrogram(frames)
        assertClose(power[2], AudioFixtures.powerFrame2, "power spectrum of frame 2")
        let logMel = mfcc.logMel(power)
        assertClose(logMel.flatMap { $0 }, AudioFixtures.logMel, relative: 1e-6, absolute: 1e-6, "log-mel")
        assertClose(try mfcc.coefficients(x).flatMap { $0 }, AudioFixtures.mfcc, relative: 1e-6, absolute: 1e-6, "mfcc")
    }

    func testMFCCRejectsClipsShorterThanAFrameAndBadSettings() throws {
        XCTAssertThrowsError(try MFCC().frames([Float](repeating: 0, count: 100))) { XCTAssertTrue("\($0)".contains("shorter than one frame")) }
        var c = MFCC.Configuration()
        c.fftSize = 256
        XCTAssertThrowsError(try MFCC(c)) { XCTAssertTrue("\($0)".contains("fftSize")) }
    }

    func testResamplingKeepsAToneAndRemovesWhatIsAboveTheNewNyquist() throws {
        let n = 4410
        let tone = AudioClip(sampleRate: 22_050, samples: (0..<n).map { Float(sin(2 * Double.pi * 1000 * Double($0) / 22_050)) })
        let out = try Resampler.resample(tone, to: 16_000)
        XCTAssertEqual(out.sampleRate, 16_000)
        XCTAssertEqual(out.samples.count, 3200)
        for i in 200..<3000 {   // away from the edges, where the filter runs off the clip
            XCTAssertEqual(Double(out.samples[i]), sin(2 * Double.pi * 1000 * Double(i) / 16_000), accuracy: 2e-3, "sample \(i)")
        }
        let high = AudioClip(sampleRate: 22_050, samples: (0..<n).map { Float(sin(2 * Double.pi * 10_000 * Double($0) / 22_050)) })
        let filtered = try Resampler.resample(high, to: 16_000).samples[200..<3000]
        let rms = (filtered.map { Double($0 * $0) }.reduce(0, +) / Double(filtered.count)).squareRoot()
        XCTAssertLessThan(rms, 0.02, "a 10 kHz tone must not alias into the 16 kHz signal")
        XCTAssertThrowsError(try Resampler.resample(tone, to: 0))
    }
}
