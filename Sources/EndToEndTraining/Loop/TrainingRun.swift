import EndToEnd
import EndToEndData
import EndToEndNN
import Foundation
import Synchronization

/// Where a ``TrainingRun`` is: which stage, how far into it, and the run's totals.
public struct RunPosition: Sendable, Equatable {
    /// Index of the current stage (the stage count once the run is done).
    public var stage = 0
    /// Optimizer steps taken in the current stage.
    public var stageStep = 0
    /// Completed epochs of the current stage (epoch-structured streams).
    public var epoch = 0
    /// Batches of the current epoch already consumed.
    public var batchInEpoch = 0
    /// Optimizer steps over all stages.
    public var step = 0
    /// Examples fed through a model over all stages (see ``TrainingStage/samplesPerExample``).
    public var samples = 0

    public init() {}
}

/// Observes a ``TrainingRun``: the Trainer's callbacks and metrics, progress lines and
/// distributed training attach here. Every method has an empty default.
public protocol TrainingRunObserver: AnyObject {
    /// Before a stage's first step (also when a resumed run re-enters a stage mid-way).
    func stageWillBegin(_ run: TrainingRun, stage: TrainingStage) throws
    /// Before the first batch of an epoch (epoch-structured streams).
    func epochWillBegin(_ run: TrainingRun, stage: TrainingStage, epoch: Int) throws
    /// After each forward pass of a (micro-)batch, with its mean loss.
    func batchDidEnd(_ run: TrainingRun, batch: Batch, output: StepOutput, loss: Double) throws
    /// After each optimizer step, with the mean loss of the step's batches.
    func stepDidEnd(_ run: TrainingRun, stage: TrainingStage, loss: Double) throws
    /// The training metrics to record for the epoch (or the part of it) just finished.
    func epochMetrics(_ run: TrainingRun) -> [String: Double]
    /// After an epoch and its evaluations, with every metric prefixed by its split
    /// (`train_loss`, `validation_accuracy`, ...). Return `true` to stop the run.
    func epochDidEnd(_ run: TrainingRun, stage: TrainingStage, epoch: Int, metrics: [String: Double]) throws -> Bool
    /// After each evaluation, with its records.
    func didEvaluate(_ run: TrainingRun, stage: TrainingStage, records: [MetricsRecord]) throws
    /// After a stage's last step and final evaluation.
    func stageDidEnd(_ run: TrainingRun, stage: TrainingStage) throws
}

extension TrainingRunObserver {
    public func stageWillBegin(_ run: TrainingRun, stage: TrainingStage) throws {}
    public func epochWillBegin(_ run: TrainingRun, stage: TrainingStage, epoch: Int) throws {}
    public func batchDidEnd(_ run: TrainingRun, batch: Batch, output: StepOutput, loss: Double) throws {}
    public func stepDidEnd(_ run: TrainingRun, stage: TrainingStage, loss: Double) throws {}
    public func epochMetrics(_ run: TrainingRun) -> [String: Double] { [:] }
    public func epochDidEnd(_ run: TrainingRun, stage: TrainingStage, epoch: Int, metrics: [String: Double]) throws -> Bool { false }
    public func didEvaluate(_ run: TrainingRun, stage: TrainingStage, records: [MetricsRecord]) throws {}
    public func stageDidEnd(_ run: TrainingRun, stage: TrainingStage) throws {}
}

/// Runs between backward and the optimizer step, once the step's gradients are complete:
/// where data-parallel training averages gradients across processes.
public protocol GradientHook: AnyObject {
    /// `parameters` are the stage's; their `.grad` holds this process's gradient of the step.
    func gradientsReady(_ parameters: [Parameter], run: TrainingRun) throws
}

/// What a ``TrainingRun/run()`` call did.
public struct RunSummary {
    /// Optimizer steps of this call, and over the whole run.
    public var steps: Int
    public var totalSteps: Int
    /// Examples fed through a model over the whole run.
    public var samples: Int
    /// Seconds spent training (forward, backward, optimizer; no evaluation, no diagnostics)
    /// and evaluating, over the whole run (a resumed run carries the earlier seconds).
    public var trainSeconds: Double
    public var evaluationSeconds: Double
    /// Each stage run so far with the steps it took, in order.
    public var stages: [(name: String, steps: Int)]
    /// Elements of every parameter some stage trained, each counted once.
    public var trainedParameterCount: Int
    /// Every record of the run so far: interval training losses and epoch training metrics
    /// (split `"train"`), evaluations (their own splits), in order.
    public var history: [MetricsRecord]
    /// Gradient norms and signal-to-noise ratios (split `"diagnostics"`).
    public var diagnostics: [MetricsRecord]
    /// Whether a stop was requested (a callback or ``TrainingRun/requestStop()``) before the budget ran out.
    public var stoppedEarly: Bool
}

