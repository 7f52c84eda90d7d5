import EndToEnd
import EndToEndData
import EndToEndTraining
import Foundation

/// What the text report shows a person: word attributions of both sentiment systems, the
/// language models' samples, and the setup.
enum TextReport {
    /// Sampling temperature of both language models in the report's samples.
    static let temperature = 0.8

    /// One row per test review: its start, the words the CNN's gradient × input moves most
    /// toward "other" and toward "great" (byte attributions summed over each word), and the
    /// n-grams whose `tfidf · weight` does the same in the logistic regression; then the
    /// regression's largest weights.
    static func attributionTable(cnn: SentimentCNN, pipeline: SentimentPipeline, test: LabeledTexts, examples: Int) throws -> String {
        let tokenizer = try WordTokenizer()
        // The first test reviews of each class, alternating.
        var picks: [Int] = []
        var byClass = [[Int]](repeating: [], count: 2)
        for (i, y) in test.labels.enumerated() where byClass[y].count < (examples + 1) / 2 { byClass[y].append(i) }
        for k in 0..<((examples + 1) / 2) { for c in 0..<2 where k < byClass[c].count { picks.append(byClass[c][k]) } }
        var md = "| review (start) | score | CNN: words toward other / great | logistic regression: n-grams toward other / great |\n|---|---|---|---|\n"
        for i in picks.prefix(examples) {
            let text = test.texts[i]
            let ids = test.subset([i]).byteIDs(length: SentimentCNN.length)
            let bytes = try cnn.byteAttribution(ids, target: 1)   // toward "other"
            var words: [String: Double] = [:]
            let utf8 = text.utf8
            for r in tokenizer.wordRanges(text) {
                let lo = utf8.distance(from: utf8.startIndex, to: r.lowerBound), hi = utf8.distance(from: utf8.startIndex, to: r.upperBound)
                guard lo < SentimentCNN.length else { break }
                let share = bytes[lo..<min(hi, SentimentCNN.length)].reduce(0, +)
                words[text[r].lowercased(), default: 0] += Double(share)
            }
            let cnnRanked = words.sorted { $0.value > $1.value }
            let lrRanked = pipeline.contributions(text).sorted { $0.1 > $1.1 }
            func list(_ items: [(String, Double)]) -> String { items.map { "\($0.0) (\(String(format: "%+.2f", $0.1)))" }.joined(separator: ", ") }
            let cnnText = list(cnnRanked.prefix(3).filter { $0.value > 0 }.map { ($0.key, $0.value) }) + " / " + list(cnnRanked.suffix(3).reversed().filter { $0.value < 0 }.map { ($0.key, $0.value) })
            let lrText = list(Array(lrRanked.prefix(3).filter { $0.1 > 0 })) + " / " + list(Array(lrRanked.suffix(3).reversed().filter { $0.1 < 0 }))
            md += "| \(cell(String(text.prefix(110)))) | \(test.classNames[test.labels[i]]) | \(cell(cnnText)) | \(cell(lrText)) |\n"
        }
        let top = pipeline.topTerms(12)
        md += "\nThe logistic regression's largest weights: toward **other** "
            + top.other.map { "`\($0.0)` \(String(format: "%.1f", $0.1))" }.joined(separator: ", ")
            + "; toward **great** " + top.great.map { "`\($0.0)` \(String(format: "%.1f", $0.1))" }.joined(separator: ", ") + ".\n"
        return md
    }

    /// Text safe inside a Markdown table cell.
    static func cell(_ s: String) -> String {
        s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "<", with: "&lt;")
    }

    static func samples(_ s: [(prompt: String, transformer: String, ngram: String)]) -> String {
        var md = "## Samples\n\nEach model continues the first 40 characters of a held-out chapter (temperature \(temperature)); newlines are paragraph breaks.\n"
        for (k, x) in s.enumerated() {
            md += "\n**Prompt \(k + 1)**: `\(x.prompt.replacingOccurrences(of: "\n", with: "⏎"))`\n\n"
            md += "Transformer:\n\n```text\n\(x.prompt)\(x.transformer)\n```\n\nKneser–Ney n-grams:\n\n```text\n\(x.prompt)\(x.ngram)\n```\n"
        }
        return md
    }
}

