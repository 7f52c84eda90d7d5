import XCTest
@testable import EndToEndData

/// WordTokenizer, TermVocabulary and TFIDF against scikit-learn's TfidfVectorizer
/// (TextFixtures.swift, scripts/make_text_fixtures.py), plus hand-checked cases.
final class TextBuildingBlocksTests: XCTestCase {
    func assertClose(_ a: [Double], _ b: [Double], tolerance: Double = 1e-5, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, "\(what): sizes", file: file, line: line)
        for (i, (x, y)) in zip(a, b).enumerated() where abs(x - y) > tolerance {
            XCTFail("\(what)[\(i)]: \(x) vs scikit-learn \(y)", file: file, line: line)
            return
        }
    }

    func check(_ name: String, _ tfidf: TFIDF, tokenizer: WordTokenizer, terms: [String], idf: [Double], train: [Double], test: [Double]) {
        XCTAssertEqual(tfidf.vocabulary.terms, terms, "\(name): vocabulary")
        assertClose(tfidf.idf.map(Double.init), idf, "\(name): idf")
        assertClose(tfidf.transform(TextFixtures.train.map(tokenizer.tokens)).dense().scalars.map(Double.init), train, "\(name): train matrix")
        assertClose(tfidf.transform(TextFixtures.test.map(tokenizer.tokens)).dense().scalars.map(Double.init), test, "\(name): test matrix")
    }

    func testDefaultMatchesScikitLearn() throws {
        let t = try WordTokenizer()
        let tfidf = try TFIDF(fitting: TextFixtures.train.map(t.tokens))
        check("default", tfidf, tokenizer: t, terms: TextFixtures.defaultTerms, idf: TextFixtures.defaultIDF,
              train: TextFixtures.defaultTrain, test: TextFixtures.defaultTest)
    }

    func testBigramsSublinearUnsmoothedMatchScikitLearn() throws {
        let t = try WordTokenizer(ngrams: 1...2)
        let tfidf = try TFIDF(fitting: TextFixtures.train.map(t.tokens), minimumDocuments: 2, sublinearTF: true, smoothIDF: false)
        check("bigrams", tfidf, tokenizer: t, terms: TextFixtures.bigramsTerms, idf: TextFixtures.bigramsIDF,
              train: TextFixtures.bigramsTrain, test: TextFixtures.bigramsTest)
    }

    func testMaximumTermsAndDocumentFractionMatchScikitLearn() throws {
        let t = try WordTokenizer()
        let tfidf = try TFIDF(fitting: TextFixtures.train.map(t.tokens), maximumDocumentFraction: 0.5, maximumTerms: 6)
        check("limited", tfidf, tokenizer: t, terms: TextFixtures.limitedTerms, idf: TextFixtures.limitedIDF,
              train: TextFixtures.limitedTrain, test: TextFixtures.limitedTest)
    }

    func testTokenizerWordsNgramsAndRanges() throws {
        let t = try WordTokenizer(ngrams: 1...2)
        XCTAssertEqual(t.tokens("Not good, at all! a"), ["not", "good", "at", "all", "not good", "good at", "at all"])
        XCTAssertEqual(try WordTokenizer(ngrams: 3...3).tokens("one two"), [])
        let text = "I love it—très bon"
        XCTAssertEqual(t.wordRanges(text).map { String(text[$0]) }, ["love", "it", "très", "bon"])
        XCTAssertThrowsError(try WordTokenizer(ngrams: 0...1))
    }

    func testVocabularyTiesAndErrors() throws {
        // "b" and "c" tie in corpus frequency: the alphabetically first is kept.
        let v = try TermVocabulary(documents: [["a", "a", "c", "b"], ["a"]], maximumTerms: 2)
        XCTAssertEqual(v.terms, ["a", "b"])
        XCTAssertEqual(v.documentFrequency, [2, 1])
        XCTAssertThrowsError(try TermVocabulary(documents: []))
        XCTAssertThrowsError(try TermVocabulary(documents: [["a"]], minimumDocuments: 2))
    }

    func testSparseRowsAndLabeledTexts() throws {
        var m = SparseRows(columns: 3)
        try m.append(row: [(0, 1), (2, 2)])
        try m.append(row: [])
        XCTAssertThrowsError(try m.append(row: [(2, 1), (1, 1)]))
        XCTAssertThrowsError(try m.append(row: [(3, 1)]))
        XCTAssertEqual(m.dense().scalars, [1, 0, 2, 0, 0, 0])
        XCTAssertEqual(m.selecting([1, 0]).dense().scalars, [0, 0, 0, 1, 0, 2])

        let texts = try LabeledTexts(texts: ["Hé", "ok"], labels: [1, 0], groups: ["p1", "p2"], classNames: ["great", "other"])
        XCTAssertEqual(texts.byteIDs(length: 4).scalars, [73, 196, 170, 0, 112, 108, 0, 0])   // "H"+1, "é" = C3 A9, +1
        XCTAssertEqual(texts.subset([1]).groups, ["p2"])
        XCTAssertEqual(texts.classCounts, [1, 1])
        XCTAssertThrowsError(try LabeledTexts(texts: ["a"], labels: [2], classNames: ["x", "y"]))
        XCTAssertThrowsError(try LabeledTexts(texts: ["a"], labels: [], classNames: ["x", "y"]))
    }
}