/// The one training loop: a run is a sequence of ``TrainingStage``s, executed in order.
///
/// Written once here, for every caller (``Trainer``, the strategies, the experiments and the
/// applications): the seeded batch order (the stages' ``BatchStream``s), step timing with
/// training time counted apart from evaluation, the metrics history and its log, progress
/// output, gradient accumulation over micro-batches and clipping, gradient-norm and SNR
/// diagnostics, observers (callbacks), the ``GradientHook`` point around backward and the
/// optimizer step, and a checkpoint of the whole run (``saveCheckpoint(to:model:extra:)``,
/// ``resume(from:model:)``).
///
/// Stages are built when the run reaches them (``init(stages:)`` takes builders), so that a
/// stage that freezes some modules or creates a head does so at its start, also on resume.
///
/// One step: `beforeStep`, reseed (with ``seed``), zero the gradients, then for each
/// micro-batch `forward` and backward, the gradient hooks, clipping, gradient norms, the
/// optimizer step, the per-step schedule; then the evaluations due.
public final class TrainingRun {
    /// Builds stage `i` when the run reaches it.
    public let stageBuilders: [() throws -> TrainingStage]
    public var observers: [TrainingRunObserver] = []
    public var gradientHooks: [GradientHook] = []
    /// Reseed the process-wide generator from `(seed, step)` before every step, so module
    /// randomness (dropout) is reproducible across a resume.
    public var seed: UInt64?
    /// Receives every history record as it is made.
    public var log: MetricsLogWriter?
    /// Per-batch progress bar or lines for epoch-structured stages.
    public var progress: ProgressReporter?
    /// Record the mean training loss since the previous evaluation, under this key in a
    /// `"train"` record, at each evaluation (nil: don't).
    public var intervalLossKey: String?
    /// Stop with a ``NonFiniteLossError`` when a step's loss is NaN or infinite (one check per
    /// step); the step is then replayed with ``AnomalyDetection`` to name the op and module.
    public var watchdog = true
    /// Check every op's output and gradient (``AnomalyDetection``) on every step, and stop at
    /// the first non-finite one: slow, for hunting a NaN.
    public var anomalyDetection = false
    /// Train data-parallel over the processes of an MPI job (see ``DataParallel``): each
    /// process takes its slice of every batch and all take the same step. Nil: one process.
    public var dataParallel: DataParallel?

    public private(set) var position = RunPosition()
    public private(set) var trainSeconds = 0.0
    public private(set) var evaluationSeconds = 0.0
    public private(set) var history: [MetricsRecord] = []
    public private(set) var diagnostics: [MetricsRecord] = []
    /// Stages run so far with their steps.
    public private(set) var stageSteps: [(name: String, steps: Int)] = []
    /// The stage being run (nil between stages).
    public private(set) var currentStage: TrainingStage?

    private var trained: [ObjectIdentifier: Int] = [:]
    private var lastEvaluatedStep = -1
    private var intervalLoss = 0.0, intervalCount = 0
    private var stopRequested = false
    private let interruptFlag = Atomic<Bool>(false)
    private var interruptRequested: Bool { interruptFlag.load(ordering: .relaxed) }
    private var stopStage = false
    /// The stage a resume built (with the restored optimizer state), used instead of building it again.
    var pendingStage: TrainingStage?

    /// - Parameter stages: one builder per stage, called when the run reaches that stage.
    public init(stages: [() throws -> TrainingStage]) {
        stageBuilders = stages
    }

    /// A run of ready-made stages.
    public convenience init(stages: [TrainingStage]) {
        self.init(stages: stages.map { s in { s } })
    }

    /// Asks the run to stop after the current step. The stage still finishes as if its budget
    /// had run out (its final evaluation, a partial epoch's training metrics), as early
    /// stopping wants.
    public func requestStop() { stopRequested = true }

    /// Asks the run to stop after the current step and leave the stage unfinished (no final
    /// evaluation), so that a checkpoint written now and resumed gives exactly the
    /// uninterrupted run: what a signal handler wants.
    /// Safe to call from any thread (a signal handler's).
    public func requestInterrupt() { interruptFlag.store(true, ordering: .relaxed) }

