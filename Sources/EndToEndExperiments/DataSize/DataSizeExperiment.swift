import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndStrategies
import EndToEndTraining
import Foundation

/// The claim that end-to-end learning needs more data than learning with the intermediate
/// labels (Glasmachers 2017; Shalev-Shwartz et al. 2017): test accuracy against the number of
/// training tuples for end-to-end, step-by-step and decomposition, on two composite tasks of the
/// lab — the parity of k = 2 line images (``ParityLines``) and the XOR of "top or dress" over
/// pairs of Fashion-MNIST images (``FashionParityPairs``) — with the same per-image network and
/// step budget at every size. Reports the size from which end-to-end stays within a margin of the
/// strategies with intermediate labels ("catches up"), if any.
public struct DataSizeExperiment: Experiment {
    public var name: String { "data-size" }
    public var isResumable: Bool { true }
    public var summary: String {
        "Test accuracy against training-set size for end-to-end, step-by-step and decomposition on parity-lines k = 2 and Fashion-MNIST pairs: where does end-to-end catch up?"
    }

    /// Training-set sizes in tuples (nested: each set is a prefix of the next); nil uses 100, 200,
    /// 400, 800, 1,600, 3,200 (quick: 50 … 1,600).
    public var sizes: [Int]?
    /// The tasks: `"parity-lines"` and `"fashion-pairs"`; nil uses both (Fashion-MNIST is skipped,
    /// with a note, when its files are absent).
    public var tasks: [String]?
    /// End-to-end steps; nil uses 2,000 (quick: 150), twice the others' as in parity-lines.
    public var endToEndSteps: Int?
    /// Steps of step-by-step and decomposition; nil uses 1,000 (quick: 150).
    public var labelledSteps: Int?
    /// Test tuples; nil uses 2,000 (quick: 500).
    public var testCount: Int?
    public var batchSize = 32
    /// End-to-end has caught up at a size when its mean test accuracy is within this margin of the
    /// other strategy's there and at every larger size.
    public var catchUpMargin = 0.02
    /// The Fashion-MNIST folder.
    public var directory = FashionMNIST.defaultDirectory

    public init(sizes: [Int]? = nil, tasks: [String]? = nil, endToEndSteps: Int? = nil, labelledSteps: Int? = nil,
                testCount: Int? = nil) {
        self.sizes = sizes
        self.tasks = tasks
        self.endToEndSteps = endToEndSteps
        self.labelledSteps = labelledSteps
        self.testCount = testCount
    }

    static let strategyNames = ["end-to-end", "step-by-step", "decomposition"]
    static let taskNames = ["parity-lines", "fashion-pairs"]

