/// Splits text into word tokens (and optionally word n-grams), the first stage of a
/// bag-of-words pipeline.
///
/// The default is scikit-learn's `CountVectorizer` analyzer: lower-case the text, take every
/// maximal run of two or more word characters (letters, digits, `_`: the token pattern
/// `(?u)\b\w\w+\b`), then join consecutive tokens into n-grams for every n in `ngrams`.
///
/// ```swift
/// let t = WordTokenizer(ngrams: 1...2)
/// t.tokens("Not good, at all!")   // ["not", "good", "at", "all", "not good", "good at", "at all"]
/// ```
public struct WordTokenizer: Sendable, Equatable {
    /// Word n-gram sizes, e.g. `1...2` for unigrams and bigrams.
    public var ngrams: ClosedRange<Int>
    public var lowercase: Bool
    /// Shortest word kept (scikit-learn's pattern keeps two or more characters).
    public var minimumLength: Int

    /// - Throws: ``DataError`` when `ngrams` starts below 1 or `minimumLength` is below 1.
    public init(ngrams: ClosedRange<Int> = 1...1, lowercase: Bool = true, minimumLength: Int = 2) throws {
        guard ngrams.lowerBound >= 1 else { throw DataError(file: "WordTokenizer", message: "n-gram sizes must be at least 1, got \(ngrams)") }
        guard minimumLength >= 1 else { throw DataError(file: "WordTokenizer", message: "minimumLength must be at least 1, got \(minimumLength)") }
        self.ngrams = ngrams
        self.lowercase = lowercase
        self.minimumLength = minimumLength
    }

    /// Python's `\w` in Unicode mode: alphanumerics and the underscore.
    @inline(__always) static func isWordCharacter(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" }

    /// The words of `text`, in order, before n-grams are formed.
    public func words(_ text: String) -> [String] {
        let source = lowercase ? text.lowercased() : text
        var out: [String] = [], current = ""
        var length = 0
        for c in source {
            if Self.isWordCharacter(c) {
                current.append(c); length += 1
            } else {
                if length >= minimumLength { out.append(current) }
                current = ""; length = 0
            }
        }
        if length >= minimumLength { out.append(current) }
        return out
    }

    /// Every n-gram of ``words(_:)`` for each n in ``ngrams`` (unigrams first, then bigrams,
    /// ...), words joined by one space, as scikit-learn orders them.
    public func tokens(_ text: String) -> [String] {
        let w = words(text)
        var out: [String] = []
        for n in ngrams {
            if n == 1 { out += w; continue }
            guard w.count >= n else { continue }
            for i in 0...(w.count - n) { out.append(w[i..<(i + n)].joined(separator: " ")) }
        }
        return out
    }

    /// The character spans (in `text`'s own indices) of the words, for attributions that map
    /// back from words to characters.
    public func wordRanges(_ text: String) -> [Range<String.Index>] {
        var out: [Range<String.Index>] = []
        var start: String.Index?
        var length = 0
        var i = text.startIndex
        while i < text.endIndex {
            if Self.isWordCharacter(text[i]) {
                if start == nil { start = i }
                length += 1
            } else {
                if let s = start, length >= minimumLength { out.append(s..<i) }
                start = nil; length = 0
            }
            i = text.index(after: i)
        }
        if let s = start, length >= minimumLength { out.append(s..<text.endIndex) }
        return out
    }
}
