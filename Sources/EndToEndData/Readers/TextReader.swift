import EndToEnd
import Foundation

/// A character vocabulary: symbols (Unicode scalars, as Python's `str` counts them) and
/// an optional index for every other character.
public struct TextVocabulary: Sendable, Equatable {
    /// The symbols, in index order.
    public let symbols: [Unicode.Scalar]
    /// Index given to characters not in `symbols`; nil makes them an error.
    public let unknownIndex: Int?
    let lookup: [Unicode.Scalar: Int32]

    public init(symbols: [Unicode.Scalar], unknownIndex: Int? = nil) {
        self.symbols = symbols
        self.unknownIndex = unknownIndex
        var l: [Unicode.Scalar: Int32] = [:]
        for (i, s) in symbols.enumerated() where l[s] == nil { l[s] = Int32(i) }
        lookup = l
    }

    /// Number of token ids (the symbols plus the unknown index, if any).
    public var size: Int { max(symbols.count, (unknownIndex ?? -1) + 1) }

    /// The id of `scalar`, or the unknown index, or nil.
    public func index(of scalar: Unicode.Scalar) -> Int? {
        if let i = lookup[scalar] { return Int(i) }
        return unknownIndex
    }

    /// Text for token ids (unknown ids become U+FFFD).
    public func decode(_ ids: [Int32]) -> String {
        var s = String.UnicodeScalarView()
        for id in ids { s.append(id >= 0 && Int(id) < symbols.count ? symbols[Int(id)] : "\u{FFFD}") }
        return String(s)
    }

    public static func == (a: TextVocabulary, b: TextVocabulary) -> Bool {
        a.symbols == b.symbols && a.unknownIndex == b.unknownIndex
    }
}

/// A text file as a sequence of token ids, for character-level language models.
public struct TextCorpus: Sendable {
    /// How text becomes tokens.
    public enum Mode: Sendable {
        /// Every byte is a token (vocabulary size 256).
        case bytes
        /// Every Unicode scalar is a token. With a nil vocabulary one is built from the
        /// text: its distinct characters, sorted.
        case characters(vocabulary: TextVocabulary?)
    }

    /// The vocabulary of the LSTM benchmark: `chr(32)...chr(126)`, `"\n"`, `"\t"` (97
    /// symbols) and index 97 for anything else, 98 ids in all.
    public static let printableASCIIVocabulary = TextVocabulary(
        symbols: (32...126).map { Unicode.Scalar(UInt8($0)) } + ["\n", "\t"], unknownIndex: 97)

    /// Token ids, `[N]`.
    public let tokens: IntTensor
    /// The vocabulary (nil in bytes mode, where the ids are the bytes).
    public let vocabulary: TextVocabulary?
    /// Number of distinct ids (256 in bytes mode).
    public let vocabularySize: Int
    /// The file it came from.
    public let file: String

    /// Reads a text file.
    public static func read(_ url: URL, mode: Mode = .characters(vocabulary: nil)) throws -> TextCorpus {
        try parse(DataFile.readBytes(url), file: url.path, mode: mode)
    }

    /// Tokenizes bytes already in memory; `file` names them in errors.
    public static func parse(_ bytes: [UInt8], file: String = "<memory>", mode: Mode) throws -> TextCorpus {
        guard !bytes.isEmpty else { throw DataError(file: file, message: "empty file: no text to read") }
        switch mode {
        case .bytes:
            return TextCorpus(tokens: IntTensor(shape: [bytes.count], scalars: bytes.map { Int32($0) }), vocabulary: nil, vocabularySize: 256, file: file)
        case .characters(let given):
            let scalars = try decodeUTF8(bytes, file: file)
            let vocab = given ?? TextVocabulary(symbols: Array(Set(scalars.map(\.0))).sorted { $0.value < $1.value })
            var ids: [Int32] = []
            ids.reserveCapacity(scalars.count)
            for (s, offset) in scalars {
                guard let id = vocab.index(of: s) else {
                    throw DataError(
                        file: file, location: "byte \(offset)",
                        message: String(format: "character U+%04X is not in the vocabulary (and the vocabulary has no unknown index)", s.value))
                }
                ids.append(Int32(id))
            }
            return TextCorpus(tokens: IntTensor(shape: [ids.count], scalars: ids), vocabulary: vocab, vocabularySize: vocab.size, file: file)
        }
    }

