import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndStrategies
import EndToEndTraining
import Foundation

/// Shalev-Shwartz, Shamir and Shammah (2017), "Failures of Gradient-Based Deep Learning", §3.1:
/// the parity of k line images, learned end-to-end versus with the per-image labels
/// (decomposition, step-by-step, pretrain-then-end-to-end). End-to-end learning stalls at
/// chance as k grows, while the gradient's signal-to-noise ratio at the per-image network
/// falls; with the per-image losses the SNR stays flat and every k is learned quickly.
public struct ParityLinesExperiment: Experiment {
    public var name: String { "parity-lines" }
    public var isResumable: Bool { true }
    public var summary: String {
        "Parity of k line images with a shared per-image CNN: end-to-end stays at chance for k ≥ 3, decomposition learns every k (Shalev-Shwartz et al. 2017, §3.1)."
    }

    /// Tuple sizes; nil uses 1, 2, 3, 4.
    public var ks: [Int]?
    /// End-to-end steps; nil uses 2,000 (quick: 400).
    public var endToEndSteps: Int?
    /// Steps of every strategy that uses the per-image labels; nil uses 1,000 (quick: 1,000).
    public var decompositionSteps: Int?
    /// Strategies with per-image labels; nil uses decomposition, step-by-step and
    /// pretrain-end-to-end (quick: decomposition only).
    public var labelledStrategies: [String]?
    /// Batch size in tuples; nil uses 32; the paper used 200.
    public var batchSize: Int?
    /// Training tuples per k; nil uses 10,000 (quick: 5,000).
    public var trainCount: Int?
    /// Test tuples per k; nil uses 2,000 (quick: 1,000).
    public var testCount: Int?
    /// Examples behind each SNR measurement; nil uses 4,096 (quick: 1,024).
    public var snrExamples: Int?

    public init(ks: [Int]? = nil, endToEndSteps: Int? = nil, decompositionSteps: Int? = nil, labelledStrategies: [String]? = nil,
                batchSize: Int? = nil, trainCount: Int? = nil, testCount: Int? = nil) {
        self.ks = ks
        self.endToEndSteps = endToEndSteps
        self.decompositionSteps = decompositionSteps
        self.labelledStrategies = labelledStrategies
        self.batchSize = batchSize
        self.trainCount = trainCount
        self.testCount = testCount
    }

