/// One word to be spoken: what, by which voice, how fast and how high.
public struct SpokenWord: Sendable, Hashable {
    public var word: String
    /// An espeak-ng voice, `accent+variant` (e.g. `en-gb+m3`).
    public var voice: String
    /// Words per minute.
    public var speed: Int
    /// espeak-ng pitch, 0–99.
    public var pitch: Int

    public init(word: String, voice: String, speed: Int, pitch: Int) {
        self.word = word
        self.voice = voice
        self.speed = speed
        self.pitch = pitch
    }

    /// A file name for the cache: only letters, digits, `-`, `_`, `.`.
    var cacheName: String {
        let v = voice.map { $0.isLetter || $0.isNumber || $0 == "-" ? String($0) : "_" }.joined()
        return "\(word)_\(v)_s\(speed)_p\(pitch).wav"
    }
}
