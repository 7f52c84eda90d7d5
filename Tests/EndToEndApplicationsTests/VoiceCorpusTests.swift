import EndToEnd
import EndToEndData
import Foundation
import XCTest
@testable import EndToEndApplications

/// The voice data: seeded, reproducible clips; espeak-ng's cache; the fallback speaker.
final class VoiceCorpusTests: XCTestCase {
    let formant = VoiceCorpus.Speaker.formant(FormantSynthesizer())

    func testClipsAreReproducibleFromTheSeedAndNestedAcrossSizes() throws {
        let a = try VoiceCorpus(speaker: formant, seed: 7).clips(.train, perClass: 1)
        let b = try VoiceCorpus(speaker: formant, seed: 7).clips(.train, perClass: 1)
        XCTAssertEqual(a.waveforms.shape, [12, 1, 16_000])
        XCTAssertEqual(a.waveforms.scalars, b.waveforms.scalars)
        XCTAssertEqual(a.labels, Array(0..<12))
        let other = try VoiceCorpus(speaker: formant, seed: 8).clips(.train, perClass: 1)
        XCTAssertNotEqual(a.waveforms.scalars, other.waveforms.scalars)
        // Example i of class c does not depend on how many are drawn.
        let more = try VoiceCorpus(speaker: formant, seed: 7).clips(.train, perClass: 2)
        XCTAssertEqual(Array(more.waveforms.scalars[(2 * 16_000)..<(3 * 16_000)]), Array(a.waveforms.scalars[16_000..<(2 * 16_000)]))
        XCTAssertEqual(a.words[1], more.words[2])
    }

    func testClassesWordsAndVoicesPerSplit() throws {
        let corpus = VoiceCorpus(speaker: formant, seed: 1)
        for label in 0..<VoiceVocabulary.classCount {
            for i in 0..<4 {
                let w = corpus.draw(split: .train, label: label, index: i).0
                switch label {
                case VoiceVocabulary.silenceClass: XCTAssertNil(w)
                case VoiceVocabulary.unknownClass: XCTAssertTrue(VoiceVocabulary.unknownWords.contains(w!.word))
                default: XCTAssertEqual(w?.word, VoiceVocabulary.commands[label])
                }
                if let w { XCTAssertTrue(VoiceVocabulary.trainingVoices.contains(w.voice), w.voice) }
                if let s = corpus.draw(split: .heldOutVoices, label: label, index: i).0 {
                    XCTAssertTrue(VoiceVocabulary.heldOutVoices.contains(s.voice), s.voice)
                }
            }
        }
        XCTAssertTrue(Set(VoiceVocabulary.trainingVoices).isDisjoint(with: VoiceVocabulary.heldOutVoices))
        XCTAssertEqual(VoiceVocabulary.classNames.count, 12)
        XCTAssertEqual(try corpus.clips(.test, perClass: 1).words.map { $0?.word }, VoiceVocabulary.commands + [corpus.draw(split: .test, label: 10, index: 0).0?.word, nil])
    }

    func testAssemblerPlacesTheWordInNoiseAtTheDrawnLevel() {
        var rng = RandomGenerator(seed: 3)
        let tone = AudioClip(sampleRate: 16_000, samples: [Float](repeating: 0, count: 1000) + (0..<4000).map { Float(sin(Double($0) * 0.3)) } + [Float](repeating: 0, count: 1000))
        let clip = ClipAssembler.clip(tone, rng: &rng)
        XCTAssertEqual(clip.count, ClipAssembler.length)
        let peak = clip.map(abs).max()!
        XCTAssertGreaterThan(peak, 0.25)
        XCTAssertLessThan(peak, 1.2)
        // The word occupies 4000 samples: the loudest quarter of the clip holds most of the energy.
        let energies = clip.map { $0 * $0 }
        let sorted = energies.sorted(by: >)
        XCTAssertGreaterThan(sorted.prefix(4000).reduce(0, +) / energies.reduce(0, +), 0.7)
        var rng2 = RandomGenerator(seed: 3)
        let silence = ClipAssembler.clip(nil, rng: &rng2)
        let rms = (silence.map { $0 * $0 }.reduce(0, +) / Float(silence.count)).squareRoot()
        XCTAssertGreaterThan(rms, ClipAssembler.silenceLevel.lowerBound * 0.5)
        XCTAssertLessThan(rms, ClipAssembler.silenceLevel.upperBound * 1.5)
    }

    func testFormantWordsDifferByWordAndVoice() {
        let f = FormantSynthesizer()
        let yes = f.speak(SpokenWord(word: "yes", voice: "en-gb+m1", speed: 170, pitch: 50))
        XCTAssertEqual(yes.sampleRate, 16_000)
        XCTAssertGreaterThan(yes.duration, 0.2)
        XCTAssertEqual(yes, f.speak(SpokenWord(word: "yes", voice: "en-gb+m1", speed: 170, pitch: 50)))
        XCTAssertNotEqual(yes, f.speak(SpokenWord(word: "yes", voice: "en-us+f1", speed: 170, pitch: 50)))
        XCTAssertLessThan(f.speak(SpokenWord(word: "yes", voice: "en-gb+m1", speed: 210, pitch: 50)).duration, yes.duration)
    }

    func testEspeakUtterancesAreCachedAsWAVAndBadVoicesAreReported() throws {
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("voice-cache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: cache) }
        guard let espeak = EspeakSynthesizer(cacheDirectory: cache) else {
            throw XCTSkip("espeak-ng is not installed (\(EspeakSynthesizer.installHint))")
        }
        let w = SpokenWord(word: "stop", voice: "en-gb+m3", speed: 170, pitch: 50)
        let first = try espeak.speak(w)
        XCTAssertEqual(first.sampleRate, 16_000)
        XCTAssertTrue((0.2...1.5).contains(first.duration), "\(first.duration) s")
        let file = cache.appendingPathComponent(w.cacheName)
        XCTAssertEqual(try WAVReader.read(file).sampleRate, 22_050)   // espeak-ng's own rate, as cached
        XCTAssertEqual(try espeak.speak(w), first)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cache.path), [w.cacheName])   // no temporaries left
        XCTAssertThrowsError(try espeak.speak(SpokenWord(word: "go", voice: "xx-nonexistent", speed: 170, pitch: 50))) {
            XCTAssertTrue("\($0)".contains("espeak-ng -v xx-nonexistent failed on 'go'"), "\($0)")
        }
    }

    func testMFCCSummaryFindsTheSpeechSpan() {
        // c0 loud in frames 4...8 only.
        let mfcc = (0..<12).map { t in [(4...8).contains(t) ? 10.0 : 0.0, Double(t), 1] }
        XCTAssertEqual(MFCCSummary.speechSpan(mfcc), 4...8)
        let f = MFCCSummary.features(mfcc)
        XCTAssertEqual(f.count, MFCCSummary.featureCount(coefficients: 3))
        // Thirds of frames 4...8 are [4], [5, 6], [7, 8]: the means of the second coefficient.
        XCTAssertEqual([f[1], f[4], f[7]], [4, 5.5, 7.5])
        XCTAssertEqual(f.last!, 5 / 12, accuracy: 1e-6)
        // Too short a span: the whole clip.
        XCTAssertEqual(MFCCSummary.speechSpan((0..<6).map { [$0 == 2 ? 1.0 : 0, 0, 0] }), 0...5)
    }
}
