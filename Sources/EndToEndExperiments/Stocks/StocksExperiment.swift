import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndTraining
import Foundation

/// Shalev-Shwartz, Shamir and Shammah (2017), §3.2: learning to pick the right one of k
/// "stocks" with a linear softmax, end-to-end (maximising the expected reward) versus by
/// decomposition (classifying the correct output). The end-to-end gradient is the
/// classification signal buried in reward noise whose variance grows with k, so end-to-end
/// learning is slower and, for large k, does not close the gap within the budget.
public struct StocksExperiment: Experiment {
    public var name: String { "stocks" }
    public var summary: String {
        "Pick the right one of k outputs from one-hot inputs: end-to-end on rewards vs decomposition (cross-entropy) (Shalev-Shwartz et al. 2017, §3.2)."
    }

    /// Numbers of outputs; nil uses 10, 1000, 2000.
    public var ks: [Int]?
    /// Adam steps per run; nil uses 2,500 (quick: 1,000).
    public var steps: Int?
    /// Steps between evaluations; nil uses 50 (quick: 50).
    public var evaluateEvery: Int?
    /// Input dimension (number of situations).
    public var d = 1000
    public var batchSize = 100
    public var learningRate: Float = 0.1

    public init(ks: [Int]? = nil, steps: Int? = nil, evaluateEvery: Int? = nil, d: Int = 1000) {
        self.ks = ks
        self.steps = steps
        self.evaluateEvery = evaluateEvery
        self.d = d
    }

    /// The two training signals compared.
    enum Strategy: String, CaseIterable {
        case endToEnd = "end-to-end"
        case decomposition
    }

