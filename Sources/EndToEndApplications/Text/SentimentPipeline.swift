import EndToEnd
import EndToEndData
import EndToEndTraining

/// The classic sentiment pipeline, each stage fitted on its own: a word tokenizer (unigrams
/// and bigrams), TF-IDF (terms in at least 2 training reviews, sublinear term frequency, unit
/// rows) fitted on the training reviews, and a logistic regression (C = 10) fitted on their
/// TF-IDF rows.
struct SentimentPipeline {
    /// Hand-set: the n-gram range, the minimum document count, sublinear tf, C.
    static let handSetConstantCount = 4
    static let c = 10.0

    let tokenizer: WordTokenizer
    let tfidf: TFIDF
    let classifier: SparseLogisticRegression
    /// Seconds spent fitting TF-IDF and the classifier.
    let fitSeconds: Double

    /// Fits the stages in order on `train`.
    init(fitting train: LabeledTexts) throws {
        let start = ProgressReporter.monotonicSeconds()
        tokenizer = try WordTokenizer(ngrams: 1...2)
        let docs = train.texts.map(tokenizer.tokens)
        tfidf = try TFIDF(fitting: docs, minimumDocuments: 2, sublinearTF: true)
        classifier = SparseLogisticRegression(features: tfidf.vocabulary.count, c: Self.c)
        try classifier.fit(tfidf.transform(docs), labels: train.labels)
        fitSeconds = ProgressReporter.monotonicSeconds() - start
    }

    /// `P(other)` per review.
    func probabilities(_ texts: LabeledTexts) -> [Double] {
        classifier.probabilities(tfidf.transform(texts.texts.map(tokenizer.tokens)))
    }

    /// Fitted numbers: the idf of every term and the classifier's weights and bias.
    var parameterCount: Int { tfidf.parameterCount + classifier.parameterCount }

    /// The terms with the largest weights toward each class: `(other, great)`.
    func topTerms(_ k: Int) -> (other: [(String, Double)], great: [(String, Double)]) {
        let w = classifier.weights
        let order = w.indices.sorted { w[$0] > w[$1] }
        let terms = tfidf.vocabulary.terms
        return (order.prefix(k).map { (terms[$0], w[$0]) }, order.suffix(k).reversed().map { (terms[$0], w[$0]) })
    }

    /// Each word n-gram's share `tfidf · weight` of one review's decision value.
    func contributions(_ text: String) -> [(String, Double)] {
        let row = tfidf.transform([tokenizer.tokens(text)]).row(0)
        return zip(row.indices, row.values).map { (tfidf.vocabulary.terms[Int($0)], Double($1) * classifier.weights[Int($0)]) }
    }
}
