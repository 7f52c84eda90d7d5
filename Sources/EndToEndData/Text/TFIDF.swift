import Foundation

/// Term frequency × inverse document frequency, scikit-learn's `TfidfVectorizer` after its
/// tokenizer: a document becomes the counts of its vocabulary terms (or `1 + ln count` with
/// `sublinearTF`), each multiplied by the term's idf, the row scaled to unit Euclidean length.
///
/// idf is `ln((1 + n) / (1 + df)) + 1` with `smoothIDF` (scikit-learn's default: as if one
/// extra document held every term once) and `ln(n / df) + 1` without, for `n` training
/// documents of which `df` contain the term.
///
/// ```swift
/// let tokenizer = try WordTokenizer(ngrams: 1...2)
/// let tfidf = try TFIDF(fitting: train.map(tokenizer.tokens), minimumDocuments: 2)
/// let x = tfidf.transform(test.map(tokenizer.tokens))   // SparseRows, one row per document
/// ```
public struct TFIDF: Sendable, Equatable {
    public let vocabulary: TermVocabulary
    /// The idf of each vocabulary column.
    public let idf: [Float]
    public let sublinearTF: Bool
    public let smoothIDF: Bool
    /// Scale each row to unit L2 norm (scikit-learn's `norm="l2"`).
    public let normalize: Bool

    /// Fits the vocabulary and the idf on tokenized training documents.
    public init(fitting documents: [[String]], minimumDocuments: Int = 1, maximumDocumentFraction: Double = 1,
                maximumTerms: Int? = nil, sublinearTF: Bool = false, smoothIDF: Bool = true, normalize: Bool = true) throws {
        let v = try TermVocabulary(documents: documents, minimumDocuments: minimumDocuments,
                                   maximumDocumentFraction: maximumDocumentFraction, maximumTerms: maximumTerms)
        self.init(vocabulary: v, sublinearTF: sublinearTF, smoothIDF: smoothIDF, normalize: normalize)
    }

    /// The idf of an already fitted vocabulary.
    public init(vocabulary: TermVocabulary, sublinearTF: Bool = false, smoothIDF: Bool = true, normalize: Bool = true) {
        self.vocabulary = vocabulary
        self.sublinearTF = sublinearTF
        self.smoothIDF = smoothIDF
        self.normalize = normalize
        let n = Double(vocabulary.documentCount), s = smoothIDF ? 1.0 : 0.0
        idf = vocabulary.documentFrequency.map { Float(log((n + s) / (Double($0) + s)) + 1) }
    }

    /// Fitted numbers: one idf per term.
    public var parameterCount: Int { idf.count }

    /// One row per document; terms outside the vocabulary are ignored (an empty row stays empty).
    public func transform(_ documents: [[String]]) -> SparseRows {
        var out = SparseRows(columns: vocabulary.count)
        for doc in documents {
            var counts: [Int: Int] = [:]
            for t in doc { if let j = vocabulary.index(of: t) { counts[j, default: 0] += 1 } }
            var entries = counts.keys.sorted().map { j -> (column: Int, value: Float) in
                let c = Double(counts[j]!)
                return (j, Float(sublinearTF ? 1 + log(c) : c) * idf[j])
            }
            if normalize {
                let norm = entries.reduce(0.0) { $0 + Double($1.value) * Double($1.value) }.squareRoot()
                if norm > 0 { entries = entries.map { ($0.column, Float(Double($0.value) / norm)) } }
            }
            // Columns come sorted and in range, so this cannot fail.
            try? out.append(row: entries)
        }
        return out
    }
}