extension TextApplication {
    func assemble(_ s: SentimentOutcome, _ g: GenerationOutcome, plan: Plan) throws -> ApplicationResult {
        let results = [
            ApproachResult(approach: "end-to-end", metric: "accuracy", value: s.cnn.accuracy, trainSeconds: s.cnn.seconds, parameters: s.cnn.parameters,
                           extra: [("task", .string("sentiment")), ("roc_auc", .double(s.cnn.auc)), ("steps", .int(s.cnn.steps)),
                                   ("newest_products_accuracy", .double(s.cnn.shiftedAccuracy)), ("newest_products_roc_auc", .double(s.cnn.shiftedAUC))]),
            ApproachResult(approach: "pipeline", metric: "accuracy", value: s.pipeline.accuracy, trainSeconds: s.pipeline.seconds, parameters: s.pipeline.parameters,
                           extra: [("task", .string("sentiment")), ("roc_auc", .double(s.pipeline.auc)), ("terms", .int(s.pipeline.terms)),
                                   ("newest_products_accuracy", .double(s.pipeline.shiftedAccuracy)), ("newest_products_roc_auc", .double(s.pipeline.shiftedAUC))]),
            ApproachResult(approach: "end-to-end (generation)", metric: "bits_per_character", value: g.transformer.bpc, trainSeconds: g.transformer.seconds,
                           parameters: g.transformer.parameters, extra: [("task", .string("generation")), ("steps", .int(g.transformer.steps))]),
            ApproachResult(approach: "pipeline (generation)", metric: "bits_per_character", value: g.ngram.bpc, trainSeconds: g.ngram.seconds,
                           parameters: g.ngram.parameters, extra: [("task", .string("generation")), ("order", .int(plan.ngramOrder)),
                                                                  ("discounts", .array(g.ngram.discounts.map { .double($0) }))]),
        ]
        let shift = ShiftComparison.rows(metric: "accuracy", [("end-to-end", s.cnn.accuracy, s.cnn.shiftedAccuracy),
                                                              ("pipeline", s.pipeline.accuracy, s.pipeline.shiftedAccuracy)])
        let here = SourceLines.directory(of: #filePath)
        let sources = here.deletingLastPathComponent().deletingLastPathComponent()
        var pipelineCost = try MaintenanceCost.counted(approach: "pipeline", stages: 3, handSetConstants: SentimentPipeline.handSetConstantCount,
                                                       sourceFiles: ["SentimentPipeline.swift"], in: here, parameters: s.pipeline.parameters)
        pipelineCost.linesOfCode += try SourceLines.count(files: ["WordTokenizer.swift", "TermVocabulary.swift", "TFIDF.swift", "SparseRows.swift"],
                                                          in: sources.appendingPathComponent("EndToEndData/Text"))
        pipelineCost.linesOfCode += try SourceLines.count(files: ["SparseLogisticRegression.swift"], in: sources.appendingPathComponent("EndToEndTraining/Classic"))
        var ngramCost = try MaintenanceCost.counted(approach: "pipeline (generation)", stages: 1, handSetConstants: 1, sourceFiles: [],
                                                    in: here, parameters: g.ngram.parameters)
        ngramCost.linesOfCode = try SourceLines.count(files: ["KneserNeyModel.swift"], in: sources.appendingPathComponent("EndToEndTraining/Language"))
        let maintenance = [
            try MaintenanceCost.counted(approach: "end-to-end", stages: 1, handSetConstants: SentimentCNN.handSetConstantCount,
                                        sourceFiles: ["SentimentCNN.swift"], in: here, parameters: s.cnn.parameters),
            pipelineCost,
            try MaintenanceCost.counted(approach: "end-to-end (generation)", stages: 1, handSetConstants: CharacterTransformer.Settings.handSetConstantCount,
                                        sourceFiles: ["CharacterTransformer.swift"], in: here, parameters: g.transformer.parameters),
            ngramCost,
        ]
        let sampleJSON: JSONValue = .array(g.samples.map { .object([("prompt", .string($0.prompt)), ("transformer", .string($0.transformer)), ("ngram", .string($0.ngram))]) })
        let generationJSON: JSONValue = .object([
            ("source", .string(g.source)), ("train_characters", .int(g.trainCharacters)), ("held_out_characters", .int(g.heldOutCharacters)),
            ("held_out_chapters", .int(g.heldOutChapters)), ("vocabulary", .int(g.vocabularySize)),
            ("ngram_bits_per_character_by_order", .array(g.ngramByOrder.map { .object([("order", .int($0.order)), ("bits_per_character", .double($0.bpc))]) })),
            ("samples", sampleJSON),
        ])
        let licence = s.data.source == ReviewData.package ? ReviewData.licence : nil
        var result = ApplicationResult(
            data: DataSource(source: s.data.source, train: s.data.train.count, test: s.data.test.count, licence: licence,
                             note: s.data.source == ReviewData.package ? "small_fine_foods" : "generated reviews (\(ReviewData.installHint))"),
            results: results, dataEfficiency: s.efficiency, shift: shift, maintenance: maintenance,
            extra: [("shifted_test", .int(s.data.shifted.count)), ("shift_from_product", .string(s.data.shiftFrom)), ("generation", generationJSON)],
            figures: [("shift", ShiftComparison.chart(shift, shift: "newest products"))],
            setup: setup(s, g, plan: plan),
            notes: ["## Attributions\n\nWhich words moved each sentiment system's score toward **other** (positive) or **great** (negative): for the CNN, gradient × input on the byte embeddings summed over each word's bytes; for the logistic regression, each n-gram's TF-IDF value × weight.\n\n" + s.attributions,
                    TextReport.samples(g.samples),
                    "## Saved models\n\nBoth networks are custom modules (an embedding, convolutions or transformer blocks that the configuration schema does not express), so their weights are saved as `models/end-to-end/model.safetensors` and `models/end-to-end-generation/model.safetensors` without a config; `e2e predict` cannot load them."])
        result.log = s.history + g.history
        return result
    }

    func setup(_ s: SentimentOutcome, _ g: GenerationOutcome, plan: Plan) -> String {
        let real = s.data.source == ReviewData.package
        return """
        **Part 1, sentiment**: is an Amazon fine-food review's score *great* or *other*? \
        Data: \(real ? "`small_fine_foods` of Debian's r-cran-modeldata (5,000 reviews, each of a different product; \(ReviewData.licence))" : "generated reviews of the same form (\(ReviewData.installHint) for the real ones)"); \
        the \(s.data.shifted.count) reviews of the products whose ASIN sorts last (from \(s.data.shiftFrom) on, the newest listings) are the shifted test set, \
        the rest keep the package's split: \(s.data.train.count) training and \(s.data.test.count) test reviews.

        **End-to-end**: the first \(SentimentCNN.length) UTF-8 bytes → 16-dimensional byte embeddings → two 1-D convolutions (\(SentimentCNN.channels) channels, kernels 7 and 5, ReLU, max pooling by 3 between) → maximum over the text → dropout 0.3 → 2 scores; \(plan.cnnEpochs) epochs of Adam (lr \(SentimentCNN.learningRate), batch \(SentimentCNN.batchSize)) on the cross-entropy.

        **Pipeline**: a word tokenizer (scikit-learn's: lower case, runs of two or more word characters; unigrams and bigrams) → TF-IDF (terms in at least 2 training reviews, 1 + ln tf, smoothed idf, unit rows; \(s.pipeline.terms) terms) → logistic regression (C = \(SentimentPipeline.c), L-BFGS), each fitted on its own.

        **Part 2, generation**: Jane Austen's six novels (\(g.source == NovelData.package ? "Debian's r-cran-janeaustenr; \(NovelData.licence)" : "generated prose of the same form; \(NovelData.installHint) for the novels")), \
        cut into chapters, paragraphs joined into lines; every tenth chapter (5th, 15th, ...) held out. \(g.trainCharacters) training characters, \(g.vocabularySize) symbols (characters seen at least 20 times, one id for the rest); \
        bits per character on the first \(g.heldOutCharacters / max(1, g.heldOutChapters)) characters of each of the \(g.heldOutChapters) held-out chapters (\(g.heldOutCharacters) characters).

        **End-to-end**: a character-level transformer (\(plan.lm.layers) pre-norm blocks, width \(plan.lm.dModel), \(plan.lm.heads) heads, GELU feed-forward 4×, learned positions, context \(plan.lm.context)), \
        \(plan.lm.steps) steps of Adam on batches of \(plan.lm.batchSize) random windows (lr \(plan.lm.learningRate), warm-up then cosine decay, clip norm 1); each held-out character scored once with at least \(plan.lm.context / 2) characters of context.

        **Pipeline**: a character \(plan.ngramOrder)-gram model with interpolated Kneser–Ney smoothing (Ney's discounts per order), each character scored given the previous \(plan.ngramOrder - 1).
        """
    }
}
