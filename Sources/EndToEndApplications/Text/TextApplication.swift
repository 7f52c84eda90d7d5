import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndTraining
import Foundation

/// Language, in two parts of one report:
///
/// - **sentiment**: Amazon fine-food reviews (great / other): a byte-level 1-D CNN against a
///   tokenizer → TF-IDF → logistic regression pipeline; data efficiency at five training
///   fractions; shift: reviews of the newest products (ASINs after every training product's);
/// - **generation**: Jane Austen's six novels: a character-level transformer language model
///   against an interpolated Kneser–Ney character n-gram model; bits per character on held-out
///   chapters, and samples of both.
public struct TextApplication: Application {
    public let name = "text"
    public let summary = "language: review sentiment (byte CNN vs tokenizer + TF-IDF + logistic regression; shift: newest products) and Austen text generation (char transformer vs Kneser-Ney n-grams, bits/char)"

    public init() {}

    /// Sizes of one run.
    struct Plan {
        var reviewShare: Double, cnnEpochs: Int
        var lm: CharacterTransformer.Settings, ngramOrder: Int
        /// Characters of training text the language models see (nil: all) and held-out characters scored.
        var trainCharacters: Int?, heldOutCharacters: Int
        var sampleLength: Int, attributionExamples: Int

        static func of(_ size: ApplicationContext.Size) -> Plan {
            switch size {
            case .smoke:
                return Plan(reviewShare: 0.03, cnnEpochs: 1,
                            lm: .init(context: 32, dModel: 32, heads: 2, layers: 1, batchSize: 4, steps: 3, learningRate: 3e-3),
                            ngramOrder: 3, trainCharacters: 30_000, heldOutCharacters: 1_000, sampleLength: 40, attributionExamples: 2)
            case .quick:
                return Plan(reviewShare: 0.4, cnnEpochs: 3,
                            lm: .init(context: 64, dModel: 48, heads: 4, layers: 2, batchSize: 16, steps: 150, learningRate: 3e-3),
                            ngramOrder: 5, trainCharacters: nil, heldOutCharacters: 10_000, sampleLength: 200, attributionExamples: 4)
            case .full:
                return Plan(reviewShare: 1, cnnEpochs: 8,
                            lm: .init(context: 128, dModel: 64, heads: 4, layers: 2, batchSize: 16, steps: 1200, learningRate: 3e-3),
                            ngramOrder: 6, trainCharacters: nil, heldOutCharacters: 60_000, sampleLength: 300, attributionExamples: 6)
            }
        }
    }

    public func run(_ context: ApplicationContext) throws -> ApplicationResult {
        let plan = Plan.of(context.size)
        let sentiment = try runSentiment(context, plan: plan)
        let generation = try runGeneration(context, plan: plan)
        return try assemble(sentiment, generation, plan: plan)
    }

    // MARK: - Sentiment

    struct SentimentOutcome {
        var data: FineFoodReviews
        var cnn: (accuracy: Double, auc: Double, shiftedAccuracy: Double, shiftedAUC: Double, seconds: Double, steps: Int, parameters: Int)
        var pipeline: (accuracy: Double, auc: Double, shiftedAccuracy: Double, shiftedAUC: Double, seconds: Double, parameters: Int, terms: Int)
        var efficiency: [DataEfficiencyPoint]
        var attributions: String
        var history: [MetricsRecord]
    }