    public func run(_ context: ExperimentContext) throws -> ExperimentResult {
        let q = context.quick
        let ks = self.ks ?? [1, 2, 3, 4]
        let e2eSteps = endToEndSteps ?? (q ? 400 : 2_000)
        let labelledSteps = decompositionSteps ?? 1_000
        let labelled = labelledStrategies ?? (q ? ["decomposition"] : ["decomposition", "step-by-step", "pretrain-end-to-end"])
        let batch = batchSize ?? 32
        let trainN = trainCount ?? (q ? 5_000 : 10_000)
        let testN = testCount ?? (q ? 1_000 : 2_000)
        let snrN = snrExamples ?? (q ? 1_024 : 4_096)
        let strategies: [(any Strategy, Int)] = [(EndToEndStrategy(), e2eSteps)]
            + (try labelled.map { (try StrategyCatalog.make($0), labelledSteps) })

        var rows: [ResultRow] = [], curves: [Curve] = []
        var snr: [String: [(Double, Double)]] = [:]
        // The grid (k, strategy), spread over the ranks of an MPI job; each cell's result and
        // initial SNR come back to every rank in grid order.
        let cells = ks.flatMap { k in strategies.indices.map { (k, $0) } }
        var data: [Int: (train: TrainingData, test: TrainingData)] = [:]
        func dataFor(_ k: Int) -> (train: TrainingData, test: TrainingData) {
            if let d = data[k] { return d }
            let d = (TrainingData(ParityLines(k: k, count: trainN, seed: context.seed(UInt64(k), 1)).materialized()),
                     TrainingData(ParityLines(k: k, count: testN, seed: context.seed(UInt64(k), 2)).materialized()))
            data[k] = d
            return d
        }
        let outcomes = try context.communicator.spread(
            cells.count,
            encode: { (r: StrategyResult, s: Double?) in withUnsafeBytes(of: s ?? .nan) { Array($0) } + [UInt8](try r.encoded()) },
            decode: { bytes -> (StrategyResult, Double?) in
                guard bytes.count >= 8 else { throw DistributedError("parity-lines: a cell's result from another rank is truncated") }
                let s = bytes.withUnsafeBytes { $0.loadUnaligned(as: Double.self) }
                return (try StrategyResult(decoding: Data(bytes[8...]), file: URL(fileURLWithPath: "(a cell from another rank)")), s.isNaN ? nil : s)
            }
        ) { c -> (StrategyResult, Double?) in
            let (k, index) = cells[c]
            let (strategy, steps) = strategies[index]
            let (train, test) = dataFor(k)
            var setup = StrategySetup(
                makeModel: { ParityLinesModel.make(k: k, seed: $0) }, task: ParityLinesModel.task, train: train, test: test,
                batchSize: batch, steps: steps, evaluateEvery: max(1, steps / (q ? 6 : 20)),
                makeOptimizer: { Adam($0, learningRate: 1e-3, beta1: 0.9, beta2: 0.99, epsilon: 1e-5) },
                seed: context.seed(UInt64(k), 3),
                diagnostics: DiagnosticsOptions(gradientNormEvery: 0, snrExamples: 0),
                log: { context.log("k=\(k) \($0)") })
            setup.checkpointing = context.strategyCheckpointing("k=\(k)")
            let r = try setup.run(strategy)
            // The SNR of this strategy's loss at the initial weights (the same for every strategy).
            guard strategy is EndToEndStrategy || strategy is DecompositionStrategy else { return (r, nil) }
            return (r, ParityLinesSNR.measure(model: ParityLinesModel.make(k: k, seed: setup.seed), data: train,
                                              examples: snrN, decomposition: strategy is DecompositionStrategy))
        }
        for (cell, outcome) in zip(cells, outcomes) {
            let k: Int = cell.0, r: StrategyResult = outcome.0, initialSNR: Double? = outcome.1
            let tests = r.curve.filter { $0.split == "test" }
            let accuracy = tests.compactMap { rec in rec.values["test_accuracy"].map { Curve.Point(step: rec.step, wallSeconds: rec.wallSeconds, value: $0) } }
            curves.append(Curve(label: r.strategy, metric: "k\(k)_test_accuracy", points: accuracy))
            if let s = initialSNR { snr[r.strategy, default: []].append((Double(k), s)) }
            rows.append(ResultRow(
                strategy: r.strategy, testAccuracy: r.testAccuracy ?? .nan, steps: r.steps, wallSeconds: r.wallSeconds,
                parameters: [("k", .int(k))],
                metrics: [
                    ("image_accuracy", r.metrics["encoder_accuracy"].map { .double($0) } ?? .null),
                    ("best_test_accuracy", .double(accuracy.map(\.value).max() ?? .nan)),
                    ("steps_to_90", accuracy.first { $0.value >= 0.9 }.map { .int($0.step) } ?? .null),
                    ("snr_at_init", initialSNR.map { .double($0) } ?? .null),
                ]))
        }

        var styles: [String: MetricStyle] = [:]
        for k in ks {
            styles["k\(k)_test_accuracy"] = MetricStyle(label: "test accuracy, k = \(k)", range: 0.4...1,
                                                         referenceLines: [.init(y: 0.5, label: "chance")])
        }
        let snrChart = Self.snrChart(snr, examples: snrN)
        let setup = """
            - Data: tuples of k 28×28 line images (``ParityLines``): length uniform in [5, 23], centre uniform in the \
            image, angle θ uniform in [0, π); an image's label is θ < π/2, the tuple's label the parity of its images' \
            labels. \(trainN) training and \(testN) test tuples per k, drawn from the seed.
            - Model (``ParityLinesModel``): per-image network shared across the k images — conv 5×5 (16) + ReLU + max \
            pool 2, conv 5×5 (16) + ReLU + max pool 2, FC 50 + ReLU, FC 100 + ReLU, FC 1; each score through a sigmoid; \
            the k values concatenated into FC 100 + ReLU, FC 1. Truncated normal weights with std 1/√fan_in, zero biases.
            - Training: hinge loss; Adam lr 1e-3, β = (0.9, 0.99), ε = 1e-5; batch \(batch) tuples. End-to-end: \
            \(e2eSteps) steps. \(labelled.joined(separator: ", ")): \(labelledSteps) steps each (decomposition adds a \
            hinge loss on every image's score against its own label; step-by-step trains the per-image network on those \
            labels for half the steps, then the aggregator with it frozen; pretrain-end-to-end spends a quarter of the \
            steps on each stage and the last half end-to-end).
            - SNR (end-to-end and decomposition): exact per-example gradients of the strategy's loss at the initial \
            weights, at the last layer of the per-image network (FC 100 → 1, weight and bias), over \(snrN) training \
            tuples: SNR = ‖E g‖ / √(E ‖g − E g‖²), with ‖E g‖² estimated without bias as ‖mean g‖² − tr(Σ̂)/n (floored \
            at 0), so that pure noise reads as 0 (the floor of detection is about 1/√\(snrN)).
            - Test accuracy is evaluated \(q ? 6 : 20) times per run, on the same test tuples for every strategy.
            """
        return ExperimentResult(rows: rows, curves: curves, styles: styles,
                                figures: [(filename: "snr_vs_k", chart: snrChart)], setup: setup)
    }

    /// SNR against k on a linear axis: the bias-corrected estimate is 0 where no signal is
    /// detectable, which a log axis could not show.
    static func snrChart(_ snr: [String: [(Double, Double)]], examples: Int) -> SVGChart {
        SVGChart(
            title: "Gradient SNR at the per-image network's last layer, at initialization", xLabel: "k (images per tuple)",
            yLabel: "SNR = |E g| / std g (0: no detectable signal)",
            series: snr.keys.sorted().map { SVGChart.Series(name: $0, xy: snr[$0]!, showMarkers: true) },
            referenceLines: [.init(y: 1 / Double(examples).squareRoot(), label: "1/√n, n = \(examples): the floor an uncorrected estimate would show")])
    }
}
