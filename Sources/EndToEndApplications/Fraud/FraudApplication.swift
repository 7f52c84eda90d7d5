import EndToEnd
import EndToEndData
import EndToEndTraining
import Foundation

/// Card fraud detection on generated transaction streams: end-to-end (an LSTM over each
/// card's last raw transactions) against the classic pipeline (hand-engineered aggregates,
/// then logistic regression or an MLP); scored by average precision, recall at a 1 %
/// false-positive rate and precision/recall at a threshold chosen on validation; shifted to
/// a fraud pattern training never saw. Docs: docs/apps/fraud.md.
public struct FraudApplication: Application {
    public init() {}
    public var name: String { "fraud" }
    public var summary: String {
        "card fraud at a 0.2-1 % rate: an LSTM over each card's raw recent transactions against engineered aggregates + logistic regression / MLP; average precision, recall at 1 % FPR, an unseen fraud pattern"
    }

    /// Sizes of one run.
    struct Plan {
        var cards: Int, days: Int, window: Int, sequenceSteps: Int, mlpSteps: Int, regressionSteps: Int, minimumIncidents: Int
        var creditEpochs: Int, creditMinimumSteps: Int

        static func of(_ size: ApplicationContext.Size) -> Plan {
            switch size {
            case .smoke: return Plan(cards: 60, days: 20, window: 8, sequenceSteps: 6, mlpSteps: 6, regressionSteps: 20, minimumIncidents: 8, creditEpochs: 1, creditMinimumSteps: 2)
            case .quick: return Plan(cards: 1200, days: 60, window: 16, sequenceSteps: 1500, mlpSteps: 600, regressionSteps: FraudPipeline.regressionSteps, minimumIncidents: 0,
                                     creditEpochs: 30, creditMinimumSteps: 300)
            case .full: return Plan(cards: 4000, days: 90, window: 16, sequenceSteps: 5000, mlpSteps: 2000, regressionSteps: FraudPipeline.regressionSteps, minimumIncidents: 0,
                                    creditEpochs: 60, creditMinimumSteps: 600)
            }
        }
    }

    /// The pattern the shift holds out of training.
    static let heldOut = FraudPattern.accountTakeover

    /// A generated world with everything the approaches read of it, split by time:
    /// training 0–60 % of the days, validation 60–80 %, test 80–100 %.
    struct Stream {
        let world: CardTransactions
        let raw: [Float]
        let engineered: [Float]
        let sequences: PerKeySequences
        let labels: [Int]
        let train: [Int], validation: [Int], test: [Int]

        init(_ world: CardTransactions, window: Int) throws {
            self.world = world
            raw = TransactionFeatures.raw(world)
            engineered = TransactionFeatures.engineered(world)
            sequences = try PerKeySequences(keys: world.transactions.map(\.card), times: world.transactions.map(\.time), length: window)
            labels = world.labels
            let hours = Double(world.days * 24)
            train = world.indices(from: 0, to: 0.6 * hours)
            validation = world.indices(from: 0.6 * hours, to: 0.8 * hours)
            test = world.indices(from: 0.8 * hours, to: hours)
        }

        func labels(_ rows: [Int]) -> [Int] { rows.map { labels[$0] } }
        func frauds(_ rows: [Int]) -> Int { rows.reduce(0) { $0 + labels[$1] } }
    }

    /// One fitted approach: how to score rows of any stream, and what fitting it cost.
    struct Fitted {
        var score: (Stream, [Int]) throws -> [Float]
        var seconds: Double
        var steps: Int
        var parameters: Int
        var history: [MetricsRecord] = []
        var sequenceNet: FraudSequenceNet?
        var regression: LogisticRegression?
        var mlp: ConfiguredNetwork?
        var risk: [Float]?
    }

    static let approaches = ["end-to-end", "pipeline (logistic regression)", "pipeline (MLP)"]