    func runSentiment(_ context: ApplicationContext, plan: Plan) throws -> SentimentOutcome {
        let data = try ReviewData.load(context).scaled(plan.reviewShare, seed: context.seed(10))
        context.log("text: sentiment: \(data.train.count) training, \(data.test.count) test and \(data.shifted.count) shifted reviews (\(data.source); shifted: products from \(data.shiftFrom) on)")
        let ids = (train: data.train.byteIDs(length: SentimentCNN.length), test: data.test.byteIDs(length: SentimentCNN.length),
                   shifted: data.shifted.byteIDs(length: SentimentCNN.length))

        // End-to-end: bytes to class scores, one loss.
        let cnn = SentimentCNN(seed: context.seed(11))
        // A resumable part (`e2e app text --resume`); the pipeline and the n-gram model refit in seconds, deterministically.
        let summary = try context.part("end-to-end", modules: [cnn]) {
            try cnn.fit(ids.train, labels: data.train.labels, epochs: plan.cnnEpochs, seed: context.seed(12))
        }
        let cnnTest = Self.scores(cnn.probabilities(ids.test), data.test.labels)
        let cnnShift = Self.scores(cnn.probabilities(ids.shifted), data.shifted.labels)
        context.log("text: sentiment end-to-end CNN \(cnn.parameterCount) parameters, \(summary.steps) steps in \(f(summary.wallSeconds)) s: accuracy \(f(cnnTest.accuracy)), AUC \(f(cnnTest.auc)); newest products \(f(cnnShift.accuracy))")

        // Pipeline: tokenizer, TF-IDF, logistic regression.
        let pipeline = try SentimentPipeline(fitting: data.train)
        let pipeTest = Self.scores(pipeline.probabilities(data.test), data.test.labels)
        let pipeShift = Self.scores(pipeline.probabilities(data.shifted), data.shifted.labels)
        context.log("text: sentiment pipeline \(pipeline.tfidf.vocabulary.count) terms, fitted in \(f(pipeline.fitSeconds)) s (\(pipeline.classifier.iterations) L-BFGS iterations): accuracy \(f(pipeTest.accuracy)), AUC \(f(pipeTest.auc)); newest products \(f(pipeShift.accuracy))")

        let efficiency = try DataEfficiency.measure(approaches: ["end-to-end", "pipeline"], labels: data.train.labels, seed: context.seed(13),
                                                    context: context, log: context.log) { approach, fraction, indices in
            if fraction == 1 { return approach == "end-to-end" ? cnnTest.accuracy : pipeTest.accuracy }   // the fits above
            if approach == "pipeline" {
                return Self.scores(try SentimentPipeline(fitting: data.train.subset(indices)).probabilities(data.test), data.test.labels).accuracy
            }
            let net = SentimentCNN(seed: context.seed(14, UInt64(indices.count)))
            let subset = ids.train.indexSelect(axis: 0, IntTensor(indices)).contiguous()
            _ = try net.fit(subset, labels: indices.map { data.train.labels[$0] }, epochs: plan.cnnEpochs, minimumSteps: max(1, summary.steps / 4),
                            seed: context.seed(15, UInt64(indices.count)))
            return Self.scores(net.probabilities(ids.test), data.test.labels).accuracy
        }

        try saveWeights(cnn, approach: "end-to-end", context: context)
        let attributions = try TextReport.attributionTable(cnn: cnn, pipeline: pipeline, test: data.test, examples: plan.attributionExamples)
        return SentimentOutcome(
            data: data,
            cnn: (cnnTest.accuracy, cnnTest.auc, cnnShift.accuracy, cnnShift.auc, summary.wallSeconds, summary.steps, cnn.parameterCount),
            pipeline: (pipeTest.accuracy, pipeTest.auc, pipeShift.accuracy, pipeShift.auc, pipeline.fitSeconds, pipeline.parameterCount, pipeline.tfidf.vocabulary.count),
            efficiency: efficiency, attributions: attributions, history: ApplicationResult.curves(summary.history, label: "end-to-end"))
    }

    /// Accuracy at ½ and ROC AUC of `P(other)` against the labels (1 = other).
    static func scores(_ p: [Double], _ labels: [Int]) -> (accuracy: Double, auc: Double) {
        let right = zip(p, labels).filter { ($0 >= 0.5 ? 1 : 0) == $1 }.count
        let auc = ROCAUC.binaryAUC(scores: p.map { Float($0) }, positive: labels.map { $0 == 1 })
        return (Double(right) / Double(max(1, labels.count)), auc)
    }

