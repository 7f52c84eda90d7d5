import EndToEnd
import EndToEndData
import EndToEndTraining
import Foundation

/// Healthcare diagnostics: malignant or benign from cell images, end-to-end (a CNN on the
/// pixels) against the classic pipeline (segment the nuclei, measure them, logistic
/// regression), on generated patches; and on the Wisconsin breast-cancer table, an MLP on the
/// 30 measured features against logistic regression. Docs: docs/apps/diagnosis.md.
public struct DiagnosisApplication: Application {
    public init() {}
    public var name: String { "diagnosis" }
    public var summary: String {
        "malignant or benign: a CNN on generated cell images against segmentation + nucleus features + logistic regression; an MLP against logistic regression on the Wisconsin breast-cancer table"
    }

    /// Sizes of one run.
    struct Plan {
        var train: Int, test: Int, cnnEpochs: Int, cnnMinimumSteps: Int, mlpEpochs: Int, mlpMinimumSteps: Int, regressionSteps: Int, igSteps: Int

        static func of(_ size: ApplicationContext.Size) -> Plan {
            switch size {
            case .smoke: return Plan(train: 24, test: 16, cnnEpochs: 1, cnnMinimumSteps: 1, mlpEpochs: 1, mlpMinimumSteps: 2, regressionSteps: 30, igSteps: 2)
            case .quick: return Plan(train: 800, test: 400, cnnEpochs: 12, cnnMinimumSteps: 150, mlpEpochs: 40, mlpMinimumSteps: 100, regressionSteps: CellPipeline.steps, igSteps: 16)
            case .full: return Plan(train: 3000, test: 1000, cnnEpochs: 20, cnnMinimumSteps: 400, mlpEpochs: 100, mlpMinimumSteps: 300, regressionSteps: CellPipeline.steps, igSteps: 32)
            }
        }
    }

    /// One approach's outcome on the test set (and the shifted one).
    struct Outcome {
        var probabilities: [Float]
        var shifted: [Float]?
        var seconds: Double
        var steps: Int
        var parameters: Int
        var history: [MetricsRecord] = []
    }