    /// Whether the last ``run()`` ended because of ``requestInterrupt()``.
    public private(set) var wasInterrupted = false

    /// Elements of every parameter some stage trained so far, each counted once.
    public var trainedParameterCount: Int { trained.values.reduce(0, +) }

    private var now: UInt64 { DispatchTime.now().uptimeNanoseconds }

    // MARK: - Running

    /// Runs (or, after ``resume(from:model:)``, continues) every remaining stage.
    @discardableResult
    public func run() throws -> RunSummary {
        stopRequested = false
        defer { if anomalyDetection { AnomalyDetection.setEnabled(false) } }
        interruptFlag.store(false, ordering: .relaxed)
        wasInterrupted = false
        let startStep = position.step
        var stoppedEarly = false
        while position.stage < stageBuilders.count {
            let stage = try pendingStage ?? stageBuilders[position.stage]()
            pendingStage = nil
            currentStage = stage
            let stopped = try run(stage)
            if stopped {
                // The stage stays current: a checkpoint now, or another run(), continues it.
                pendingStage = stage
                stoppedEarly = true
                break
            }
            currentStage = nil
            position.stage += 1
            position.stageStep = 0
            position.epoch = 0
            position.batchInEpoch = 0
        }
        return RunSummary(
            steps: position.step - startStep, totalSteps: position.step, samples: position.samples,
            trainSeconds: trainSeconds, evaluationSeconds: evaluationSeconds, stages: stageSteps,
            trainedParameterCount: trained.values.reduce(0, +), history: history, diagnostics: diagnostics,
            stoppedEarly: stoppedEarly)
    }

    private func budgetReached(_ s: TrainingStage) -> Bool {
        if let steps = s.steps, position.stageStep >= steps { return true }
        if let epochs = s.epochs, position.epoch >= epochs { return true }
        return false
    }

    /// Runs one stage from the current position; returns whether the run was stopped.
    private func run(_ stage: TrainingStage) throws -> Bool {
        let entering = position.stageStep == 0 && position.epoch == 0 && position.batchInEpoch == 0
        if entering {
            if budgetReached(stage) { return false }  // an empty stage leaves no trace
            stageSteps.append((stage.name, 0))
        } else if stageSteps.isEmpty || stageSteps[stageSteps.count - 1].name != stage.name {
            stageSteps.append((stage.name, position.stageStep))
        }
        for p in stage.parameters { trained[ObjectIdentifier(p)] = p.count }
        try dataParallel?.broadcast(stage.parameters)
        let modes = stage.modules.map(\.isTraining)
        for m in stage.modules { m.train() }
        defer { for (m, was) in zip(stage.modules, modes) { m.train(was) } }
        stopStage = false
        for o in observers { try o.stageWillBegin(self, stage: stage) }

        switch stage.evaluation.atStart {
        case .always where entering: try evaluate(stage)
        case .unlessJustEvaluated where entering && lastEvaluatedStep != position.step: try evaluate(stage)
        default: break
        }
        let perEpoch = stage.batches.batchesPerEpoch
        if let perEpoch {
            stage.batches.start(epoch: position.epoch, at: position.batchInEpoch)
            // A checkpoint taken after an epoch's last step but before its end (a step callback):
            // finish that epoch first.
            if position.batchInEpoch >= perEpoch, try endEpoch(stage, perEpoch: perEpoch) { stopRequested = true }
        }

        var first = true
        while !budgetReached(stage) && !stopRequested && !stopStage && !interruptRequested {
            // An epoch begins, or a resumed run re-enters one.
            if let perEpoch, position.batchInEpoch == 0 || first {
                for o in observers { try o.epochWillBegin(self, stage: stage, epoch: position.epoch) }
                progress?.epochBegin(epoch: position.epoch, totalEpochs: stage.epochs, batches: perEpoch,
                                     startBatch: position.batchInEpoch)
            }
            first = false
            try step(stage, perEpoch: perEpoch)
            if let perEpoch, position.batchInEpoch >= perEpoch {
                if try endEpoch(stage, perEpoch: perEpoch) { stopRequested = true }
            } else if let every = stage.evaluation.every,
                      (stage.evaluation.counter == .run ? position.step : position.stageStep) % every == 0 {
                try evaluate(stage)
            }
        }
        if interruptRequested {
            wasInterrupted = true
            return true
        }
        // Stopped mid-epoch: record what was trained of it.
        if perEpoch != nil, position.batchInEpoch > 0 { try recordTrainMetrics(stage) }
        if stage.evaluation.atEnd && lastEvaluatedStep != position.step { try evaluate(stage) }
        try dataParallel?.synchronizeOptimizerState(stage.optimizer)
        try stage.onEnd?()
        for o in observers { try o.stageDidEnd(self, stage: stage) }
        return stopRequested
    }