    /// Strict UTF-8 decoding; the error gives the byte offset of the bad sequence.
    static func decodeUTF8(_ b: [UInt8], file: String) throws -> [(Unicode.Scalar, Int)] {
        var out: [(Unicode.Scalar, Int)] = []
        out.reserveCapacity(b.count)
        var i = 0
        let n = b.count
        func bad(_ why: String) -> DataError {
            DataError(file: file, location: "byte \(i)", message: String(format: "invalid UTF-8 (%@) at byte 0x%02x; use mode: .bytes for binary text", why, b[i]))
        }
        if n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF { i = 3 }  // byte-order mark
        while i < n {
            let c = b[i]
            if c < 0x80 { out.append((Unicode.Scalar(c), i)); i += 1; continue }
            let len: Int, minValue: UInt32
            var v: UInt32
            switch c {
            case 0xC2...0xDF: len = 2; v = UInt32(c & 0x1F); minValue = 0x80
            case 0xE0...0xEF: len = 3; v = UInt32(c & 0x0F); minValue = 0x800
            case 0xF0...0xF4: len = 4; v = UInt32(c & 0x07); minValue = 0x10000
            default: throw bad(c >= 0x80 && c < 0xC0 ? "unexpected continuation byte" : "invalid lead byte")
            }
            guard i + len <= n else { throw bad("sequence truncated by the end of the file") }
            for k in 1..<len {
                let cc = b[i + k]
                guard cc & 0xC0 == 0x80 else { throw bad("missing continuation byte") }
                v = v << 6 | UInt32(cc & 0x3F)
            }
            guard v >= minValue, let s = Unicode.Scalar(v) else { throw bad("overlong encoding, surrogate or value above U+10FFFF") }
            out.append((s, i))
            i += len
        }
        return out
    }

    /// Number of tokens.
    public var count: Int { tokens.count }

    /// Non-overlapping windows: `x` is `[S, length]`, `y` the same shifted by one token.
    public func sequences(length: Int) throws -> (x: IntTensor, y: IntTensor) {
        let s = try checkLength(length) == 0 ? 0 : (count - 1) / length
        var x: [Int32] = [], y: [Int32] = []
        x.reserveCapacity(s * length); y.reserveCapacity(s * length)
        let t = tokens.scalars
        for k in 0..<s {
            x.append(contentsOf: t[(k * length)..<(k * length + length)])
            y.append(contentsOf: t[(k * length + 1)..<(k * length + length + 1)])
        }
        return (IntTensor(shape: [s, length], scalars: x), IntTensor(shape: [s, length], scalars: y))
    }

    /// A random batch of windows: `x` `[size, length]` starting at uniform random
    /// positions, `y` the next token for each position.
    public func batch(size: Int, length: Int, using rng: inout RandomGenerator) throws -> (x: IntTensor, y: IntTensor) {
        _ = try checkLength(length)
        guard size > 0 else { throw DataError(file: file, message: "batch size must be positive, got \(size)") }
        let t = tokens.scalars
        var x: [Int32] = [], y: [Int32] = []
        x.reserveCapacity(size * length); y.reserveCapacity(size * length)
        for _ in 0..<size {
            let start = rng.nextInt(below: count - length)
            x.append(contentsOf: t[start..<(start + length)])
            y.append(contentsOf: t[(start + 1)..<(start + length + 1)])
        }
        return (IntTensor(shape: [size, length], scalars: x), IntTensor(shape: [size, length], scalars: y))
    }

    private func checkLength(_ length: Int) throws -> Int {
        guard length > 0 else { throw DataError(file: file, message: "sequence length must be positive, got \(length)") }
        guard count > length else {
            throw DataError(file: file, message: "text too short: \(count) tokens, need more than the sequence length \(length)")
        }
        return length
    }
}
