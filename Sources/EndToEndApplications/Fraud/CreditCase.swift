import EndToEnd
import EndToEndData
import EndToEndTraining
import Foundation

/// The credit_data case: a stratified split (60 % training, 15 % validation for the operating
/// threshold, 25 % test), the MLP on the raw columns against logistic regression on the
/// engineered features, and both on 5 training fractions. Bad loans are the positives.
enum CreditCase {
    static let layers = ["{type: batchnorm1d}", "{type: linear, out: 32}", "relu", "{type: linear, out: 2}"]
    static let approaches = ["end-to-end (credit)", "pipeline (credit)"]

    struct Outcome {
        var results: [ApproachResult]
        var curve: [DataEfficiencyPoint]
        var note: String
        var train: Int, validation: Int, test: Int
    }

    static func run(_ credit: CreditTable, plan: FraudApplication.Plan, context: ApplicationContext) throws -> Outcome {
        let y = credit.labels
        let trainValidation = try DataEfficiency.subset(labels: y, fraction: 0.75, seed: context.seed(40), minimumPerClass: 1)
        let inTrainValidation = Set(trainValidation)
        let test = (0..<credit.count).filter { !inTrainValidation.contains($0) }
        let trainPart = try DataEfficiency.subset(labels: trainValidation.map { y[$0] }, fraction: 0.8, seed: context.seed(41), minimumPerClass: 1)
        let train = trainPart.map { trainValidation[$0] }
        let inTrain = Set(train)
        let validation = trainValidation.filter { !inTrain.contains($0) }
        context.log("credit_data (\(credit.source)): \(credit.count) applicants, \(y.reduce(0, +)) bad; train \(train.count), validation \(validation.count), test \(test.count)")

        var results: [ApproachResult] = []
        var values: [Double] = []
        for (k, a) in approaches.enumerated() {
            let f = try fit(a, credit, rows: train, plan: plan, seed: context.seed(42, UInt64(k)), part: ("credit/\(a)", context))
            let s = try FraudScores(test: try f.score(test), labels: test.map { y[$0] }, validation: try f.score(validation),
                                    validationLabels: validation.map { y[$0] })
            values.append(s.averagePrecision)
            results.append(ApproachResult(approach: a, metric: "average_precision", value: s.averagePrecision, trainSeconds: f.seconds,
                                          parameters: f.parameters, extra: s.extra + [("steps", .int(f.steps))]))
            context.log("\(a): average precision \(String(format: "%.4f", s.averagePrecision)), ROC-AUC \(String(format: "%.4f", s.rocAUC)), recall at 1 % FPR \(String(format: "%.3f", s.recallAt1PercentFPR))")
        }
        let curve = try DataEfficiency.measure(approaches: approaches, labels: train.map { y[$0] }, seed: context.seed(43), context: context, log: context.log) { a, fraction, idx in
            let k = approaches.firstIndex(of: a)!
            if fraction == 1 { return values[k] }
            let f = try fit(a, credit, rows: idx.map { train[$0] }, plan: plan, seed: context.seed(44, UInt64(k)))
            return try PrecisionRecall.averagePrecision(scores: try f.score(test), labels: test.map { y[$0] })
        }
        let note = "### credit_data\n\n\(credit.count) applicants of modeldata's `credit_data` (\(y.reduce(0, +)) bad), read with `RLazyLoadDatabase`; "
            + "stratified split: \(train.count) training, \(validation.count) validation (operating threshold), \(test.count) test. "
            + "The end-to-end MLP reads the raw columns (NA → 0 with an indicator, factors one-hot with an NA level, batch norm first); "
            + "the pipeline fits logistic regression on engineered features (log income / assets / debt, loan-to-price, monthly payment and its share of income, expenses over income, median imputation).\n"
        return Outcome(results: results, curve: curve, note: note, train: train.count, validation: validation.count, test: test.count)
    }

    struct Fitted {
        var score: ([Int]) throws -> [Float]
        var seconds: Double, steps: Int, parameters: Int
    }

    static func fit(_ a: String, _ credit: CreditTable, rows: [Int], plan: FraudApplication.Plan, seed: UInt64,
                    part: (key: String, context: ApplicationContext)? = nil) throws -> Fitted {
        let y = rows.map { credit.labels[$0] }
        if a == approaches[0] {
            let x = credit.raw(rows)
            let net = try ConfiguredNetwork(approach: a, inputShape: [x.shape[1]], classes: 2, layers: layers,
                                            optimizer: "{type: adam, lr: 0.003}", batchSize: 64, seed: seed)
            let data = try TensorDataset(inputs: x, labels: IntTensor(y))
            let s = try part.map { try net.fit(data, epochs: plan.creditEpochs, minimumSteps: plan.creditMinimumSteps, part: $0.key, in: $0.context) }
                ?? net.fit(data, epochs: plan.creditEpochs, minimumSteps: plan.creditMinimumSteps)
            return Fitted(score: { FraudPipeline.positive(try net.probabilities(credit.raw($0))) }, seconds: s.wallSeconds, steps: s.steps,
                          parameters: net.parameterCount)
        }
        let start = ProgressReporter.monotonicSeconds()
        let x = credit.engineered(rows, fitRows: rows)
        let r = LogisticRegression(features: x.shape[1], l2: 1 / Double(rows.count))
        let s = try r.fit(x, labels: y, steps: plan.regressionSteps, learningRate: FraudPipeline.regressionLearningRate, seed: seed)
        return Fitted(score: { FraudPipeline.positive(try r.probabilities(credit.engineered($0, fitRows: rows))) },
                      seconds: ProgressReporter.monotonicSeconds() - start, steps: s.steps, parameters: r.parameterCount)
    }
}