    /// One optimizer step over `accumulation` batches.
    private func step(_ stage: TrainingStage, perEpoch: Int?) throws {
        let start = now
        var excluded: UInt64 = 0
        stage.beforeStep?(position.stageStep)
        if let seed { Random.seed(Self.stepSeed(seed, position.step)) }
        stage.optimizer.zeroGrad()
        var lossSum = 0.0, examples = 0, micro = 0
        while micro < stage.accumulation {
            if let perEpoch, position.batchInEpoch >= perEpoch { break }  // an epoch ends a step
            let batch = stage.batches.next()
            if anomalyDetection { AnomalyDetection.setEnabled(true) }
            let out: StepOutput
            let value: Double
            if let dataParallel {
                (out, value) = try dataParallelForward(dataParallel, stage: stage, batch: batch)
            } else {
                out = stage.forward(batch)
                value = Double(out.loss.item)
                if watchdog && !value.isFinite { throw nonFinite(value, stage: stage, batch: batch) }
                if stage.accumulation > 1 { (out.loss * (1 / Float(stage.accumulation))).backward() } else { out.loss.backward() }
            }
            if anomalyDetection, let a = AnomalyDetection.take() {
                AnomalyDetection.setEnabled(false)
                throw NonFiniteLossError(step: position.step + 1, stage: stage.name, loss: value, anomaly: a,
                                         modulePath: Self.modulePath(a, in: stage.modules))
            }
            lossSum += value
            micro += 1
            examples += batch.count
            if perEpoch != nil { position.batchInEpoch += 1 }
            for o in observers { try o.batchDidEnd(self, batch: batch, output: out, loss: value) }
            progress?.step(samples: batch.count, loss: value)
        }
        let parameters = stage.parameters
        // The optimizer step may be split over the ranks only where nothing reads the whole
        // gradient before it.
        let shardable = gradientHooks.isEmpty && stage.gradientClipNorm == nil
            && stage.diagnostics.gradientNormEvery <= 0 && stage.optimizer.updatesElementRanges
        try dataParallel?.reduceGradients(parameters, shardable: shardable)
        for h in gradientHooks { try h.gradientsReady(parameters, run: self) }
        if let clip = stage.gradientClipNorm { GradientClipping.clipByGlobalNorm(parameters, maxNorm: clip) }
        position.step += 1
        position.stageStep += 1
        // The norms of the gradient this step applies (measuring them is not training time).
        let every = stage.diagnostics.gradientNormEvery
        if every > 0 && position.step % every == 0 {
            let t = now
            var values: [String: Double] = [:]
            for g in stage.diagnostics.groups { if let n = GradientDiagnostics.gradientNorm(g) { values["grad_norm/\(g.name)"] = n } }
            if !values.isEmpty {
                diagnostics.append(MetricsRecord(step: position.step, wallSeconds: trainSeconds, split: "diagnostics", values: values))
            }
            excluded = now - t
        }
        if let dp = dataParallel, !dp.pendingShards.isEmpty {
            stage.optimizer.step(shards: dp.pendingShards)
            try dp.finishShardedStep()
        } else {
            stage.optimizer.step()
        }
        if stage.schedulePer == .step { stage.scheduler?.step() }
        trainSeconds += Double(now - start - excluded) / 1e9
        position.samples += examples * stage.samplesPerExample
        stageSteps[stageSteps.count - 1].steps = position.stageStep
        let loss = lossSum / Double(max(micro, 1))
        intervalLoss += loss
        intervalCount += 1
        for o in observers { try o.stepDidEnd(self, stage: stage, loss: loss) }
    }

