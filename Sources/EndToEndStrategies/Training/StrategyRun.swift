import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndTraining
import Foundation

/// The bookkeeping every strategy shares: the seeded batch order, the clock (training time
/// only), step and sample counts, evaluation and diagnostics at fixed intervals, and the
/// result. A strategy describes stages; this runs them.
final class StrategyRun {
    let name: String
    let setup: StrategySetup
    /// Total steps this strategy may take (for progress lines).
    let budget: Int
    private var sampler: BatchSampler
    private(set) var steps = 0
    private(set) var samples = 0
    private var trainSeconds = 0.0
    private var curve: [MetricsRecord] = []
    private var diagnostics: [MetricsRecord] = []
    private var stages: [(name: String, steps: Int)] = []
    private var trained: [ObjectIdentifier: Int] = [:]
    private var lastEvaluated = -1
    private let snrBatch: Batch?

    init(name: String, setup: StrategySetup, budget: Int? = nil) {
        self.name = name
        self.setup = setup
        self.budget = budget ?? setup.steps
        sampler = BatchSampler(count: setup.train.count, batchSize: setup.batchSize, seed: setup.seed)
        let n = min(setup.diagnostics.snrExamples, setup.train.count)
        // Fixed examples, the same for every strategy and evaluation.
        snrBatch = n >= 2 ? setup.train.batch(at: Array(0..<n)) : nil
    }

    /// What a stage trains and how it is measured.
    struct Stage {
        var name: String
        var steps: Int
        var parameters: [Parameter]
        /// Groups whose gradient norms and SNR are recorded.
        var groups: [GradientDiagnostics.Group]
        /// Examples processed per step per batch example (ensemble members).
        var modelsPerStep = 1
        /// The training loss of a batch.
        var loss: (Batch) -> Tensor
        /// Test metrics of the current state.
        var evaluate: () -> [String: Double]
        /// The loss whose per-example gradients give the SNR, when it differs from ``loss``
        /// (bagging draws its own batches, but the SNR needs the given examples).
        var diagnosticLoss: ((Batch) -> Tensor)? = nil
    }

    /// Draws the next training batch of the shared order.
    func nextBatch() -> Batch { setup.train.batch(at: sampler.next()) }

    /// Trains `stage.parameters` (everything else must be frozen or absent from the loss).
    func run(_ stage: Stage) {
        guard stage.steps > 0 else { return }
        stages.append((stage.name, stage.steps))
        for p in stage.parameters { trained[ObjectIdentifier(p)] = p.count }
        let optimizer = setup.makeOptimizer(stage.parameters)
        if lastEvaluated < 0 { record(stage) }
        var lossSum = 0.0, lossCount = 0
        for _ in 0..<stage.steps {
            let start = DispatchTime.now().uptimeNanoseconds
            let batch = nextBatch()
            optimizer.zeroGrad()
            let loss = stage.loss(batch)
            loss.backward()
            steps += 1
            // The norms of the gradient this step applies (measuring them is not timed).
            let every = setup.diagnostics.gradientNormEvery
            var measured: UInt64 = 0
            if every > 0 && steps % every == 0 {
                let t = DispatchTime.now().uptimeNanoseconds
                var values: [String: Double] = [:]
                for g in stage.groups { if let n = GradientDiagnostics.gradientNorm(g) { values["grad_norm/\(g.name)"] = n } }
                if !values.isEmpty {
                    diagnostics.append(MetricsRecord(step: steps, wallSeconds: trainSeconds, split: "diagnostics", values: values))
                }
                measured = DispatchTime.now().uptimeNanoseconds - t
            }
            optimizer.step()
            trainSeconds += Double(DispatchTime.now().uptimeNanoseconds - start - measured) / 1e9
            samples += batch.count * stage.modelsPerStep
            lossSum += Double(loss.item)
            lossCount += 1
            if steps % setup.evaluateEvery == 0 {
                curve.append(MetricsRecord(step: steps, wallSeconds: trainSeconds, split: "train",
                                           values: ["train_loss": lossSum / Double(lossCount)]))
                lossSum = 0
                lossCount = 0
                record(stage)
            }
        }
        if lossCount > 0 {
            curve.append(MetricsRecord(step: steps, wallSeconds: trainSeconds, split: "train",
                                       values: ["train_loss": lossSum / Double(lossCount)]))
        }
        if lastEvaluated != steps { record(stage) }
    }

    /// Evaluates, measures SNR, logs a line.
    private func record(_ stage: Stage) {
        lastEvaluated = steps
        let metrics = stage.evaluate()
        curve.append(MetricsRecord(step: steps, wallSeconds: trainSeconds, split: "test", values: metrics))
        if let b = snrBatch {
            let snr = GradientDiagnostics.signalToNoise(groups: stage.groups, examples: b.count) { i in
                (stage.diagnosticLoss ?? stage.loss)(b.rows([i]))
            }
            if !snr.isEmpty {
                diagnostics.append(MetricsRecord(step: steps, wallSeconds: trainSeconds, split: "diagnostics",
                                                 values: Dictionary(uniqueKeysWithValues: snr.map { ("snr/\($0.key)", $0.value) })))
            }
        }
        let shown = metrics.keys.sorted().map { "\($0) \(String(format: "%.4f", metrics[$0]!))" }.joined(separator: "  ")
        setup.log?("[\(name)] \(stage.name) step \(steps)/\(budget)  \(shown)  (\(String(format: "%.1f", trainSeconds)) s)")
    }

    /// The result, with the final metrics of `final` (the last evaluation when nil).
    func result(final: [String: Double]? = nil, extra: [String: Double] = [:]) -> StrategyResult {
        var metrics = final ?? curve.last(where: { $0.split == "test" })?.values ?? [:]
        metrics.merge(extra) { $1 }
        return StrategyResult(
            strategy: name, metrics: metrics, wallSeconds: trainSeconds, steps: steps, samplesSeen: samples,
            parameterCount: trained.values.reduce(0, +), stages: stages, curve: curve, diagnostics: diagnostics)
    }
}