    public func run(_ context: ExperimentContext) throws -> ExperimentResult {
        let q = context.quick
        let sizes = (self.sizes ?? (q ? [50, 100, 200, 400, 800, 1_600] : [100, 200, 400, 800, 1_600, 3_200])).sorted()
        let tasks = self.tasks ?? Self.taskNames
        let e2eSteps = endToEndSteps ?? (q ? 150 : 2_000)
        let otherSteps = labelledSteps ?? (q ? 150 : 1_000)
        let testN = testCount ?? (q ? 500 : 2_000)
        guard let largest = sizes.last, sizes[0] >= batchSize, batchSize >= 1, e2eSteps >= 1, otherSteps >= 1, testN >= 1 else {
            throw ExperimentError.invalidSetting("data-size needs training sizes of at least one batch (\(batchSize)), steps >= 1 and test tuples >= 1; got sizes \(sizes)")
        }
        if let bad = tasks.first(where: { !Self.taskNames.contains($0) }) {
            throw ExperimentError.invalidSetting("data-size task '\(bad)'; known: \(Self.taskNames.joined(separator: ", "))")
        }
        var rows: [ResultRow] = [], curves: [Curve] = [], notes: [String] = []
        // Every task's data first (the same on every rank), then the grid (task, size, strategy)
        // spread over the ranks of an MPI job; the results come back in grid order.
        var pools: [(t: Int, task: String, pool: TrainingData, test: TrainingData)] = []
        for (t, task) in tasks.enumerated() {
            switch task {
            case "parity-lines":
                pools.append((t, task, TrainingData(ParityLines(k: 2, count: largest, seed: context.seed(UInt64(t), 1)).materialized()),
                              TrainingData(ParityLines(k: 2, count: testN, seed: context.seed(UInt64(t), 2)).materialized())))
            default:
                guard let f = try? FashionMNIST.load(directory: directory) else {
                    let note = "Fashion-MNIST pairs skipped: no Fashion-MNIST files in \(directory.path) (Debian package dataset-fashion-mnist)."
                    context.log(note)
                    notes.append("## Skipped\n\n" + note)
                    continue
                }
                pools.append((t, task, TrainingData(try FashionParityPairs.pairs(f.train, count: largest, seed: context.seed(UInt64(t), 1))),
                              TrainingData(try FashionParityPairs.pairs(f.test, count: min(testN, f.test.labels.count / 2),
                                                                        seed: context.seed(UInt64(t), 2)))))
            }
        }
        let cells = pools.indices.flatMap { p in sizes.flatMap { size in Self.strategyNames.map { (p, size, $0) } } }
        let results = try context.spread(cells.count) { c -> StrategyResult in
            let (p, size, strategyName) = cells[c]
            let (t, task, pool, test) = pools[p]
            let train = TrainingData(count: size) { pool.batch(at: $0) }
            let steps = strategyName == "end-to-end" ? e2eSteps : otherSteps
            var setup = StrategySetup(
                makeModel: { ParityLinesModel.make(k: 2, seed: $0) }, task: ParityLinesModel.task, train: train, test: test,
                batchSize: batchSize, steps: steps, evaluateEvery: max(1, steps / (q ? 3 : 10)),
                makeOptimizer: { Adam($0, learningRate: 1e-3, beta1: 0.9, beta2: 0.99, epsilon: 1e-5) },
                seed: context.seed(UInt64(t), 3),
                diagnostics: DiagnosticsOptions(gradientNormEvery: 0, snrExamples: 0),
                log: { context.log("\(task) n=\(size) \($0)") })
            setup.checkpointing = context.strategyCheckpointing("\(task)-n\(size)")
            return try setup.run(try StrategyCatalog.make(strategyName))
        }
        for ((p, size, strategyName), r) in zip(cells, results) {
            let task = pools[p].task
            let steps = strategyName == "end-to-end" ? e2eSteps : otherSteps
            let points = r.curve.filter { $0.split == "test" }.compactMap { rec in
                rec.values["test_accuracy"].map { Curve.Point(step: rec.step, wallSeconds: rec.wallSeconds, value: $0) }
            }
            curves.append(Curve(label: "\(r.strategy) n=\(size)", metric: "\(task)_test_accuracy", points: points))
            rows.append(ResultRow(
                strategy: r.strategy, testAccuracy: r.testAccuracy ?? .nan, steps: r.steps, wallSeconds: r.wallSeconds,
                parameters: [("task", .string(task)), ("train_size", .int(size))],
                metrics: [("image_accuracy", r.metrics["encoder_accuracy"].map { .double($0) } ?? .null),
                          ("best_test_accuracy", .double(points.map(\.value).max() ?? .nan)),
                          ("epochs", .double(Double(steps * batchSize) / Double(size)))]))
        }
        var styles: [String: MetricStyle] = [:]
        for task in tasks { styles["\(task)_test_accuracy"] = MetricStyle(label: "test accuracy, \(task)", range: 0.4...1) }
        let setup = """
            - Tasks: **parity-lines** — tuples of k = 2 line images (``ParityLines``: label the parity of the two \
            "angle < π/2" labels); **fashion-pairs** — pairs of disjoint Fashion-MNIST images (Debian package \
            dataset-fashion-mnist, MIT licence), an image's label "top or dress" (T-shirt/top, pullover, dress, coat, \
            shirt), the pair's label their XOR. Both keep the per-image labels as the intermediate target.
            - Training sets: the first n tuples of one pool drawn from the seed, n = \(sizes.map(String.init).joined(separator: ", ")) \
            (\(String(format: "%.0f", Double(largest) / Double(sizes[0])))×); \(testN) test tuples per task, the same for every size.
            - Model and optimizer as in parity-lines (``ParityLinesModel``, hinge losses, Adam lr 1e-3, β = (0.9, 0.99), \
            ε = 1e-5), batch \(batchSize), the same initial weights for every size and strategy of a task.
            - Budget per run: end-to-end \(e2eSteps) steps; step-by-step (per-image network on the image labels for half \
            the steps, then the aggregator with it frozen) and decomposition (parity plus per-image hinge losses) \
            \(otherSteps) steps, whatever the size (small sets are seen for many epochs).
            - Catch-up size: the smallest n from which end-to-end's mean test accuracy stays within \(catchUpMargin) of \
            the other strategy's at that n and every larger one.
            """
        return ExperimentResult(rows: rows, curves: curves, styles: styles, setup: setup, notes: notes)
    }

