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
    public var paperBudget: String? { "batch 200 tuples, 20,000 end-to-end and 2,500 decomposition iterations (the paper's two strategies)" }
    public var summary: String {
        "Parity of k line images with a shared per-image CNN: end-to-end stays at chance for k ≥ 3, decomposition learns every k (Shalev-Shwartz et al. 2017, §3.1)."
    }

    /// Tuple sizes; nil uses 1 to 6 (quick: 1 to 4).
    public var ks: [Int]?
    /// End-to-end steps; nil uses 2,000 (quick: 400).
    public var endToEndSteps: Int?
    /// Steps of every strategy that uses the per-image labels; nil uses 1,000 (quick: 1,000).
    public var decompositionSteps: Int?
    /// Strategies with per-image labels; nil uses decomposition, step-by-step and
    /// pretrain-end-to-end (quick and
    /// `--budget paper`, the paper's comparison: decomposition only).
    public var labelledStrategies: [String]?
    /// Batch size in tuples; nil uses 32; the paper used 200.
    public var batchSize: Int?
    /// Training tuples per k; nil uses 10,000 (quick: 5,000).
    public var trainCount: Int?
    /// Test tuples per k; nil uses 2,000 (quick: 1,000).
    public var testCount: Int?
    /// The most images per pool behind each warm SNR measurement, a quarter of it at initialization
    /// (the pools double from 128 images, or this if fewer, until the estimate clears its noise
    /// floor); nil uses 4,096 (quick: 1,024).
    public var snrImages: Int?
    /// Initializations per SNR measurement; nil uses 20.
    public var snrInitializations: Int?
    /// Tuple sizes of the SNR measurement; nil uses 1 to 6 (quick: 1 to 4).
    public var snrKs: [Int]?
    /// The most training steps of each warm per-image network (stopping once its held-out image
    /// accuracy reaches 0.9); nil uses 400.
    public var snrWarmSteps: Int?
    /// Independent pools of images per initialization behind each SNR estimate.
    static let snrPools = 4
    /// Tuples drawn per pool image for k ≥ 2 (each with its 2^k mirror variants).
    static let snrTuplesPerImage = 4
    /// Held-out image accuracy at which the warm per-image networks stop training.
    static let warmAccuracy = 0.9

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
        let ks = self.ks ?? (q ? [1, 2, 3, 4] : [1, 2, 3, 4, 5, 6])
        let paper = context.budget == .paper
        let e2eSteps = endToEndSteps ?? (paper ? 20_000 : q ? 400 : 2_000)
        let labelledSteps = decompositionSteps ?? (paper ? 2_500 : 1_000)
        let labelled = labelledStrategies ?? (q || paper ? ["decomposition"] : ["decomposition", "step-by-step", "pretrain-end-to-end"])
        let batch = batchSize ?? (paper ? 200 : 32)
        let trainN = trainCount ?? (q ? 5_000 : 10_000)
        let testN = testCount ?? (q ? 1_000 : 2_000)
        let strategies: [(any Strategy, Int)] = [(EndToEndStrategy(), e2eSteps)]
            + (try labelled.map { (try StrategyCatalog.make($0), labelledSteps) })

        var rows: [ResultRow] = [], curves: [Curve] = []
        // The grid (k, strategy), spread over the ranks of an MPI job; each cell's result comes
        // back to every rank in grid order.
        let cells = ks.flatMap { k in strategies.indices.map { (k, $0) } }
        var data: [Int: (train: TrainingData, test: TrainingData)] = [:]
        func dataFor(_ k: Int) -> (train: TrainingData, test: TrainingData) {
            if let d = data[k] { return d }
            let d = (TrainingData(ParityLines(k: k, count: trainN, seed: context.seed(UInt64(k), 1)).materialized()),
                     TrainingData(ParityLines(k: k, count: testN, seed: context.seed(UInt64(k), 2)).materialized()))
            data[k] = d
            return d
        }
        let results = try context.communicator.spread(
            cells.count,
            encode: { (r: StrategyResult) in [UInt8](try r.encoded()) },
            decode: { bytes -> StrategyResult in
                try StrategyResult(decoding: Data(bytes), file: URL(fileURLWithPath: "(a cell from another rank)"))
            }
        ) { c -> StrategyResult in
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
            return try setup.run(strategy)
        }
        for (cell, r) in zip(cells, results) {
            let k = cell.0
            let tests = r.curve.filter { $0.split == "test" }
            let accuracy = tests.compactMap { rec in rec.values["test_accuracy"].map { Curve.Point(step: rec.step, wallSeconds: rec.wallSeconds, value: $0) } }
            curves.append(Curve(label: r.strategy, metric: "k\(k)_test_accuracy", points: accuracy))
            rows.append(ResultRow(
                strategy: r.strategy, testAccuracy: r.testAccuracy ?? .nan, steps: r.steps, wallSeconds: r.wallSeconds,
                parameters: [("k", .int(k))],
                metrics: [
                    ("image_accuracy", r.metrics["encoder_accuracy"].map { .double($0) } ?? .null),
                    ("best_test_accuracy", .double(accuracy.map(\.value).max() ?? .nan)),
                    ("steps_to_90", accuracy.first { $0.value >= 0.9 }.map { .int($0.step) } ?? .null),
                ]))
        }

        var styles: [String: MetricStyle] = [:]
        for k in ks {
            styles["k\(k)_test_accuracy"] = MetricStyle(label: "test accuracy, k = \(k)", range: 0.4...1,
                                                         referenceLines: [.init(y: 0.5, label: "chance")])
        }
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
            - Test accuracy is evaluated \(q ? 6 : 20) times per run, on the same test tuples for every strategy.
            """
        return ExperimentResult(rows: rows, curves: curves, styles: styles, setup: setup)
    }

    /// Adds the gradient SNR at initialization and at a warm per-image network (measured once, not
    /// per seed), the SNR figure, the breakdown in k and the figure of final accuracy against k.
    public func summarize(_ combined: ExperimentResult, runs: [ExperimentResult], context: ExperimentContext) throws -> ExperimentResult {
        let q = context.quick
        let ks = snrKs ?? (q ? [1, 2, 3, 4] : [1, 2, 3, 4, 5, 6])
        let inits = snrInitializations ?? 20
        let most = snrImages ?? (q ? 1_024 : 4_096)
        let warmSteps = snrWarmSteps ?? 400
        guard inits >= 2, most >= 8, warmSteps >= 0, ks.allSatisfy({ $0 >= 1 && $0 <= 10 }) else {
            throw ExperimentError.invalidSetting(
                "parity-lines SNR needs at least 2 initializations, at least 8 images per pool, warm steps ≥ 0 and k in 1...10")
        }
        // At initialization the end-to-end signal for k ≥ 2 is below any affordable floor (see the
        // page), so the pools there stop at a quarter of the warm point's.
        let initMost = max(8, most / 4)
        let warm = (0..<inits).map {
            ParityLinesSNR.warmEncoder(seed: context.seed(9, UInt64($0)), targetAccuracy: Self.warmAccuracy, maxSteps: warmSteps)
        }
        let warmAccuracies = warm.map(\.accuracy)
        context.log("SNR: warm per-image networks at image accuracy \(warmAccuracies.map { String(format: "%.3f", $0) }.joined(separator: " "))")
        // One k per cell, spread over the ranks of an MPI job (each k's models and tuples come
        // from the seed; every rank trains the same warm networks from their seeds).
        let snr = try context.spread(ks.count) { i in
            ParityLinesSNR.measure(k: ks[i], initializations: inits, pools: Self.snrPools, firstImages: min(128, initMost),
                                   maxImages: initMost, tuplesPerImage: Self.snrTuplesPerImage, seed: context.seed, log: context.log)
                + ParityLinesSNR.measure(k: ks[i], initializations: inits, pools: Self.snrPools, firstImages: min(128, most), maxImages: most,
                                         tuplesPerImage: Self.snrTuplesPerImage, warm: warm, seed: context.seed, log: context.log)
        }.flatMap { $0 }
        var result = combined
        let breakdown = Breakdown.find(rows: combined.rows, strategy: "end-to-end", parameter: "k", reachedMetric: "steps_to_90", target: 0.9)
        result.summaryFields = [("snr", .array(snr.map(\.json))), ("breakdown", breakdown.json)]
        result.figures = [(filename: "snr_vs_k", chart: Self.snrChart(snr)),
                          (filename: "final_accuracy_by_k", chart: Self.accuracyChart(combined.rows))]
        let decay = Self.decayPerK(snr.filter { $0.strategy == "end-to-end" && $0.point == "warm" })
        result.setup += """

            - SNR (end-to-end and decomposition), measured once (not per seed) at two points, over \(inits) \
            initializations per k (models seeded apart from the training runs): at initialization, and warm — the \
            per-image network trained on single images against their own labels until its held-out accuracy reaches \
            \(Self.warmAccuracy) (at most \(warmSteps) steps of 32; reached \(String(format: "%.3f", SampleStatistics.mean(warmAccuracies))) \
            on average), the same network for every k, the aggregator at its initialization. Exact per-example \
            gradients of the strategy's loss at the last layer of the per-image network (FC 100 → 1, weight and bias). \
            Per initialization \(Self.snrPools) independent pools of single images (each also mirrored left to right, \
            which flips its label); tuples of k distinct images of one pool, \(Self.snrTuplesPerImage) per pool image, each \
            with its 2^k mirror variants; the pools start at 128 images and double with fresh images until the 95 % \
            interval of the mean SNR² over initializations excludes 0 with its lower end at least a third of the mean, \
            or at \(initMost) (initialization) and \(most) (warm) images per pool. SNR² = ‖E g‖² / E‖g − E g‖² per \
            initialization, ‖E g‖² estimated without bias as the mean over pairs of pools of the products of their mean \
            gradients. Reported: √(mean SNR²) with the square roots of its 95 % normal interval (detected: the interval \
            excludes 0).
            """
        result.notes.append("## Breakdown\n\n" + breakdown.sentence)
        var snrNote = "## Gradient SNR\n\n| point | strategy | k | SNR | 95 % CI | detected | initializations × images per pool |\n|---|---|---:|---:|---|---|---:|\n"
        for m in snr {
            snrNote += "| \(m.point) | \(m.strategy) | \(m.k) | \(SVGChart.formatNumber(m.value)) | \(SVGChart.formatNumber(m.ciLow))…\(SVGChart.formatNumber(m.ciHigh)) | \(m.detected ? "yes" : "no") | \(m.initializations) × \(m.images / Self.snrPools) |\n"
        }
        if let decay {
            snrNote += "\nAt the warm point the end-to-end SNR falls by a factor of \(String(format: "%.1f", decay)) per added image (least-squares fit of log SNR on k over the detected values)."
        }
        result.notes.append(snrNote)
        return result
    }

    /// The factor by which the SNR falls per unit of k: exp(−slope) of a least-squares line
    /// through (k, log SNR) over the measurements that cleared their noise floor; nil for fewer than 2.
    static func decayPerK(_ snr: [ParityLinesSNR.Measurement]) -> Double? {
        let pts = snr.filter(\.detected).map { (Double($0.k), log($0.value)) }
        guard pts.count >= 2 else { return nil }
        let mx = SampleStatistics.mean(pts.map(\.0)), my = SampleStatistics.mean(pts.map(\.1))
        let sxx = pts.reduce(0) { $0 + ($1.0 - mx) * ($1.0 - mx) }
        let sxy = pts.reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
        return exp(-sxy / sxx)
    }

    /// SNR against k on a log axis with the 95 % interval as a band, per strategy and point; values
    /// that did not clear the noise floor are left out (their interval still reaches down to the axis).
    static func snrChart(_ snr: [ParityLinesSNR.Measurement]) -> SVGChart {
        var series: [SVGChart.Series] = []
        for point in ["initialization", "warm"] {
            for strategy in ["end-to-end", "decomposition"] {
                let of = snr.filter { $0.strategy == strategy && $0.point == point }
                if of.isEmpty { continue }
                var s = SVGChart.Series(name: "\(strategy), \(point)", xy: of.map { (Double($0.k), $0.detected ? $0.value : .nan) },
                                        showMarkers: true)
                s.band = of.map { SVGChart.BandPoint(x: Double($0.k), low: $0.ciLow, high: $0.ciHigh) }
                series.append(s)
            }
        }
        return SVGChart(title: "Gradient SNR at the per-image network's last layer (at initialization; warm per-image network)",
                        xLabel: "k (images per tuple)", yLabel: "SNR = |E g| / std g (log scale, 95 % CI)", series: series, logY: true)
    }

    /// Final test accuracy against k per strategy, mean with a min–max band over seeds.
    static func accuracyChart(_ rows: [ResultRow]) -> SVGChart {
        SVGChart(title: "Final test accuracy against k", xLabel: "k (images per tuple)", yLabel: "test accuracy (mean, min–max over seeds)",
                 series: ResultRow.seriesByStrategy(rows, parameter: "k"),
                 referenceLines: [.init(y: 0.5, label: "chance"), .init(y: 0.9, label: "0.9")], showMarkers: true, yRange: 0.4...1)
    }
}

extension ParityLinesExperiment {
    public var sweptAxis: String? { "k" }
    /// Trains and measures the SNR only at the given k (1 to 10).
    public func sweeping(_ values: [Int]) throws(ExperimentError) -> any Experiment {
        try SweptValues.check(values, axis: "k", of: name, in: 1...10)
        var e = self
        e.ks = values
        e.snrKs = values
        return e
    }
}
