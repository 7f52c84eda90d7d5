import EndToEnd

/// Documents with class labels and a group per document (the product a review is about, the
/// author of a text), for text classification with a split by group.
///
/// ```swift
/// let reviews = try LabeledTexts(texts: ["Great!", "Stale."], labels: [0, 1], groups: ["B01", "B02"], classNames: ["great", "other"])
/// let x = reviews.byteIDs(length: 256)   // [2, 256]: byte + 1, 0 = padding
/// ```
public struct LabeledTexts: Sendable, Equatable {
    public private(set) var texts: [String]
    /// Class indices in `0..<classNames.count`.
    public private(set) var labels: [Int]
    /// A group key per document (e.g. the product id).
    public private(set) var groups: [String]
    public let classNames: [String]

    /// - Throws: ``DataError`` when the arrays differ in length or a label is out of range.
    public init(texts: [String], labels: [Int], groups: [String]? = nil, classNames: [String]) throws {
        guard texts.count == labels.count else {
            throw DataError(file: "LabeledTexts", message: "\(texts.count) texts but \(labels.count) labels")
        }
        if let groups, groups.count != texts.count {
            throw DataError(file: "LabeledTexts", message: "\(texts.count) texts but \(groups.count) groups")
        }
        guard classNames.count >= 2 else { throw DataError(file: "LabeledTexts", message: "need at least 2 classes, got \(classNames)") }
        if let (i, bad) = labels.enumerated().first(where: { !(0..<classNames.count).contains($0.element) }) {
            throw DataError(file: "LabeledTexts", location: "document \(i)", message: "label \(bad) is outside 0..<\(classNames.count)")
        }
        self.texts = texts
        self.labels = labels
        self.groups = groups ?? texts.indices.map(String.init)
        self.classNames = classNames
    }

    public var count: Int { texts.count }

    /// The documents at `indices`, in that order.
    public func subset(_ indices: [Int]) -> LabeledTexts {
        var s = self
        s.texts = indices.map { texts[$0] }
        s.labels = indices.map { labels[$0] }
        s.groups = indices.map { groups[$0] }
        return s
    }

    /// This set followed by `other` (same classes).
    ///
    /// - Throws: ``DataError`` when the class names differ.
    public func appending(_ other: LabeledTexts) throws -> LabeledTexts {
        guard other.classNames == classNames else {
            throw DataError(file: "LabeledTexts", message: "cannot join classes \(classNames) and \(other.classNames)")
        }
        var s = self
        s.texts += other.texts; s.labels += other.labels; s.groups += other.groups
        return s
    }

    /// Documents per class.
    public var classCounts: [Int] {
        var c = [Int](repeating: 0, count: classNames.count)
        for y in labels { c[y] += 1 }
        return c
    }

    /// The UTF-8 bytes of every text as ids `byte + 1` (0 is padding), cut or padded to
    /// `length`: a `[count, length]` tensor of whole numbers for an ``Embedding`` of 257 rows.
    public func byteIDs(length: Int) -> Tensor {
        var out = [Float](repeating: 0, count: count * length)
        for (i, t) in texts.enumerated() {
            for (k, b) in t.utf8.prefix(length).enumerated() { out[i * length + k] = Float(b) + 1 }
        }
        return Tensor(shape: [count, length], scalars: out)
    }

    /// Number of ids ``byteIDs(length:)`` uses: the 256 bytes and padding.
    public static let byteVocabularySize = 257
}
