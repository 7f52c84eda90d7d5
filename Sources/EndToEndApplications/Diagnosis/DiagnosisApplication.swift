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
        let e2e = try trainCNN(train, test: test, shifted: shifted, plan: plan, seed: context.seed(10), keep: &cnn)
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
        let tableE2E = try trainMLP(tableTrain, test: tableTest, shifted: tableShifted, plan: plan, seed: context.seed(12), keep: &mlp)
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
        let imageCurve = try DataEfficiency.measure(approaches: ["end-to-end", "pipeline"], labels: train.labels, seed: context.seed(20), log: log) { a, f, idx in
            if f == 1 { return a == "end-to-end" ? scores[0].rocAUC : scores[1].rocAUC }
            let part = train.subset(idx)
            var unused: ConfiguredNetwork?
            let o = a == "end-to-end"
                ? try trainCNN(part, test: test, shifted: nil, plan: plan, seed: context.seed(21), keep: &unused)
                : try fitPipeline(CellPipeline(), part, test: test, shifted: nil, plan: plan, seed: context.seed(22))
            return ROCAUC.binaryAUC(scores: o.probabilities, positive: test.labels.map { $0 == 1 })
        }
        let tableCurve = try DataEfficiency.measure(approaches: ["end-to-end (table)", "pipeline (table)"], labels: tableTrain.labels,
                                                    seed: context.seed(23), log: log) { a, f, idx in
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
                  keep: inout ConfiguredNetwork?) throws -> Outcome {
        let net = try ConfiguredNetwork(approach: "end-to-end", inputShape: [1, CellImages.size, CellImages.size], classes: 2,
                                        layers: CellCNN.layers, optimizer: CellCNN.optimizer, batchSize: CellCNN.batchSize, seed: seed)
        let s = try net.fit(try train.dataset(), epochs: plan.cnnEpochs, minimumSteps: plan.cnnMinimumSteps)
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
                  keep: inout ConfiguredNetwork?) throws -> Outcome {
        let net = try ConfiguredNetwork(approach: "end-to-end (table)", inputShape: [30], classes: 2, layers: TableMLP.layers,
                                        optimizer: TableMLP.optimizer, batchSize: TableMLP.batchSize, seed: seed)
        let s = try net.fit(try TensorDataset(inputs: train.features, labels: IntTensor(train.labels)), epochs: plan.mlpEpochs,
                            minimumSteps: plan.mlpMinimumSteps)
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

    static func setup(plan: Plan, table: BreastCancerTable) -> String {
        """
        **Cell images** (generated from the seed, 40×40 gray, 1–6 nuclei; label from nucleus size, outline \
        irregularity and count plus noise): \(plan.train) training and \(plan.test) test patches; the shifted \
        test set holds the same cases in another stain (nuclei 0.42–0.54 instead of 0.22–0.38, cytoplasm 0.68 instead \
        of 0.74, background 0.78 instead of 0.86, noise 0.04 instead of 0.03).

        - **end-to-end**: a CNN from the pixels (input batch norm, conv 16-ReLU-pool, conv 32-ReLU-pool, conv 32-ReLU, global \
        average pool, linear 32, linear 2), cross-entropy on the label alone, Adam 3e-3, batch 32, \
        \(plan.cnnEpochs) epochs (at least \(plan.cnnMinimumSteps) steps), through the Trainer.
        - **step-by-step** (StepByStepStrategy): the same CNN trunk first trained to predict the pipeline's 8 \
        standardized nucleus features (mean squared error), then frozen while a head (linear 16, ReLU, linear 2) \
        learns the label from the predicted features; the same number of steps as end-to-end, split evenly.
        - **pipeline**: Otsu threshold (256 bins) → 4-connected components (specks < 3 px dropped) → 8 features \
        per image (count, mean and largest area, mean perimeter, mean and largest irregularity 1 − 4πA/P², \
        radial variation, nucleus intensity) → logistic regression (standardized, L2 1e-3, 400 full-batch Adam steps).

        **Breast-cancer table** (\(table.source), 569 × 30): stratified 80/20 split; the shift is the test \
        rows as measured at 1.1× magnification (radius and perimeter × 1.1, area × 1.21).

        - **end-to-end (table)**: an MLP on the raw measurements (batch norm, linear 32, ReLU, linear 2), \
        Adam 3e-3, batch 32, \(plan.mlpEpochs) epochs (at least \(plan.mlpMinimumSteps) steps).
        - **pipeline (table)**: standardization + logistic regression (L2 = 1/N, i.e. scikit-learn's C = 1), \
        400 full-batch Adam steps.

        Metrics: ROC-AUC (headline), sensitivity at 95 % specificity, expected calibration error (10 bins) and \
        accuracy at 0.5. Train seconds: the pipeline's include segmenting and measuring the training images.
        """
    }

    static func notes(picks: [Int], test: CellImages, probabilities: [Float], pipeline: [Float],
                      tableTop: [(String, Double, Double)], scores: [DiagnosisScores], names: [String]) -> String {
        var md = "## Attributions\n\n![attributions](figures/attributions.png)\n\n"
        md += "Rows: test cases \(picks.map(String.init).joined(separator: ", ")) (two malignant, two benign). Columns: the input, the "
        md += "pipeline's segmentation (its readable intermediate), the CNN's gradient × (input − blank slide) and integrated gradients "
        md += "from a blank slide, for the malignant score (red raises it, blue lowers it).\n\n"
        md += "| case | label | true nuclei | CNN P(malignant) | pipeline P(malignant) |\n|---:|---:|---:|---:|---:|\n"
        for i in picks {
            md += "| \(i) | \(test.labels[i]) | \(test.nuclei[i].count) | \(String(format: "%.3f", probabilities[i])) | \(String(format: "%.3f", pipeline[i])) |\n"
        }
        md += "\nTable: the 10 features the MLP leans on most (mean |integrated gradients| from the training mean, scaled to 1) beside the "
        md += "logistic regression's |standardized weight| (scaled to 1):\n\n| feature | MLP | logistic regression |\n|---|---:|---:|\n"
        for (n, a, b) in tableTop { md += "| \(n) | \(String(format: "%.3f", a)) | \(String(format: "%.3f", b)) |\n" }
        md += "\n## The shift\n\n![shift examples](figures/shift_examples.png)\n\nThe same test cases in the training stain (left pair: "
        md += "input, segmentation) and in the other stain (right pair).\n"
        md += "\n## Calibration\n\n| approach | ECE | sensitivity at 95 % specificity | accuracy |\n|---|---:|---:|---:|\n"
        for (k, s) in scores.enumerated() {
            md += "| \(names[k]) | \(String(format: "%.4f", s.expectedCalibrationError)) | \(String(format: "%.4f", s.sensitivityAt95Specificity)) | \(String(format: "%.4f", s.accuracy)) |\n"
        }
        return md
    }
}