    /// The custom network's weights as `models/<approach>/model.safetensors` (it is not a
    /// configuration-built network, so `e2e predict` cannot load it).
    func saveWeights(_ model: Module, approach: String, context: ApplicationContext) throws {
        let folder = context.artifactsDirectory.appendingPathComponent("models/\(approach)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try model.save(to: folder.appendingPathComponent("model.safetensors"), metadata: ["approach": approach, "application": "text"])
    }

    // MARK: - Generation

    struct GenerationOutcome {
        var source: String
        var trainCharacters: Int, heldOutCharacters: Int, heldOutChapters: Int, vocabularySize: Int
        var transformer: (bpc: Double, seconds: Double, steps: Int, parameters: Int)
        var ngram: (bpc: Double, seconds: Double, parameters: Int, discounts: [Double])
        var ngramByOrder: [(order: Int, bpc: Double)]
        var samples: [(prompt: String, transformer: String, ngram: String)]
        var history: [MetricsRecord]
    }

    func runGeneration(_ context: ApplicationContext, plan: Plan) throws -> GenerationOutcome {
        let novels = try NovelData.load(context, plan: plan)
        let vocabulary = novels.vocabulary()
        var train = AustenNovels.ids(novels.trainChapters.map(\.text).joined(separator: "\n"), vocabulary)
        if let limit = plan.trainCharacters, train.count > limit { train = Array(train.prefix(limit)) }
        // The same held-out characters for both models: the start of every held-out chapter, an equal share each.
        let held = novels.heldOutChapters
        let share = max(2, plan.heldOutCharacters / max(1, held.count))
        let heldOut = held.map { Array(AustenNovels.ids($0.text, vocabulary).prefix(share)) }
        let scored = heldOut.reduce(0) { $0 + max(0, $1.count - 1) }
        context.log("text: generation: \(train.count) training characters, \(scored) held-out characters from \(held.count) chapters (\(novels.source)), \(vocabulary.size) symbols")

        // Pipeline: the n-gram model.
        var clock = ProgressReporter.monotonicSeconds()
        let ngram = try KneserNeyModel(tokens: train, vocabularySize: vocabulary.size, order: plan.ngramOrder)
        let ngramSeconds = ProgressReporter.monotonicSeconds() - clock
        let ngramBits = heldOut.reduce(0.0) { $0 + ngram.bits($1, from: 1) }
        let ngramBPC = ngramBits / Double(max(1, scored))
        context.log("text: generation pipeline: Kneser–Ney order \(plan.ngramOrder), \(ngram.parameterCount) n-grams, fitted in \(f(ngramSeconds)) s: \(f(ngramBPC)) bits/char (discounts \(ngram.discounts.map(f)))")
        var byOrder: [(Int, Double)] = []
        for order in 1...plan.ngramOrder {
            let m = order == plan.ngramOrder ? ngram : try KneserNeyModel(tokens: train, vocabularySize: vocabulary.size, order: order)
            byOrder.append((order, heldOut.reduce(0.0) { $0 + m.bits($1, from: 1) } / Double(max(1, scored))))
        }

        // End-to-end: the transformer.
        let lm = CharacterTransformer(vocabularySize: vocabulary.size, settings: plan.lm, seed: context.seed(20))
        let summary = try context.part("end-to-end (generation)", modules: [lm]) { try lm.fit(train, seed: context.seed(21)) }
        clock = ProgressReporter.monotonicSeconds()
        let lmBits = try lm.bits(heldOut)
        let lmBPC = lmBits.bits / Double(max(1, lmBits.count))
        context.log("text: generation end-to-end transformer \(lm.parameterCount) parameters, \(summary.steps) steps in \(f(summary.wallSeconds)) s: \(f(lmBPC)) bits/char (scored in \(f(ProgressReporter.monotonicSeconds() - clock)) s)")
        try saveWeights(lm, approach: "end-to-end-generation", context: context)

        // Samples from the start of the first held-out chapters.
        var rng = RandomGenerator(seed: context.seed(22))
        var samples: [(String, String, String)] = []
        for chapter in heldOut.prefix(2) where chapter.count > 40 {
            let prompt = Array(chapter.prefix(40))
            let a = lm.sample(prompt: prompt, count: plan.sampleLength, temperature: TextReport.temperature, using: &rng)
            let b = ngram.sample(prompt: prompt, count: plan.sampleLength, temperature: TextReport.temperature, using: &rng)
            samples.append((vocabulary.decode(prompt.map(Int32.init)), vocabulary.decode(a.map(Int32.init)), vocabulary.decode(b.map(Int32.init))))
        }
        return GenerationOutcome(source: novels.source, trainCharacters: train.count, heldOutCharacters: scored, heldOutChapters: held.count,
                                 vocabularySize: vocabulary.size,
                                 transformer: (lmBPC, summary.wallSeconds, summary.steps, lm.parameterCount),
                                 ngram: (ngramBPC, ngramSeconds, ngram.parameterCount, ngram.discounts), ngramByOrder: byOrder,
                                 samples: samples, history: ApplicationResult.curves(summary.history, label: "end-to-end (generation)"))
    }

    func f(_ v: Double) -> String { String(format: "%.3f", v) }
}