    /// The end of an epoch: schedule, training metrics, evaluations, observers. Returns
    /// whether an observer asked to stop.
    private func endEpoch(_ stage: TrainingStage, perEpoch: Int) throws -> Bool {
        position.epoch += 1
        position.batchInEpoch = 0
        if stage.schedulePer == .epoch { stage.scheduler?.step() }
        var metrics = try recordTrainMetrics(stage)
        if stage.evaluation.atEpochEnd || stage.evaluation.every.map({ position.step % $0 == 0 }) == true {
            for r in try evaluate(stage) { metrics.merge(Self.prefixed(r)) { $1 } }
        }
        progress?.epochEnd(epoch: position.epoch - 1, metrics: metrics)
        var stop = false
        for o in observers where try o.epochDidEnd(self, stage: stage, epoch: position.epoch - 1, metrics: metrics) { stop = true }
        if position.epoch < (stage.epochs ?? .max) && !budgetReached(stage) {
            stage.batches.start(epoch: position.epoch, at: 0)
        }
        return stop
    }

    /// Records the observers' training metrics (if any) and returns them prefixed.
    @discardableResult
    private func recordTrainMetrics(_ stage: TrainingStage) throws -> [String: Double] {
        var values: [String: Double] = [:]
        for o in observers { values.merge(o.epochMetrics(self)) { $1 } }
        guard !values.isEmpty else { return [:] }
        let r = MetricsRecord(step: position.step, epoch: position.epoch, wallSeconds: trainSeconds, split: "train", values: values)
        try append(r)
        return Self.prefixed(r)
    }

    /// `split_name` for each value, unless the name already starts with the split.
    public static func prefixed(_ r: MetricsRecord) -> [String: Double] {
        var out: [String: Double] = [:]
        for (k, v) in r.values { out[k.hasPrefix(r.split + "_") ? k : r.split + "_" + k] = v }
        return out
    }

    /// Every value of `records` under its own name and under its split-prefixed one, for
    /// callbacks that monitor a metric by either (`accuracy` or `test_accuracy`).
    public static func monitorable(_ records: [MetricsRecord]) -> [String: Double] {
        var out: [String: Double] = [:]
        for r in records { out.merge(r.values) { $1 }; out.merge(prefixed(r)) { $1 } }
        return out
    }

    private func append(_ r: MetricsRecord) throws {
        history.append(r)
        try log?.append(r)
    }

    /// Flushes the interval loss, evaluates, measures the SNR; returns the evaluation records.
    @discardableResult
    private func evaluate(_ stage: TrainingStage) throws -> [MetricsRecord] {
        let start = now
        let epoch = stage.batches.batchesPerEpoch != nil ? position.epoch : nil
        if let key = intervalLossKey, intervalCount > 0 {
            try append(MetricsRecord(step: position.step, epoch: epoch, wallSeconds: trainSeconds, split: "train",
                                     values: [key: intervalLoss / Double(intervalCount)]))
        }
        intervalLoss = 0
        intervalCount = 0
        lastEvaluatedStep = position.step
        var records: [MetricsRecord] = []
        for (split, values) in try stage.evaluation.evaluate() {
            let r = MetricsRecord(step: position.step, epoch: epoch, wallSeconds: trainSeconds, split: split, values: values)
            records.append(r)
            try append(r)
        }
        if let snr = stage.diagnostics.signalToNoise {
            let values = GradientDiagnostics.signalToNoise(groups: stage.diagnostics.groups, examples: snr.examples, loss: snr.loss)
            if !values.isEmpty {
                diagnostics.append(MetricsRecord(step: position.step, wallSeconds: trainSeconds, split: "diagnostics",
                                                 values: Dictionary(uniqueKeysWithValues: values.map { ("snr/\($0.key)", $0.value) })))
            }
        }
        evaluationSeconds += Double(now - start) / 1e9
        for o in observers { try o.didEvaluate(self, stage: stage, records: records) }
        if let stopWhen = stage.stopWhen {
            var merged: [String: Double] = [:]
            for r in records { merged.merge(r.values) { $1 } }
            if stopWhen(merged) { stopStage = true }
        }
        return records
    }

    /// Starts the run at `position` (for a trainer whose earlier `fit` calls, or a resume,
    /// already took steps), with `trainSeconds` of training behind it.
    public func `continue`(from position: RunPosition, trainSeconds: Double = 0) {
        self.position = position
        self.trainSeconds = trainSeconds
    }

    // MARK: - Data-parallel step

