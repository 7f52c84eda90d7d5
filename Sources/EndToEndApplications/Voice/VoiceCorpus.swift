import EndToEnd
import EndToEndData
import Foundation

/// The spoken-command data: one-second 16 kHz clips of the command words, "unknown" words
/// and silence, spoken by espeak-ng voices (or the formant fallback) and assembled with noise
/// by ``ClipAssembler``. Everything is drawn from the seed; example `i` of class `c` in a split
/// depends only on `(seed, split, c, i)`, so a smaller run's clips are a prefix of a larger one's.
public struct VoiceCorpus: Sendable {
    /// What speaks the words.
    public enum Speaker: Sendable {
        case espeak(EspeakSynthesizer)
        case formant(FormantSynthesizer)

        public func speak(_ w: SpokenWord) throws -> AudioClip {
            switch self {
            case .espeak(let e): return try e.speak(w)
            case .formant(let f): return f.speak(w)
            }
        }

        /// The data source's name in the report.
        public var source: String {
            if case .espeak = self { return "espeak-ng" }
            return "generated"
        }
    }

    public enum Split: UInt64, Sendable {
        /// Training voices.
        case train = 1
        /// The same voices, other clips.
        case test = 2
        /// Voices held out of training (``VoiceVocabulary/heldOutVoices``).
        case heldOutVoices = 3

        var voices: [String] { self == .heldOutVoices ? VoiceVocabulary.heldOutVoices : VoiceVocabulary.trainingVoices }
    }

    /// One split's clips.
    public struct Clips: Sendable {
        /// `[N, 1, 16000]` waveforms.
        public var waveforms: Tensor
        public var labels: [Int]
        /// What was spoken in each clip (nil for silence).
        public var words: [SpokenWord?]
        public var count: Int { labels.count }
    }

    public let speaker: Speaker
    public let seed: UInt64

    public init(speaker: Speaker, seed: UInt64) {
        self.speaker = speaker
        self.seed = seed
    }

    /// What example `index` of `label` in `split` says (nil for silence), and its generator.
    public func draw(split: Split, label: Int, index: Int) -> (SpokenWord?, RandomGenerator) {
        var rng = RandomGenerator(seed: seed ^ (split.rawValue << 56) ^ (UInt64(label) << 40) ^ UInt64(index) &* 0x9E37_79B9)
        let voices = split.voices
        let voice = voices[rng.nextInt(below: voices.count)]
        let speed = VoiceVocabulary.speeds[rng.nextInt(below: VoiceVocabulary.speeds.count)]
        let pitch = VoiceVocabulary.pitches[rng.nextInt(below: VoiceVocabulary.pitches.count)]
        let word: String?
        switch label {
        case VoiceVocabulary.silenceClass: word = nil
        case VoiceVocabulary.unknownClass: word = VoiceVocabulary.unknownWords[rng.nextInt(below: VoiceVocabulary.unknownWords.count)]
        default: word = VoiceVocabulary.commands[label]
        }
        return (word.map { SpokenWord(word: $0, voice: voice, speed: speed, pitch: pitch) }, rng)
    }

    /// `perClass` clips of every class, in class-major order. Utterances are synthesized on
    /// all cores; espeak-ng's are cached.
    public func clips(_ split: Split, perClass: Int) throws -> Clips {
        let n = perClass * VoiceVocabulary.classCount
        let plans = (0..<n).map { draw(split: split, label: $0 / perClass, index: $0 % perClass) }
        let results = ResultSlots<[Float]>(count: n)
        DispatchQueue.concurrentPerform(iterations: n) { i in
            results.set(i, Result {
                var (word, rng) = plans[i]
                let utterance = try word.map { try speaker.speak($0) }
                return ClipAssembler.clip(utterance, rng: &rng)
            })
        }
        var scalars: [Float] = []
        scalars.reserveCapacity(n * ClipAssembler.length)
        for i in 0..<n { scalars += try results.get(i) }
        return Clips(waveforms: Tensor(shape: [n, 1, ClipAssembler.length], scalars: scalars),
                     labels: (0..<n).map { $0 / perClass }, words: plans.map(\.0))
    }
}

/// Results written from concurrent iterations, one slot each.
final class ResultSlots<T>: @unchecked Sendable {
    private var slots: [Result<T, any Error>?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<T, any Error>) { lock.withLock { slots[i] = r } }
    func get(_ i: Int) throws -> T { try lock.withLock { slots[i] }!.get() }
}