    public func run(_ context: ExperimentContext) throws -> ExperimentResult {
        let kValues = ks ?? [10, 1000, 2000]
        let totalSteps = steps ?? (context.quick ? 1_000 : 2_500)
        let every = evaluateEvery ?? 50
        guard d >= 1, kValues.allSatisfy({ $0 >= 2 }) else {
            throw ExperimentError.invalidSetting("stocks needs d >= 1 and every k >= 2, got d \(d), k \(kValues)")
        }
        let situations = Tensor.eye(d)

        var rows: [ResultRow] = [], curves: [Curve] = []
        // The grid (k, strategy), spread over the ranks of an MPI job; cells come back in grid order.
        let grid = kValues.flatMap { k in Strategy.allCases.map { (k, $0) } }
        let cells = try context.spread(grid.count) { c -> ExperimentCell in
            let (k, strategy) = grid[c]
            return try context.cell("\(strategy.rawValue) k=\(k)") { () throws -> ExperimentCell in
            var rows: [ResultRow] = [], curves: [Curve] = []
            // Same task, same samples and same initial weights for both strategies.
            var task = StockPicking(d: d, k: k, taskSeed: context.seed(UInt64(k), 1), sampleSeed: context.seed(UInt64(k), 2))
            let correct = task.correct
            Random.seed(context.seed(UInt64(k), 3))
            let model = Linear(d, k)
            let optimizer = Adam(model.parameters(), learningRate: learningRate)
            var rewardCurve: [Curve.Point] = []
            let label = "\(strategy.rawValue) k=\(k)"

            // The rewards travel as the batch's targets, the correct outputs as its labels.
            let batches = GeneratedBatches {
                let (x, target, rewards) = task.next(batchSize)
                return Batch(inputs: x, labels: target, targets: rewards, indices: Array(0..<batchSize))
            }
            let run = try ExperimentStages(log: context.log).run([{ .init(
                label: label, optimizer: optimizer, batches: batches, steps: totalSteps, evaluateEvery: every,
                loss: { batch in
                    let logits = model(batch.inputs)
                    switch strategy {
                    case .endToEnd: return -(logits.softmax(axis: 1) * batch.targets!).sum(axis: 1).mean()
                    case .decomposition: return Loss.crossEntropy(logits, batch.labels!)
                    }
                }, evaluate: {
                    // Every situation once: accuracy of the argmax, and the expected reward,
                    // which is the probability given to the correct output.
                    let (accuracy, reward) = withNoGrad { () -> (Double, Double) in
                        let logits = model(situations)
                        let picks = logits.argmax(axis: 1).scalars
                        let p = logits.softmax(axis: 1).gather(axis: 1, IntTensor(shape: [d, 1], scalars: correct))
                        let hits = zip(picks, correct).filter { $0 == $1 }.count
                        return (Double(hits) / Double(d), Double(p.mean().item))
                    }
                    rewardCurve.append(.init(step: 0, wallSeconds: 0, value: reward))
                    return accuracy
            }) }])[0]
            // The reward curve was sampled at the same evaluations as the accuracy curve.
            for (i, p) in run.curve.enumerated() {
                rewardCurve[i].step = p.step
                rewardCurve[i].wallSeconds = p.wallSeconds
            }
            curves.append(Curve(label: label, metric: "test_accuracy", points: run.curve))
            curves.append(Curve(label: label, metric: "expected_reward", points: rewardCurve))
            rows.append(ResultRow(
                strategy: strategy.rawValue, testAccuracy: run.final, steps: run.steps, wallSeconds: run.wallSeconds,
                parameters: [("k", .int(k)), ("d", .int(d))],
                metrics: [("expected_reward", .double(rewardCurve.last?.value ?? .nan)),
                          ("steps_to_90", run.firstStep(reaching: 0.9).map { .int($0) } ?? .null)]))
                return ExperimentCell(rows: rows, curves: curves)
            }
        }
        for cell in cells {
            rows += cell.rows
            curves += cell.curves
        }

        let setup = """
            - Task: \(d) situations, input `x = e_i` one-hot with `i` uniform; the correct output `c(i)` drawn once, \
            uniform in `0..<k`. Every training sample carries a reward vector `r ∈ {±1}^k`: `r_c(i) = 1`, every other \
            entry uniform ±1, drawn afresh per sample (so its expectation is 0).
            - Model: one linear layer `Linear(\(d), k)` followed by a softmax `p`; the same initialisation and the same \
            sample stream for both strategies.
            - End-to-end loss: the negative reward of the softmax policy, `−Σ_j p_j r_j`, batch mean. \
            Decomposition loss: cross-entropy against `c(i)`.
            - Adam (β = 0.9, 0.999), learning rate \(learningRate), batch \(batchSize), \(totalSteps) steps; \
            evaluation every \(every) steps on all \(d) situations.
            - Test accuracy: the fraction of situations whose argmax is `c(i)` (chance `1/k`). Expected reward: \
            the mean over situations of `p_c(i)`, which equals `E_r[Σ_j p_j r_j]`.
            """
        let styles = [
            "test_accuracy": MetricStyle(label: "test accuracy", range: 0...1),
            "expected_reward": MetricStyle(label: "expected reward (p of the correct output)", range: 0...1),
        ]
        return ExperimentResult(rows: rows, curves: curves, styles: styles, figures: [("final_accuracy", Self.bars(rows, steps: totalSteps))],
                                setup: setup)
    }

    /// The final-accuracy bars from the seed-aggregated rows (the mean over seeds).
    public func summarize(_ combined: ExperimentResult, runs: [ExperimentResult], context: ExperimentContext) throws -> ExperimentResult {
        var result = combined
        result.figures = [("final_accuracy", Self.bars(combined.rows, steps: steps ?? (context.quick ? 1_000 : 2_500)))]
        return result
    }

    static func bars(_ rows: [ResultRow], steps: Int) -> SVGChart {
        SVGChart.bar(title: "Final test accuracy after \(steps) steps", yLabel: "test accuracy (mean over seeds)",
                     bars: rows.map { SVGChart.Bar(label: $0.label, value: $0.testAccuracy) })
    }
}