    /// Forward and backward of this rank's slice of the global `batch`; returns what a single
    /// process would see: the global batch's output and mean loss (checked by the watchdog
    /// on every rank alike, so all stop together).
    private func dataParallelForward(_ dp: DataParallel, stage: TrainingStage, batch: Batch) throws -> (StepOutput, Double) {
        let local = dp.localBatch(batch)
        let out = local.count > 0 ? stage.forward(local) : nil
        let localLoss = out.map { Double($0.loss.item) } ?? 0
        let (output, value) = try dp.gather(output: out?.output?.detached(), loss: localLoss, count: local.count)
        if watchdog && !value.isFinite { throw nonFinite(value, stage: stage, batch: batch) }
        // This rank's share of the batch's mean loss: the ranks' gradients then sum to the
        // gradient of the whole batch.
        if let out { (out.loss * (Float(local.count) / Float(batch.count * stage.accumulation))).backward() }
        return (StepOutput(loss: out?.loss ?? Tensor(Float(value)), output: output), value)
    }

    // MARK: - Numerics watchdog

    /// The error for a non-finite loss, after replaying the batch with anomaly detection on to
    /// find the op (the replay's dropout masks may differ from the step's).
    private func nonFinite(_ value: Double, stage: TrainingStage, batch: Batch) -> NonFiniteLossError {
        let (_, anomaly) = AnomalyDetection.run { () -> Void in
            let out = stage.forward(batch)
            if out.loss.requiresGrad { out.loss.backward() }
        }
        stage.optimizer.zeroGrad()
        return NonFiniteLossError(step: position.step + 1, stage: stage.name, loss: value, anomaly: anomaly,
                                  modulePath: anomaly.flatMap { Self.modulePath($0, in: stage.modules) })
    }

    /// The dotted name of the innermost module running at `anomaly`, looked up in `roots`.
    static func modulePath(_ anomaly: AnomalyDetection.Anomaly, in roots: [Module]) -> String? {
        guard let id = anomaly.moduleStack.last else { return nil }
        for root in roots {
            if ObjectIdentifier(root) == id { return "(the model)" }
            for (name, m) in root.namedModules() where ObjectIdentifier(m) == id { return name }
        }
        return nil
    }

    // MARK: - Checkpoint support

    func checkpointCounters() -> [String: String] {
        ["last_evaluated": String(lastEvaluatedStep), "interval_loss": "\(intervalLoss)", "interval_count": String(intervalCount)]
    }

    func trainedIdentifiers() -> [ObjectIdentifier] { Array(trained.keys) }

    func restore(position p: RunPosition, trainSeconds t: Double, evaluationSeconds e: Double, history h: [MetricsRecord],
                 diagnostics d: [MetricsRecord], stageSteps s: [(name: String, steps: Int)], trained ps: [Parameter],
                 counters: [String: String]) {
        position = p
        trainSeconds = t
        evaluationSeconds = e
        history = h
        diagnostics = d
        stageSteps = s
        trained = Dictionary(ps.map { (ObjectIdentifier($0), $0.count) }, uniquingKeysWith: { a, _ in a })
        func c(_ k: String) -> String? { counters["extra." + Self.keyPrefix + k] }
        lastEvaluatedStep = c("last_evaluated").flatMap(Int.init) ?? -1
        intervalLoss = c("interval_loss").flatMap(Double.init) ?? 0
        intervalCount = c("interval_count").flatMap(Int.init) ?? 0
    }

    /// The seed of step `step` of a run seeded with `seed` (SplitMix64 mixing of both).
    public static func stepSeed(_ seed: UInt64, _ step: Int) -> UInt64 {
        let mix = SeedDerivation.mix
        return mix(mix(seed) ^ mix(UInt64(bitPattern: Int64(step)) &+ 0x5EED))
    }
}

/// A training step whose loss was NaN or infinite.
public struct NonFiniteLossError: Error, CustomStringConvertible {
    /// The step (1-based, over the run) and stage it happened in.
    public var step: Int
    public var stage: String
    public var loss: Double
    /// Where the first non-finite value appeared, when the replay found it.
    public var anomaly: AnomalyDetection.Anomaly?
    /// The dotted name of the module running then (e.g. `layers.2`), when known.
    public var modulePath: String?

    public var description: String {
        var s = "training stopped at step \(step) (stage '\(stage)'): the loss is \(loss)"
        if let anomaly {
            s += "; first non-finite value: \(anomaly)" + (modulePath.map { " ('\($0)')" } ?? "")
        } else {
            s += "; replaying the step found no non-finite op output (set anomaly_detection to check every step)"
        }
        return s + ". Lower the learning rate, clip gradients (gradient_clip_norm), or check the data for NaN."
    }
}