    public func run(_ context: ApplicationContext) throws -> ApplicationResult {
        let plan = Plan.of(context.size)
        let log = context.log

        // The world with all three patterns; the shift's worlds share its customers, merchants
        // and legitimate transactions (each pattern has its own random stream).
        let all = Set(FraudPattern.allCases)
        let stream = try Stream(.generate(cards: plan.cards, days: plan.days, seed: context.seed(1), minimumIncidents: plan.minimumIncidents),
                                window: plan.window)
        let withoutHeldOut = try Stream(.generate(cards: plan.cards, days: plan.days, seed: context.seed(1), patterns: all.subtracting([Self.heldOut]),
                                                  minimumIncidents: plan.minimumIncidents), window: plan.window)
        let onlyHeldOut = try Stream(.generate(cards: plan.cards, days: plan.days, seed: context.seed(1), patterns: [Self.heldOut],
                                               minimumIncidents: plan.minimumIncidents), window: plan.window)
        log("card streams: \(plan.cards) cards, \(plan.days) days, \(stream.world.count) transactions, fraud rate \(String(format: "%.2f", 100 * stream.world.fraudRate)) %; "
            + "train \(stream.train.count) (\(stream.frauds(stream.train)) fraud), validation \(stream.validation.count) (\(stream.frauds(stream.validation))), test \(stream.test.count) (\(stream.frauds(stream.test)))")

        // The three approaches on the whole training period.
        var fitted: [Fitted] = []
        var scores: [FraudScores] = []
        var results: [ApproachResult] = []
        for (k, a) in Self.approaches.enumerated() {
            let f = try fit(a, on: stream, rows: stream.train, plan: plan, seed: context.seed(10, UInt64(k)), part: ("main/\(a)", context))
            let s = try FraudScores(test: try f.score(stream, stream.test), labels: stream.labels(stream.test),
                                    validation: try f.score(stream, stream.validation), validationLabels: stream.labels(stream.validation))
            fitted.append(f)
            scores.append(s)
            results.append(ApproachResult(approach: a, metric: "average_precision", value: s.averagePrecision, trainSeconds: f.seconds,
                                          parameters: f.parameters, extra: s.extra + [("steps", .int(f.steps))]))
            log("\(a): average precision \(String(format: "%.4f", s.averagePrecision)), recall at 1 % FPR \(String(format: "%.3f", s.recallAt1PercentFPR)), "
                + "precision/recall at the validation threshold \(String(format: "%.3f/%.3f", s.precision, s.recall)) (\(String(format: "%.1f", f.seconds)) s)")
        }

        // Needs large amounts of data? Nested, stratified fractions of the training period.
        let trainLabels = stream.labels(stream.train)
        let curve = try DataEfficiency.measure(approaches: Self.approaches, labels: trainLabels, seed: context.seed(20), context: context, log: log) { a, fraction, idx in
            let k = Self.approaches.firstIndex(of: a)!
            if fraction == 1 { return scores[k].averagePrecision }
            let f = try fit(a, on: stream, rows: idx.map { stream.train[$0] }, plan: plan, seed: context.seed(21, UInt64(k)))
            return try PrecisionRecall.averagePrecision(scores: try f.score(stream, stream.test), labels: stream.labels(stream.test))
        }

        // May not generalize? Trained without account takeovers, tested on a period holding only them;
        // beside it, the same test period scored by the models that saw the pattern in training.
        var shiftValues: [(approach: String, inDistribution: Double, shifted: Double)] = []
        let shiftLabels = onlyHeldOut.labels(onlyHeldOut.test)
        for (k, a) in Self.approaches.enumerated() {
            let f = try fit(a, on: withoutHeldOut, rows: withoutHeldOut.train, plan: plan, seed: context.seed(30, UInt64(k)), part: ("shift/\(a)", context))
            let unseen = try PrecisionRecall.averagePrecision(scores: try f.score(onlyHeldOut, onlyHeldOut.test), labels: shiftLabels)
            let seen = try PrecisionRecall.averagePrecision(scores: try fitted[k].score(onlyHeldOut, onlyHeldOut.test), labels: shiftLabels)
            shiftValues.append((a, seen, unseen))
            log("shift: \(a): average precision on \(Self.heldOut.rawValue) \(String(format: "%.4f", unseen)) unseen in training, \(String(format: "%.4f", seen)) seen")
        }
        let shift = ShiftComparison.rows(metric: "average_precision", shiftValues)

        // The real case: credit_data (r-cran-modeldata), an MLP on the raw columns against
        // logistic regression on engineered features.
        var creditNote = "credit_data: r-cran-modeldata is not installed; the real case was skipped"
        var creditExtra: [(String, JSONValue)] = []
        var creditCurve: [DataEfficiencyPoint] = []
        if let credit = try CreditTable.load(path: context.dataPath) {
            let c = try CreditCase.run(credit, plan: plan, context: context)
            results += c.results
            creditCurve = c.curve
            creditNote = c.note
            creditExtra = [("credit", .object([("source", .string(credit.source)), ("rows", .int(credit.count)), ("train", .int(c.train)),
                                              ("validation", .int(c.validation)), ("test", .int(c.test))]))]
        } else {
            log(creditNote)
        }

        // Black box? Which transactions of the window moved the LSTM's score, beside the regression's largest terms.
        let attribution = try FraudAttribution.table(stream: stream, net: fitted[0].sequenceNet!, regression: fitted[1].regression!,
                                                     risk: fitted[1].risk!, testScores: try fitted[0].score(stream, stream.test))

        // Simpler, easier to maintain? Counted from this folder's source files.
        let dir = SourceLines.directory(of: #filePath)
        let maintenance = [
            try MaintenanceCost.counted(approach: Self.approaches[0], stages: 1, handSetConstants: FraudSequenceModel.handSetConstants,
                                        sourceFiles: ["FraudSequenceModel.swift"], in: dir, parameters: fitted[0].parameters),
            try MaintenanceCost.counted(approach: Self.approaches[1], stages: 3,
                                        handSetConstants: TransactionFeatures.handSetConstants + FraudPipeline.regressionConstants,
                                        sourceFiles: ["TransactionFeatures.swift", "FraudPipeline.swift"], in: dir, parameters: fitted[1].parameters),
            try MaintenanceCost.counted(approach: Self.approaches[2], stages: 3,
                                        handSetConstants: TransactionFeatures.handSetConstants + FraudPipeline.mlpConstants,
                                        sourceFiles: ["TransactionFeatures.swift", "FraudPipeline.swift"], in: dir, parameters: fitted[2].parameters),
        ]

        // The saved models: the LSTM's weights (a custom module, outside `models` since e2e predict
        // needs a config), the MLP with its test rows for e2e predict.
        try saveSequenceNet(fitted[0].sequenceNet!, in: context)
        let models = [try fitted[2].mlp!.save(in: context, inputs: TransactionFeatures.pipelineMatrix(stream.world, engineered: stream.engineered,
                                                                                                      risk: fitted[2].risk!, rows: stream.test),
                                              labels: stream.labels(stream.test))]

        var figures: [(filename: String, chart: SVGChart)] = [
            ("data_efficiency", DataEfficiency.chart(curve, metric: "average_precision", title: "Average precision against training-set size")),
            ("shift", ShiftComparison.chart(shift, shift: "\(Self.heldOut.rawValue) unseen",
                                            title: "Average precision on account takeovers: seen in training, and never seen")),
        ]
        if !creditCurve.isEmpty {
            figures.append(("data_efficiency_credit", DataEfficiency.chart(creditCurve, metric: "average_precision",
                                                                           title: "credit_data: average precision (bad loans) against training-set size")))
        }
        let patternCounts = FraudPattern.allCases.map { p in (p.rawValue, JSONValue.int(stream.world.transactions.filter { $0.fraud == p }.count)) }
        var result = ApplicationResult(
            data: DataSource(source: creditExtra.isEmpty ? "generated" : "generated + r-cran-modeldata", train: stream.train.count, test: stream.test.count,
                             licence: creditExtra.isEmpty ? nil : CreditTable.licence, note: "\(plan.cards) card streams over \(plan.days) days, \(stream.world.count) transactions, fraud rate \(String(format: "%.2f", 100 * stream.world.fraudRate)) %"),
            results: results, dataEfficiency: curve + creditCurve, shift: shift, maintenance: maintenance,
            extra: [("fraud_rate", .double(stream.world.fraudRate)), ("fraud_by_pattern", .object(patternCounts)),
                    ("validation", .int(stream.validation.count)), ("shift_held_out", .string(Self.heldOut.rawValue)),
                    ("shift_test", .object([("transactions", .int(onlyHeldOut.test.count)), ("fraud", .int(onlyHeldOut.frauds(onlyHeldOut.test)))]))] + creditExtra,
            figures: figures, models: models, setup: Self.setup(plan: plan, stream: stream))
        result.log = ApplicationResult.curves(fitted[0].history, label: Self.approaches[0]) + ApplicationResult.curves(fitted[2].history, label: Self.approaches[2])
        result.notes = [attribution, creditNote, "The end-to-end LSTM is a custom module (a merchant embedding beside real-valued fields, which the config schema cannot express): its weights are in `models/end-to-end/model.safetensors` (load them into `FraudSequenceNet(merchants: \(stream.world.merchants.count))`); `e2e predict` works on the pipeline's MLP."]
        return result
    }

    // MARK: - Approaches

    /// Fits approach `a` on `rows` of `stream`. With `part`, the networks' fits are the
    /// resumable parts of that key (``ApplicationContext/part(_:modules:_:)``); the logistic
    /// regression (its standardization is not module state) is refitted on a resume.
    func fit(_ a: String, on stream: Stream, rows: [Int], plan: Plan, seed: UInt64,
             part: (key: String, context: ApplicationContext)? = nil) throws -> Fitted {
        let y = stream.labels(rows)
        switch a {
        case Self.approaches[0]:
            let t = try FraudSequenceModel.train(sequences: stream.sequences, raw: stream.raw, rows: rows, labels: stream.labels,
                                                 merchants: stream.world.merchants.count, steps: plan.sequenceSteps, seed: seed, part: part)
            let net = t.net
            return Fitted(score: { s, r in try FraudSequenceModel.scores(net, sequences: s.sequences, raw: s.raw, events: r) },
                          seconds: t.summary.wallSeconds, steps: t.summary.steps, parameters: net.parameterCount, history: t.summary.history,
                          sequenceNet: net)
        case Self.approaches[1]:
            let start = ProgressReporter.monotonicSeconds()
            let risk = TransactionFeatures.merchantRisk(stream.world, rows: rows)
            let x = TransactionFeatures.pipelineMatrix(stream.world, engineered: stream.engineered, risk: risk, rows: rows)
            let r = try FraudPipeline.fitRegression(x, labels: y, steps: plan.regressionSteps, seed: seed)
            let seconds = ProgressReporter.monotonicSeconds() - start
            return Fitted(score: { s, rr in
                FraudPipeline.positive(try r.model.probabilities(TransactionFeatures.pipelineMatrix(s.world, engineered: s.engineered, risk: risk, rows: rr)))
            }, seconds: seconds, steps: r.summary.steps, parameters: r.model.parameterCount + risk.count, regression: r.model, risk: risk)
        default:
            let start = ProgressReporter.monotonicSeconds()
            let risk = TransactionFeatures.merchantRisk(stream.world, rows: rows)
            let x = TransactionFeatures.pipelineMatrix(stream.world, engineered: stream.engineered, risk: risk, rows: rows)
            let m = try FraudPipeline.fitMLP(x, labels: y, steps: plan.mlpSteps, seed: seed, part: part)
            let seconds = ProgressReporter.monotonicSeconds() - start
            return Fitted(score: { s, rr in
                FraudPipeline.positive(try m.net.probabilities(TransactionFeatures.pipelineMatrix(s.world, engineered: s.engineered, risk: risk, rows: rr)))
            }, seconds: seconds, steps: m.summary.steps, parameters: m.net.parameterCount + risk.count, history: m.summary.history, mlp: m.net, risk: risk)
        }
    }

    /// `models/end-to-end/model.safetensors`: the custom module's weights (no config: the
    /// schema cannot express the merchant embedding beside the real-valued fields).
    func saveSequenceNet(_ net: FraudSequenceNet, in context: ApplicationContext) throws {
        let relative = "models/end-to-end"
        let dir = context.artifactsDirectory.appendingPathComponent(relative, isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try net.save(to: dir.appendingPathComponent("model.safetensors"), metadata: ["approach": "end-to-end", "module": net.summary])
    }

    static func setup(plan: Plan, stream: Stream) -> String {
        """
        Generated card-transaction streams (\(plan.cards) cards, \(plan.days) days, \(stream.world.count) transactions, \
        \(String(format: "%.2f", 100 * stream.world.fraudRate)) % fraud: card-testing bursts, account takeovers in a far city, \
        \(CardTransactions.colludingMerchants) colluding merchants), split by time: training the first 60 % of the days, \
        validation the next 20 % (it chooses each approach's operating threshold, the best F1), test the last 20 %.

        - **end-to-end**: an LSTM (\(FraudSequenceModel.hidden) units) over the card's last \(plan.window) raw transactions \
        (amount, time since the previous one, hour, category, online flag, merchant location, a learned \
        \(FraudSequenceModel.embedding)-d merchant embedding), ending with the one scored; class-balanced draws \
        (\(Int(100 * FraudSequenceModel.fraudShare)) % fraud), \(plan.sequenceSteps) steps.
        - **pipeline**: \(FraudPipeline.featureCount) hand-engineered features (velocity over 1 h and 24 h, amount z-score \
        against the card's history, new merchant, distance and speed from the previous location, distance from the usual \
        location, night, category, merchant risk fitted on the training labels), then logistic regression or an MLP.
        """
    }
}