    public func run(_ context: ApplicationContext) throws -> ApplicationResult {
        let plan = Plan.of(context.size)
        let log = context.log

        // (b) Generated cell images; the shifted test set holds the same cases in another stain.
        let train = CellImages.generate(count: plan.train, seed: context.seed(1))
        let test = CellImages.generate(count: plan.test, seed: context.seed(2))
        let shifted = CellImages.generate(count: plan.test, seed: context.seed(2), stain: .shifted)
        log("cell images: \(train.count) training, \(test.count) test (\(test.labels.reduce(0, +)) malignant), 40x40 px")

        // (a) The Wisconsin table: a stratified 80/20 split.
        let table = try BreastCancerTable.load(path: context.dataPath, seed: context.seed(3), log: log)
        let trainRows = try DataEfficiency.subset(labels: table.labels, fraction: 0.8, seed: context.seed(4), minimumPerClass: 1)
        let inTrain = Set(trainRows)
        let tableTrain = table.subset(trainRows), tableTest = table.subset((0..<table.count).filter { !inTrain.contains($0) })
        let tableShifted = Self.magnified(tableTest, by: 1.1)
        log("breast-cancer table (\(table.source)): \(tableTrain.count) training, \(tableTest.count) test rows")

        // The four approaches at full training size.
        var cnn: ConfiguredNetwork?
        let e2e = try trainCNN(train, test: test, shifted: shifted, plan: plan, seed: context.seed(10), keep: &cnn, part: ("end-to-end", context))
        log("end-to-end CNN: \(e2e.steps) steps in \(String(format: "%.1f", e2e.seconds)) s")
        let pipeline = CellPipeline()
        let pipe = try fitPipeline(pipeline, train, test: test, shifted: shifted, plan: plan, seed: context.seed(11))
        let trainFeatures = CellPipeline.features(train), testFeatures = CellPipeline.features(test)
        let sbs = try CellStepByStep.train(train, features: trainFeatures, test: test, testFeatures: testFeatures, steps: max(2, e2e.steps),
                                           seed: context.seed(14), log: log)
        let stepByStep = Outcome(probabilities: try CellStepByStep.probabilities(sbs.model, test),
                                 shifted: try CellStepByStep.probabilities(sbs.model, shifted), seconds: sbs.result.wallSeconds,
                                 steps: sbs.result.steps, parameters: sbs.result.parameterCount)
        var mlp: ConfiguredNetwork?
        let tableE2E = try trainMLP(tableTrain, test: tableTest, shifted: tableShifted, plan: plan, seed: context.seed(12), keep: &mlp,
                                    part: ("end-to-end (table)", context))
        let regression = LogisticRegression(features: 30, l2: 1 / Double(tableTrain.count))
        let tablePipe = try fitRegression(regression, tableTrain, test: tableTest, shifted: tableShifted, plan: plan, seed: context.seed(13))

        let names = ["end-to-end", "pipeline", "step-by-step", "end-to-end (table)", "pipeline (table)"]
        let outcomes = [e2e, pipe, stepByStep, tableE2E, tablePipe]
        let testLabels = [test.labels, test.labels, test.labels, tableTest.labels, tableTest.labels]
        var scores: [DiagnosisScores] = [], shiftedScores: [DiagnosisScores] = []
        var results: [ApproachResult] = []
        for (k, o) in outcomes.enumerated() {
            let s = try DiagnosisScores(probabilities: o.probabilities, labels: testLabels[k])
            scores.append(s)
            shiftedScores.append(try DiagnosisScores(probabilities: o.shifted!, labels: testLabels[k]))
            results.append(ApproachResult(approach: names[k], metric: "roc_auc", value: s.rocAUC, trainSeconds: o.seconds,
                                          parameters: o.parameters, extra: s.extra + [("steps", .int(o.steps))]))
            log("\(names[k]): ROC-AUC \(String(format: "%.4f", s.rocAUC)), sensitivity at 95% specificity \(String(format: "%.3f", s.sensitivityAt95Specificity)), ECE \(String(format: "%.3f", s.expectedCalibrationError))")
        }

        // Needs large amounts of data? Both systems on nested, stratified fractions.
        let imageCurve = try DataEfficiency.measure(approaches: ["end-to-end", "pipeline"], labels: train.labels, seed: context.seed(20), context: context, log: log) { a, f, idx in
            if f == 1 { return a == "end-to-end" ? scores[0].rocAUC : scores[1].rocAUC }
            let part = train.subset(idx)
            var unused: ConfiguredNetwork?
            let o = a == "end-to-end"
                ? try trainCNN(part, test: test, shifted: nil, plan: plan, seed: context.seed(21), keep: &unused)
                : try fitPipeline(CellPipeline(), part, test: test, shifted: nil, plan: plan, seed: context.seed(22))
            return ROCAUC.binaryAUC(scores: o.probabilities, positive: test.labels.map { $0 == 1 })
        }
        let tableCurve = try DataEfficiency.measure(approaches: ["end-to-end (table)", "pipeline (table)"], labels: tableTrain.labels,
                                                    seed: context.seed(23), context: context, log: log) { a, f, idx in
            if f == 1 { return a == "end-to-end (table)" ? scores[3].rocAUC : scores[4].rocAUC }
            let part = tableTrain.subset(idx)
            var unused: ConfiguredNetwork?
            let o = a == "end-to-end (table)"
                ? try trainMLP(part, test: tableTest, shifted: nil, plan: plan, seed: context.seed(24), keep: &unused)
                : try fitRegression(LogisticRegression(features: 30, l2: 1 / Double(part.count)), part, test: tableTest, shifted: nil,
                                    plan: plan, seed: context.seed(25))
            return ROCAUC.binaryAUC(scores: o.probabilities, positive: tableTest.labels.map { $0 == 1 })
        }

        // May not generalize? The same cases in another stain (images), at 1.1x magnification (table).
        let shift = ShiftComparison.rows(metric: "roc_auc", names.indices.map { (names[$0], scores[$0].rocAUC, shiftedScores[$0].rocAUC) })

        // Black box? Attributions beside the segmentation, for two malignant and two benign test cases.
        let picks = Self.examples(probabilities: e2e.probabilities, labels: test.labels)
        let grid = try DiagnosisFigures.attributionGrid(network: cnn!, images: test, indices: picks,
                                                        background: CellImages.Stain.standard.background, steps: plan.igSteps)
        let tableAttr = try DiagnosisFigures.tableAttributionChart(
            network: mlp!, inputs: tableTest.features, trainingMean: tableTrain.features.mean(axis: 0, keepDims: true),
            regression: regression, steps: plan.igSteps)

        // Simpler, easier to maintain? Counted from this folder's source files.
        let dir = SourceLines.directory(of: #filePath)
        let maintenance = [
            try MaintenanceCost.counted(approach: "end-to-end", stages: 1, handSetConstants: CellCNN.handSetConstants,
                                        sourceFiles: ["CellCNN.swift"], in: dir, parameters: e2e.parameters),
            try MaintenanceCost.counted(approach: "pipeline", stages: 3, handSetConstants: CellPipeline.handSetConstants,
                                        sourceFiles: ["NucleusSegmentation.swift", "NucleusFeatures.swift", "CellPipeline.swift"],
                                        in: dir, parameters: pipe.parameters),
            try MaintenanceCost.counted(approach: "step-by-step", stages: 2, handSetConstants: CellStepByStep.handSetConstants,
                                        sourceFiles: ["CellCNN.swift", "CellStepByStep.swift"], in: dir, parameters: stepByStep.parameters),
        ]

        // The saved networks, with the test examples they can be asked about.
        let models = [try cnn!.save(in: context, inputs: test.inputs, labels: test.labels, epochs: plan.cnnEpochs),
                      try mlp!.save(in: context, inputs: tableTest.features, labels: tableTest.labels, epochs: plan.mlpEpochs)]

        var figures: [(filename: String, chart: SVGChart)] = [
            ("data_efficiency", DataEfficiency.chart(imageCurve, metric: "roc_auc", title: "Cell images: ROC-AUC against training-set size")),
            ("data_efficiency_table", DataEfficiency.chart(tableCurve, metric: "roc_auc", title: "Breast-cancer table: ROC-AUC against training-set size")),
            ("shift", ShiftComparison.chart(shift, shift: "shifted", title: "ROC-AUC on the test set and under the shift (other stain; 1.1x magnification)")),
            ("reliability", BinaryDiagnosticMetrics.reliabilityDiagram([("end-to-end CNN", scores[0].reliability), ("pipeline", scores[1].reliability),
                                                                         ("step-by-step", scores[2].reliability)],
                                                                        title: "Cell images: reliability diagram (10 bins)")),
            ("reliability_table", BinaryDiagnosticMetrics.reliabilityDiagram([("MLP", scores[3].reliability), ("logistic regression", scores[4].reliability)],
                                                                              title: "Breast-cancer table: reliability diagram (10 bins)")),
            ("table_attributions", tableAttr.chart),
        ]
        figures.sort { $0.filename < $1.filename }

        var result = ApplicationResult(
            data: DataSource(source: "generated + \(table.source)", train: train.count, test: test.count,
                             licence: table.source == "generated" ? nil : BreastCancerTable.licence,
                             note: "cell images generated from the seed (\(train.count) training, \(test.count) test); breast-cancer table \(tableTrain.count) training, \(tableTest.count) test rows"),
            results: results, dataEfficiency: imageCurve + tableCurve, shift: shift, maintenance: maintenance,
            extra: [("shifts", .object([("images", .string(CellImages.Stain.shifted.name)), ("table", .string("1.1x magnification"))])),
                    ("table", .object([("source", .string(table.source)), ("train", .int(tableTrain.count)), ("test", .int(tableTest.count))]))],
            figures: figures,
            images: [("attributions.png", grid.png.encoded()),
                     ("shift_examples.png", try DiagnosisFigures.shiftGrid(standard: test, shifted: shifted, indices: picks).encoded())],
            models: models,
            setup: Self.setup(plan: plan, table: table))
        result.log = ApplicationResult.curves(e2e.history, label: "end-to-end") + ApplicationResult.curves(tableE2E.history, label: "end-to-end (table)")
        result.notes = [Self.notes(picks: picks, test: test, probabilities: e2e.probabilities, pipeline: pipe.probabilities,
                                   tableTop: tableAttr.top, scores: scores, names: names)]
        return result
    }

    // MARK: - Approaches

    func trainCNN(_ train: CellImages, test: CellImages, shifted: CellImages?, plan: Plan, seed: UInt64,
                  keep: inout ConfiguredNetwork?, part: (key: String, context: ApplicationContext)? = nil) throws -> Outcome {
        let net = try ConfiguredNetwork(approach: "end-to-end", inputShape: [1, CellImages.size, CellImages.size], classes: 2,
                                        layers: CellCNN.layers, optimizer: CellCNN.optimizer, batchSize: CellCNN.batchSize, seed: seed)
        let data = try train.dataset()
        let s = try part.map { try net.fit(data, epochs: plan.cnnEpochs, minimumSteps: plan.cnnMinimumSteps, part: $0.key, in: $0.context) }
            ?? net.fit(data, epochs: plan.cnnEpochs, minimumSteps: plan.cnnMinimumSteps)
        keep = net
        return Outcome(probabilities: try Self.positive(net.probabilities(test.inputs)),
                       shifted: try shifted.map { try Self.positive(net.probabilities($0.inputs)) },
                       seconds: s.wallSeconds, steps: s.steps, parameters: net.parameterCount, history: s.history)
    }

    func fitPipeline(_ p: CellPipeline, _ train: CellImages, test: CellImages, shifted: CellImages?, plan: Plan, seed: UInt64) throws -> Outcome {
        let start = ProgressReporter.monotonicSeconds()
        let features = CellPipeline.features(train)
        let s = try p.fit(features: features, labels: train.labels, steps: plan.regressionSteps, seed: seed)
        let seconds = ProgressReporter.monotonicSeconds() - start
        return Outcome(probabilities: try p.probabilities(features: CellPipeline.features(test)),
                       shifted: try shifted.map { try p.probabilities(features: CellPipeline.features($0)) },
                       seconds: seconds, steps: s.steps, parameters: p.parameterCount)
    }

    func trainMLP(_ train: BreastCancerTable, test: BreastCancerTable, shifted: BreastCancerTable?, plan: Plan, seed: UInt64,
                  keep: inout ConfiguredNetwork?, part: (key: String, context: ApplicationContext)? = nil) throws -> Outcome {
        let net = try ConfiguredNetwork(approach: "end-to-end (table)", inputShape: [30], classes: 2, layers: TableMLP.layers,
                                        optimizer: TableMLP.optimizer, batchSize: TableMLP.batchSize, seed: seed)
        let data = try TensorDataset(inputs: train.features, labels: IntTensor(train.labels))
        let s = try part.map { try net.fit(data, epochs: plan.mlpEpochs, minimumSteps: plan.mlpMinimumSteps, part: $0.key, in: $0.context) }
            ?? net.fit(data, epochs: plan.mlpEpochs, minimumSteps: plan.mlpMinimumSteps)
        keep = net
        return Outcome(probabilities: try Self.positive(net.probabilities(test.features)),
                       shifted: try shifted.map { try Self.positive(net.probabilities($0.features)) },
                       seconds: s.wallSeconds, steps: s.steps, parameters: net.parameterCount, history: s.history)
    }

    func fitRegression(_ r: LogisticRegression, _ train: BreastCancerTable, test: BreastCancerTable, shifted: BreastCancerTable?,
                       plan: Plan, seed: UInt64) throws -> Outcome {
        let s = try r.fit(train.features, labels: train.labels, steps: plan.regressionSteps, learningRate: CellPipeline.learningRate, seed: seed)
        return Outcome(probabilities: try Self.positive(r.probabilities(test.features)),
                       shifted: try shifted.map { try Self.positive(r.probabilities($0.features)) },
                       seconds: s.wallSeconds, steps: s.steps, parameters: r.parameterCount)
    }

    // MARK: - Helpers

    /// Column 1 (malignant) of `[N, 2]` probabilities.
    static func positive(_ p: Tensor) -> [Float] { (0..<p.shape[0]).map { p[$0, 1] } }

    /// The table as measured at another magnification: radius and perimeter (mean, error,
    /// worst) scaled by `factor`, area by its square.
    static func magnified(_ t: BreastCancerTable, by factor: Float) -> BreastCancerTable {
        var v = t.features.contiguous().scalars
        for i in 0..<t.count {
            for base in [0, 10, 20] {
                v[i * 30 + base] *= factor
                v[i * 30 + base + 2] *= factor
                v[i * 30 + base + 3] *= factor * factor
            }
        }
        return BreastCancerTable(features: Tensor(shape: [t.count, 30], scalars: v), labels: t.labels, source: t.source)
    }

    /// Two malignant and two benign test cases: the most confident correct of each, then
    /// the first of each class otherwise.
    static func examples(probabilities p: [Float], labels y: [Int]) -> [Int] {
        var out: [Int] = []
        for c in [1, 0] {
            let members = y.indices.filter { y[$0] == c }
            let ranked = members.sorted { c == 1 ? p[$0] > p[$1] : p[$0] < p[$1] }
            out += ranked.prefix(2)
        }
        return out
    }
}
