/// The terms (words or word n-grams) a bag-of-words model keeps, each with its column index,
/// chosen from a training corpus by document frequency as scikit-learn's `CountVectorizer`
/// chooses them: drop terms in fewer than `minimumDocuments` documents or in more than
/// `maximumDocumentFraction` of them, keep the `maximumTerms` most frequent in the whole corpus
/// (ties: the alphabetically first), and index the kept terms in alphabetical order.
public struct TermVocabulary: Sendable, Equatable {
    /// The kept terms, in column order (alphabetical by Unicode scalars).
    public let terms: [String]
    /// Documents each term occurs in (in the corpus it was fitted on), by column.
    public let documentFrequency: [Int]
    /// Documents in the corpus it was fitted on.
    public let documentCount: Int
    let lookup: [String: Int]

    /// Fits the vocabulary on tokenized documents.
    ///
    /// - Throws: ``DataError`` for an empty corpus, a bad setting, or when no term survives
    ///   the filters.
    public init(documents: [[String]], minimumDocuments: Int = 1, maximumDocumentFraction: Double = 1,
                maximumTerms: Int? = nil) throws {
        guard !documents.isEmpty else { throw DataError(file: "TermVocabulary", message: "no documents to fit on") }
        guard minimumDocuments >= 1 else { throw DataError(file: "TermVocabulary", message: "minimumDocuments must be at least 1, got \(minimumDocuments)") }
        guard maximumDocumentFraction > 0, maximumDocumentFraction <= 1 else {
            throw DataError(file: "TermVocabulary", message: "maximumDocumentFraction must be in (0, 1], got \(maximumDocumentFraction)")
        }
        if let m = maximumTerms, m < 1 { throw DataError(file: "TermVocabulary", message: "maximumTerms must be at least 1, got \(m)") }
        var df: [String: Int] = [:], total: [String: Int] = [:]
        for doc in documents {
            var seen = Set<String>()
            for t in doc {
                total[t, default: 0] += 1
                if seen.insert(t).inserted { df[t, default: 0] += 1 }
            }
        }
        let maxDocs = maximumDocumentFraction * Double(documents.count)
        var kept = df.filter { $0.value >= minimumDocuments && Double($0.value) <= maxDocs }.map(\.key)
        kept.sort { Self.precedes($0, $1) }
        if let m = maximumTerms, kept.count > m {
            let top = kept.enumerated().sorted { a, b in
                let ta = total[a.element]!, tb = total[b.element]!
                return ta != tb ? ta > tb : a.offset < b.offset
            }.prefix(m).map(\.offset).sorted()
            kept = top.map { kept[$0] }
        }
        guard !kept.isEmpty else {
            throw DataError(file: "TermVocabulary", message: "no term occurs in at least \(minimumDocuments) of the \(documents.count) documents and at most \(maximumDocumentFraction) of them")
        }
        terms = kept
        documentFrequency = kept.map { df[$0]! }
        documentCount = documents.count
        var l: [String: Int] = [:]
        for (i, t) in kept.enumerated() { l[t] = i }
        lookup = l
    }

    /// Python's string order: by Unicode scalar values.
    static func precedes(_ a: String, _ b: String) -> Bool { a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) }

    public var count: Int { terms.count }

    /// The column of `term`, or nil when it is not kept.
    public func index(of term: String) -> Int? { lookup[term] }

    public static func == (a: TermVocabulary, b: TermVocabulary) -> Bool {
        a.terms == b.terms && a.documentFrequency == b.documentFrequency && a.documentCount == b.documentCount
    }
}
