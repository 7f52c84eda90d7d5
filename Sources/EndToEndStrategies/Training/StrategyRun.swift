import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndTraining
import Foundation

/// Turns a strategy's stages into a ``TrainingRun`` with what every strategy shares: one
/// seeded batch order over all stages, an optimizer from the setup's recipe per stage,
/// evaluation on the test data every `evaluateEvery` run steps (and at the start and end),
/// gradient norms and SNR on fixed examples, and the result. A strategy describes stages;
/// the run runs them.
final class StrategyRun {
    let name: String
    let setup: StrategySetup
    /// Total steps this strategy may take (for progress lines).
    let budget: Int
    /// The batch order every strategy shares.
    let batches: SampledBatches
    private let snrBatch: Batch?
    private(set) var run: TrainingRun?
    /// Batch streams a strategy draws from inside its losses (bagging's per-member samples),
    /// whose positions a checkpoint must keep too.
    var auxiliaryStreams: [String: BatchStream] = [:]

    init(name: String, setup: StrategySetup, budget: Int? = nil) {
        self.name = name
        self.setup = setup
        self.budget = budget ?? setup.steps
        let train = setup.train
        batches = SampledBatches(count: train.count, batchSize: setup.batchSize, seed: setup.seed) { train.batch(at: $0) }
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

    /// The training stage of `stage`: the shared batches, a fresh optimizer, the setup's
    /// evaluation schedule and diagnostics.
    func trainingStage(_ stage: Stage) -> TrainingStage {
        let snr: (examples: Int, loss: (Int) -> Tensor)? = snrBatch.map { b in
            (b.count, { i in (stage.diagnosticLoss ?? stage.loss)(b.rows([i])) })
        }
        return TrainingStage(
            name: stage.name, optimizer: setup.makeOptimizer(stage.parameters), batches: batches, steps: stage.steps,
            evaluation: EvaluationSchedule(every: setup.evaluateEvery, atStart: .unlessJustEvaluated, atEnd: true) {
                [("test", stage.evaluate())]
            },
            diagnostics: StageDiagnostics(groups: stage.groups, gradientNormEvery: setup.diagnostics.gradientNormEvery,
                                          signalToNoise: snr),
            samplesPerExample: stage.modelsPerStep, loss: stage.loss)
    }

    /// Runs the stages in order; each builder runs when its stage begins (so that freezing
    /// modules or creating a head happens then). `members` are the modules the strategy
    /// trains (models and heads), for checkpoints; with ``StrategySetup/checkpointing`` the
    /// run continues from its checkpoint if one exists, writes one every N steps, and
    /// throws ``StrategyInterrupted`` after an interrupt.
    func run(_ stages: [() throws -> Stage], members: [Module]) throws {
        let run = TrainingRun(stages: stages.map { build in { [unowned self] in self.trainingStage(try build()) } })
        run.intervalLossKey = "train_loss"
        run.observers = [EvaluationLines(name: name, budget: budget, log: setup.log)] + (setup.runObservers?(name) ?? [])
        self.run = run
        guard let checkpointing = setup.checkpointing else {
            try run.run()
            return
        }
        let url = checkpointing.runCheckpoint(name)
        let saver = StrategyCheckpointObserver(checkpointing, url: url, members: members, streams: auxiliaryStreams)
        run.observers.append(saver)
        if FileManager.default.fileExists(atPath: url.path) {
            let extra = try run.resume(from: url) { StrategyState(members: members, stage: $0) }
            for (key, stream) in auxiliaryStreams {
                let prefix = "stream.\(key)."
                var state: [String: String] = [:]
                for (k, v) in extra where k.hasPrefix(prefix) { state[String(k.dropFirst(prefix.count))] = v }
                try stream.restore(checkpointState: state)
            }
            setup.log?("[\(name)] resumed at step \(run.position.step)")
        }
        try run.run()
        if run.wasInterrupted {
            try saver.save(run)
            throw StrategyInterrupted(strategy: name, step: run.position.step)
        }
    }

    /// The result, with the final metrics of `final` (the last evaluation when nil).
    func result(final: [String: Double]? = nil, extra: [String: Double] = [:]) -> StrategyResult {
        guard let run else { preconditionFailure("StrategyRun.result before run") }
        var metrics = final ?? run.history.last(where: { $0.split == "test" })?.values ?? [:]
        metrics.merge(extra) { $1 }
        return StrategyResult(
            strategy: name, metrics: metrics, wallSeconds: run.trainSeconds, steps: run.position.step,
            samplesSeen: run.position.samples, parameterCount: run.trainedParameterCount, stages: run.stageSteps,
            curve: run.history, diagnostics: run.diagnostics)
    }
}

/// One progress line per evaluation: `[strategy] stage step S/B  metrics  (T s)`.
final class EvaluationLines: TrainingRunObserver {
    let name: String
    let budget: Int
    let log: (@Sendable (String) -> Void)?

    init(name: String, budget: Int, log: (@Sendable (String) -> Void)?) {
        self.name = name
        self.budget = budget
        self.log = log
    }

    func didEvaluate(_ run: TrainingRun, stage: TrainingStage, records: [MetricsRecord]) throws {
        guard let log else { return }
        var metrics: [String: Double] = [:]
        for r in records { metrics.merge(r.values) { $1 } }
        let shown = metrics.keys.sorted().map { "\($0) \(String(format: "%.4f", metrics[$0]!))" }.joined(separator: "  ")
        log("[\(name)] \(stage.name) step \(run.position.step)/\(budget)  \(shown)  (\(String(format: "%.1f", run.trainSeconds)) s)")
    }
}
