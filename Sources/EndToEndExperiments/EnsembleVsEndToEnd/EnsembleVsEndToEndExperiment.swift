import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndStrategies
import EndToEndTraining
import Foundation

/// After Webb et al. 2020, "To Ensemble or Not Ensemble: When does End-To-End Training Fail?":
/// fully connected ensembles on Fashion-MNIST with the same total width (16 members of 64 units,
/// 4 of 256, one network of 1024), trained with a λ-blend from independent members (λ = 0) to the
/// averaged ensemble trained end-to-end (λ = 1).
public struct EnsembleVsEndToEndExperiment: Experiment {
    public var name: String { "ensemble-vs-e2e" }
    public var isResumable: Bool { true }
    public var summary: String {
        "Fashion-MNIST: ensembles of 16×64 and 4×256 units versus one 1024-unit network, λ from independent training to end-to-end (after Webb et al. 2020)."
    }

    /// (members, hidden units per member); nil uses (16, 64), (4, 256), (1, 1024).
    public var configurations: [(members: Int, width: Int)]?
    public var lambdas: [Float] = [0, 0.5, 0.9, 1]
    /// Epochs; nil uses 5 (quick: 1).
    public var epochs: Int?
    public var trainCount: Int?
    public var directory = FashionMNIST.defaultDirectory
    /// Other data in place of Fashion-MNIST (flat inputs, 10 classes), e.g. for tests.
    public var data: (train: TrainingData, test: TrainingData)?
    public var batchSize = 128

    public init(configurations: [(members: Int, width: Int)]? = nil, epochs: Int? = nil, trainCount: Int? = nil) {
        self.configurations = configurations
        self.epochs = epochs
        self.trainCount = trainCount
    }

    public func run(_ context: ExperimentContext) throws -> ExperimentResult {
        let q = context.quick
        let configs = configurations ?? [(16, 64), (4, 256), (1, 1024)]
        let epochs = self.epochs ?? (q ? 1 : 5)
        let (train, test) = try data ?? TrainingData.fashionMNIST(directory: directory, trainCount: trainCount ?? 60_000)
        let inputs = train.batch(at: [0]).inputs.count
        let stepsPerEpoch = train.count / batchSize
        var rows: [ResultRow] = [], curves: [Curve] = []
        // The grid (configuration, λ), spread over the ranks of an MPI job; the results come
        // back in grid order. One network has no ensemble to blend: λ makes no difference, so
        // it runs once.
        let cells = configs.flatMap { c in (c.members == 1 ? [Float(0)] : lambdas).map { (c.members, c.width, $0) } }
        let results = try context.spread(cells.count) { c -> StrategyResult in
            let (members, width, lambda) = cells[c]
            var setup = StrategySetup(
                makeModel: { BlockMLP.make(inputs: inputs, hidden: [width], classes: 10, seed: $0) },
                task: Task(objective: .crossEntropy), train: train, test: test, batchSize: batchSize,
                steps: epochs * stepsPerEpoch, evaluateEvery: max(1, stepsPerEpoch / 2),
                makeOptimizer: { Adam($0, learningRate: 1e-3) }, seed: context.seed(UInt64(members), UInt64(width)),
                diagnostics: DiagnosticsOptions(gradientNormEvery: 0, snrExamples: 0), log: { context.log("\(members)×\(width) \($0)") })
            setup.checkpointing = context.strategyCheckpointing("\(members)x\(width)")
            let strategy: any Strategy = members == 1
                ? EndToEndStrategy(name: "single network")
                : EnsembleStrategy(name: "λ=\(String(format: "%g", lambda))", members: members, lambda: lambda)
            return try setup.run(strategy)
        }
        for ((members, width, lambda), r) in zip(cells, results) {
            let label = "\(members)×\(width) \(r.strategy)"
            let points = r.curve.filter { $0.split == "test" }.compactMap { rec in
                rec.values["test_accuracy"].map { Curve.Point(step: rec.step, wallSeconds: rec.wallSeconds, value: $0) }
            }
            curves.append(Curve(label: label, metric: "\(members)x\(width)_test_accuracy", points: points))
            rows.append(ResultRow(
                strategy: members == 1 ? "single network" : "ensemble",
                testAccuracy: r.testAccuracy ?? .nan, steps: r.steps, wallSeconds: r.wallSeconds,
                parameters: [("members", .int(members)), ("width", .int(width)),
                             ("lambda", members == 1 ? .null : .double(Double(lambda)))],
                metrics: [("members_mean_accuracy", r.metrics["members_mean_accuracy"].map { .double($0) } ?? .null),
                          ("test_loss", r.metrics["test_loss"].map { .double($0) } ?? .null),
                          ("parameters", .int(r.parameterCount))]))
        }
        var styles: [String: MetricStyle] = [:]
        for (m, w) in configs {
            styles["\(m)x\(w)_test_accuracy"] = MetricStyle(label: "test accuracy, \(m) × \(w) units", range: 0.75...0.92)
        }
        let setupText = """
            - Data: \(data == nil ? "Fashion-MNIST" : "custom data"), \(train.count) training and \(test.count) test images in [0, 1].
            - Members: MLP \(inputs) → width → 10 with ReLU, PyTorch default initialization, member m seeded with seed + m. \
            Configurations (members × width): \(configs.map { "\($0.members) × \($0.width)" }.joined(separator: ", ")); \
            each has 1024 hidden units in total.
            - Loss: `L = λ·M·CE(average) + (1 − λ)·Σₘ CE(memberₘ)`, where `average` is the mean of the members' softmax \
            probabilities (its log is the ensemble's output). λ = 0 trains the members independently; λ = 1 trains \
            the averaged ensemble end-to-end as one model. The test prediction is always the averaged probabilities.
            - Adam lr 1e-3, batch \(batchSize), \(epochs) epochs = \(epochs * stepsPerEpoch) steps; every \
            configuration and λ sees the same batches.
            """
        return ExperimentResult(rows: rows, curves: curves, styles: styles,
                                figures: [(filename: "accuracy_vs_lambda", chart: Self.lambdaChart(rows))], setup: setupText)
    }

    /// The λ figure from the seed-aggregated rows.
    public func summarize(_ combined: ExperimentResult, runs: [ExperimentResult], context: ExperimentContext) throws -> ExperimentResult {
        var result = combined
        result.figures = [(filename: "accuracy_vs_lambda", chart: Self.lambdaChart(combined.rows))]
        return result
    }

    /// Final test accuracy against λ, one series per ensemble configuration (mean, min–max band
    /// over seeds), the single network as a reference line.
    static func lambdaChart(_ rows: [ResultRow]) -> SVGChart {
        let ensembles = rows.filter { $0.strategy == "ensemble" }
        var configs: [String] = []
        let name = { (r: ResultRow) in "\(Int(r.number("members") ?? 0))×\(Int(r.number("width") ?? 0)) ensemble" }
        for r in ensembles where !configs.contains(name(r)) { configs.append(name(r)) }
        let series = configs.flatMap { c in
            ResultRow.seriesByStrategy(ensembles.filter { name($0) == c }, parameter: "lambda", name: { _ in c })
        }
        let single = rows.first { $0.strategy == "single network" }?.testAccuracy
        return SVGChart(
            title: "Final test accuracy against λ", xLabel: "λ (0: independent members, 1: ensemble trained end-to-end)",
            yLabel: "test accuracy (mean, min–max over seeds)", series: series.map { var s = $0; s.showMarkers = true; return s },
            referenceLines: single.map { [SVGChart.ReferenceLine(y: $0, label: "single network of 1024")] } ?? [])
    }
}