    /// Adds the catch-up sizes, one figure per task (accuracy against size, mean with a min–max
    /// band over seeds) and keeps the runs' skip notes.
    public func summarize(_ combined: ExperimentResult, runs: [ExperimentResult], context: ExperimentContext) throws -> ExperimentResult {
        var result = combined
        result.notes = runs.first?.notes ?? []
        var tasks: [String] = []
        for r in combined.rows { if case .string(let t)? = r.parameters.first?.1, !tasks.contains(t) { tasks.append(t) } }
        var entries: [JSONValue] = [], lines: [String] = []
        for task in tasks {
            let of = combined.rows.filter { $0.parameters.first?.1 == .string(task) }
            for other in ["decomposition", "step-by-step"] {
                let size = Self.catchUp(of, versus: other, margin: catchUpMargin)
                entries.append(.object([("task", .string(task)), ("versus", .string(other)), ("size", size.map { .int($0) } ?? .null)]))
                lines.append("- \(task), end-to-end versus \(other): " + (size.map { "catches up from n = \($0)" } ?? "does not catch up at the sizes tried"))
            }
            let series = ResultRow.seriesByStrategy(of.map { r in
                var x = r
                x.parameters = [("log10_size", .double(log10(r.number("train_size") ?? .nan)))]
                return x
            }, parameter: "log10_size")
            result.figures.append((filename: "\(task)_accuracy_vs_size", chart: SVGChart(
                title: "\(task): test accuracy against training-set size", xLabel: "log10(training tuples)",
                yLabel: "test accuracy (mean, min–max over seeds)", series: series.map { var s = $0; s.showMarkers = true; return s },
                referenceLines: [.init(y: 0.5, label: "chance")], yRange: 0.4...1)))
        }
        result.summaryFields = [("catch_up", .array(entries))]
        result.notes.append("## Catch-up\n\nWithin \(catchUpMargin) of the other strategy's mean test accuracy at that size and every larger one:\n\n" + lines.joined(separator: "\n"))
        return result
    }

    /// The smallest `train_size` from which end-to-end's test accuracy is within `margin` of
    /// `other`'s at that size and every larger size both were run at; nil if none.
    public static func catchUp(_ rows: [ResultRow], versus other: String, margin: Double) -> Int? {
        func bySize(_ strategy: String) -> [Int: Double] {
            var d: [Int: Double] = [:]
            for r in rows where r.strategy == strategy { if let n = r.number("train_size") { d[Int(n)] = r.testAccuracy } }
            return d
        }
        let e2e = bySize("end-to-end"), ref = bySize(other)
        let sizes = Set(e2e.keys).intersection(ref.keys).sorted()
        var first: Int?
        for n in sizes {
            if e2e[n]! >= ref[n]! - margin { first = first ?? n } else { first = nil }
        }
        return first
    }
}
