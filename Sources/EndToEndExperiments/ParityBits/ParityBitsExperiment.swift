import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndTraining
import Foundation

/// Shalev-Shwartz, Shamir and Shammah (2017), "Failures of Gradient-Based Deep Learning", §2:
/// a one-hidden-layer ReLU network learning `y = (−1)^⟨x, v*⟩` on `x ∈ {±1}^d` by SGD on the
/// hinge loss. The gradient carries exponentially little information about `v*` as `d` grows,
/// so training makes no progress beyond chance around `d = 30`.
public struct ParityBitsExperiment: Experiment {
    public var name: String { "parity-bits" }
    public var summary: String {
        "Parity of a random subset of d bits with a ReLU network and SGD: learned for small d, chance at d = 30 (Shalev-Shwartz et al. 2017, §2)."
    }

    /// Input dimensions; nil uses the sweep 10, 15, …, 40 (quick: 5, 10, 30).
    public var dimensions: [Int]?
    /// SGD steps per dimension; nil uses 50,000 (quick: 10,000).
    public var steps: Int?
    /// Steps between test evaluations; nil uses 1,000 (quick: 500).
    public var evaluateEvery: Int?
    /// Test examples; nil uses 10,000 (quick: 2,000).
    public var testCount: Int?
    public var batchSize = 128
    public var learningRate: Float = 0.01
    /// Hidden width = `widthFactor · d`, as in the paper.
    public var widthFactor = 10

    public init(dimensions: [Int]? = nil, steps: Int? = nil, evaluateEvery: Int? = nil, testCount: Int? = nil) {
        self.dimensions = dimensions
        self.steps = steps
        self.evaluateEvery = evaluateEvery
        self.testCount = testCount
    }

    public func run(_ context: ExperimentContext) throws -> ExperimentResult {
        let dims = dimensions ?? (context.quick ? [5, 10, 30] : Array(stride(from: 10, through: 40, by: 5)))
        let totalSteps = steps ?? (context.quick ? 10_000 : 50_000)
        let every = evaluateEvery ?? (context.quick ? 500 : 1_000)
        let tests = testCount ?? (context.quick ? 2_000 : 10_000)

        var rows: [ResultRow] = [], curves: [Curve] = []
        // One cell per d, spread over the ranks of an MPI job; cells come back in order of d.
        let cells = try context.spread(dims.count) { i -> ExperimentCell in
            let d = dims[i]
            return try context.cell("d=\(d)") { () throws -> ExperimentCell in
                var rows: [ResultRow] = [], curves: [Curve] = []
                let test = ParityBits(d: d, count: tests, seed: context.seed(UInt64(d), 1))
                let testBatch = test.batch(at: Array(0..<tests))
                let testX = testBatch.inputs, testY = try targets(of: testBatch)
                var sampler = ParityBatchSampler(matching: test, seed: context.seed(UInt64(d), 2))

                Random.seed(context.seed(UInt64(d), 3))
                let model = Sequential([Linear(d, widthFactor * d), ReLU(), Linear(widthFactor * d, 1)])
                let optimizer = SGD(model.parameters(), learningRate: learningRate)
                context.log("d = \(d): |v*| = \(test.subset.count), hidden \(widthFactor * d), \(totalSteps) steps")

                let batches = GeneratedBatches {
                    let (x, y) = sampler.next(batchSize)
                    return Batch(inputs: x, targets: y, indices: Array(0..<batchSize))
                }
                let run = try ExperimentStages(log: context.log).run([{ .init(
                    label: "d=\(d)", optimizer: optimizer, batches: batches, steps: totalSteps, evaluateEvery: every,
                    loss: { Loss.hinge(model($0.inputs), $0.targets!) },
                    evaluate: { withNoGrad { Double(((model(testX) * testY).gt(0)).mean().item) } }) }])[0]

                let label = "d=\(d)"
                curves.append(Curve(label: label, metric: "test_accuracy", points: run.curve))
                curves.append(Curve(label: label, metric: "train_hinge_loss", points: run.losses))
                rows.append(ResultRow(
                    strategy: "end-to-end", testAccuracy: run.final, steps: run.steps, wallSeconds: run.wallSeconds,
                    parameters: [("d", .int(d))],
                    metrics: [("subset_size", .int(test.subset.count)),
                              ("steps_to_90", run.firstStep(reaching: 0.9).map { .int($0) } ?? .null),
                              ("best_test_accuracy", .double(run.curve.map(\.value).max() ?? .nan))]))
                return ExperimentCell(rows: rows, curves: curves)
            }
        }
        for cell in cells {
            rows += cell.rows
            curves += cell.curves
        }

        let setup = """
            - Target: `y = (−1)^⟨b, v*⟩` for `x = 1 − 2b ∈ {±1}^d`, `b` uniform in `{0,1}^d`; `v*` drawn once per `d` \
            (each bit in with probability ½, at least one), from the seed.
            - Training data: a fresh batch of \(batchSize) uniform examples every step (infinite data); test: \(tests) \
            fixed examples (``ParityBits``).
            - Model: `Linear(d, \(widthFactor)d) → ReLU → Linear(\(widthFactor)d, 1)`, PyTorch default initialisation.
            - Loss: hinge `max(0, 1 − y·f(x))`; optimizer: plain SGD, learning rate \(learningRate), batch \(batchSize), \
            \(totalSteps) steps; test accuracy every \(every) steps (sign of `f(x)` against `y`).
            - Dimensions: \(dims.map(String.init).joined(separator: ", ")). Chance is 0.5.
            """
        let styles = [
            "test_accuracy": MetricStyle(label: "test accuracy", range: 0.4...1, referenceLines: [.init(y: 0.5, label: "chance")]),
            "train_hinge_loss": MetricStyle(label: "training hinge loss (mean over interval)"),
        ]
        return ExperimentResult(rows: rows, curves: curves, styles: styles, setup: setup)
    }

    /// Adds the breakdown in d (first d where end-to-end misses 0.9 within the budget, per seed)
    /// and the final accuracy against d.
    public func summarize(_ combined: ExperimentResult, runs: [ExperimentResult], context: ExperimentContext) throws -> ExperimentResult {
        var result = combined
        let breakdown = Breakdown.find(rows: combined.rows, strategy: "end-to-end", parameter: "d", reachedMetric: "steps_to_90", target: 0.9)
        result.summaryFields = [("breakdown", breakdown.json)]
        result.notes = ["## Breakdown\n\n" + breakdown.sentence]
        let chart = SVGChart(title: "Final test accuracy against d", xLabel: "d (input bits)", yLabel: "test accuracy (mean, min–max over seeds)",
                             series: ResultRow.seriesByStrategy(combined.rows, parameter: "d"),
                             referenceLines: [.init(y: 0.5, label: "chance"), .init(y: 0.9, label: "0.9")], showMarkers: true, yRange: 0.4...1)
        result.figures = [("final_accuracy_by_d", chart)]
        return result
    }

    /// The test targets as a `[N, 1]` tensor of ±1.
    private func targets(of batch: Batch) throws -> Tensor {
        guard let t = batch.targets else { throw ExperimentError.missing("ParityBits test targets") }
        return t
    }
}

extension ParityBitsExperiment {
    public var sweptAxis: String? { "d" }
    /// Runs only the given input dimensions (2 to 64).
    public func sweeping(_ values: [Int]) throws(ExperimentError) -> any Experiment {
        try SweptValues.check(values, axis: "d", of: name, in: 2...64)
        var e = self
        e.dimensions = values
        return e
    }
}
