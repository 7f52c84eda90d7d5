import EndToEnd
import EndToEndData
import EndToEndNN
import Foundation
import Synchronization

/// An error from the trainer or one of its callbacks.
public struct TrainerError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Something that yields the batches of an epoch: ``DataLoader`` conforms.
public protocol BatchSource {
    /// Batches per epoch.
    var batchCount: Int { get }
    /// Examples per epoch.
    var sampleCount: Int { get }
    /// The batches of epoch `epoch`, starting at batch index `start`.
    func batches(epoch: Int, startingAt start: Int) -> AnyIterator<Batch>
}

extension DataLoader: BatchSource {
    public func batches(epoch e: Int, startingAt start: Int) -> AnyIterator<Batch> {
        if start <= 0 { return AnyIterator(self.epoch(e).makeIterator()) }
        // Resuming mid-epoch: build the remaining batches directly (same contents).
        var b = start
        return AnyIterator {
            guard b < self.batchCount else { return nil }
            defer { b += 1 }
            return self.batch(b, epoch: e)
        }
    }
}

/// When the learning-rate scheduler advances.
public enum SchedulePer: Sendable, Equatable {
    case epoch, step
}

/// The result of ``Trainer/fit(train:validation:test:epochs:steps:evaluateEvery:)``.
public struct TrainingSummary: Sendable, Codable {
    /// The latest value of every metric, by prefixed name: `train_loss`,
    /// `validation_accuracy`, `test_accuracy`, ...
    public var metrics: [String: Double]
    /// Wall-clock seconds of this `fit` call.
    public var wallSeconds: Double
    /// Optimizer steps taken in this `fit` call.
    public var steps: Int
    /// Global step count at the end (including steps before a resume).
    public var globalStep: Int
    /// Training examples processed in this `fit` call.
    public var samplesSeen: Int
    /// Completed epochs in total (including those before a resume).
    public var epochs: Int
    /// Whether a callback stopped training before the epoch/step limit.
    public var stoppedEarly: Bool
    /// Every record logged during this call, in order.
    public var history: [MetricsRecord]
    /// Whether ``Trainer/requestInterrupt()`` ended the call (the epoch is unfinished; a
    /// checkpoint written now resumes exactly).
    public var interrupted = false

    public subscript(metric: String) -> Double? { metrics[metric] }
}

/// The training loop: forward, loss, backward, optional gradient clipping, optimizer step,
/// learning-rate schedule, metrics, evaluation on held-out data, logging, progress output,
/// callbacks, checkpoints and exact resumption.
///
/// ```swift
/// let trainer = try Trainer(model: mlp, optimizer: Adam(mlp.parameters(), learningRate: 1e-2),
///                           loss: Trainer.crossEntropy, metrics: ["accuracy"],
///                           callbacks: [EarlyStopping(monitor: "validation_loss", patience: 3)])
/// let summary = try trainer.fit(train: trainLoader, validation: valLoader, epochs: 20)
/// print(summary["validation_accuracy"]!)
/// ```
///
/// Counters: ``epoch`` is the number of completed epochs (the index of the next one),
/// ``globalStep`` the number of optimizer steps so far. `fit(epochs:)` and `fit(steps:)`
/// give *totals* (Keras' `epochs` with `initial_epoch`): after ``resume(from:)`` at
/// epoch 1, `fit(epochs: 2)` runs one more epoch. Epoch `e` reads the loader's epoch `e`,
/// whose order depends only on the loader's seed and `e`, so a resumed run sees the same
/// batches as an uninterrupted one.
///
/// Determinism: with the same initial weights, data-loader seed and thread count, two fits
/// give bit-identical weights. Pass `seed` to also make module randomness (dropout)
/// reproducible across a resume: the process-wide generator is reseeded from
/// `(seed, globalStep)` before every step.
public final class Trainer {
    public let model: Module
    public let optimizer: Optimizer
    public let lossFunction: (Tensor, Batch) -> Tensor
    /// Metric names (see ``MetricRegistry``); the loss is always tracked as `loss`.
    public let metricNames: [String]
    /// The number of classes, for metrics that need it (confusion matrix, macro averages).
    public let classes: Int?
    public let scheduler: LearningRateScheduler?
    public let schedulePer: SchedulePer
    public var callbacks: [TrainerCallback]
    /// Receives every metrics record (settable, so a resumed run can open its log after
    /// cutting it back to the checkpoint).
    public var log: MetricsLogWriter?
    public let progress: ProgressReporter?
    public let gradientClipNorm: Float?
    public let seed: UInt64?
    /// Check every op's output and gradient for NaN and infinity on every step (slow; see
    /// ``AnomalyDetection``). Without it only the loss is checked, once a step.
    public var anomalyDetection = false
    /// Train and evaluate data-parallel over the processes of an MPI job (``DataParallel``);
    /// nil: this process alone.
    public var dataParallel: DataParallel?

    /// Completed epochs (the index of the next epoch).
    public private(set) var epoch = 0
    /// Batches of the current epoch already trained on (non-zero only mid-epoch).
    public private(set) var batchInEpoch = 0
    /// Optimizer steps so far.
    public private(set) var globalStep = 0
    /// Wall-clock seconds spent in `fit` so far (carried over by checkpoints).
    public private(set) var totalWallSeconds = 0.0
    /// The latest value of every metric, by prefixed name.
    public private(set) var latestMetrics: [String: Double] = [:]
    /// The training metrics of the epoch in progress (kept across `fit` calls and checkpoints,
    /// so a run resumed mid-epoch reports the same epoch metrics as an uninterrupted one).
    let trainMetrics: MetricSet
    /// Metrics records logged by `fit` so far (a resumed report keeps this many of its log).
    public private(set) var loggedRecords = 0
    /// Where an interrupt request waits for the training thread (see ``requestInterrupt()``);
    /// hand it to a signal handler.
    public let interruptFlag = InterruptFlag()

    /// Training seconds (evaluation excluded) so far, carried over by checkpoints.
    public private(set) var totalTrainSeconds = 0.0
    private var inFit = false

    /// Cross-entropy between the output logits and the batch's labels.
    /// Use as `loss: Trainer.crossEntropy`.
    public static func crossEntropy(_ output: Tensor, _ batch: Batch) -> Tensor {
        guard let labels = batch.labels else { fatalError("Trainer.crossEntropy: the batch has no labels") }
        return Loss.crossEntropy(output, labels)
    }

    /// - Throws: ``MetricError`` for an unknown metric name.
    public init(model: Module, optimizer: Optimizer, loss: @escaping (Tensor, Batch) -> Tensor,
                metrics: [String] = [], classes: Int? = nil,
                scheduler: LearningRateScheduler? = nil, schedulePer: SchedulePer = .epoch,
                callbacks: [TrainerCallback] = [], log: MetricsLogWriter? = nil,
                progress: ProgressReporter? = nil, gradientClipNorm: Float? = nil,
                seed: UInt64? = nil) throws {
        if let gradientClipNorm {
            precondition(gradientClipNorm > 0, "Trainer: gradientClipNorm must be positive, got \(gradientClipNorm)")
        }
        self.model = model
        self.optimizer = optimizer
        self.lossFunction = loss
        self.metricNames = metrics.filter { $0.lowercased() != "loss" }
        self.classes = classes
        self.scheduler = scheduler
        self.schedulePer = schedulePer
        self.callbacks = callbacks
        self.log = log
        self.progress = progress
        self.gradientClipNorm = gradientClipNorm
        self.seed = seed
        trainMetrics = try MetricSet(names: ["loss"] + metrics.filter { $0.lowercased() != "loss" }, classes: classes)
    }

    /// Asks `fit` to stop after the current step (for callbacks).
    public func requestStop() { activeRun?.requestStop() }

    /// Asks `fit` to stop after the current step, leaving the epoch unfinished (no
    /// evaluation), so that a checkpoint written then resumes exactly. Safe to call from any
    /// thread (a signal handler's).
    public func requestInterrupt() { interruptFlag.request() }

    /// Consumes a pending interrupt request.
    fileprivate func takeInterrupt() -> Bool { interruptFlag.take() }

    func makeMetricSet() throws(MetricError) -> MetricSet {
        try MetricSet(names: ["loss"] + metricNames, classes: classes)
    }

    func update(_ set: MetricSet, output: Tensor, batch: Batch, loss: Double) throws {
        set.update(loss: loss, weight: Double(batch.count))
        guard !metricNames.isEmpty else { return }
        let scores = output.detached()
        if let labels = batch.labels { try set.update(scores, labels: labels) }
        if let targets = batch.targets { try set.update(scores, target: targets) }
    }

    func values(_ set: MetricSet, prefix: String) -> [String: Double] {
        var out: [String: Double] = [:]
        for (name, value) in set.compute() { out[prefix.isEmpty ? name : prefix + "_" + name] = value }
        return out
    }

    // MARK: - Evaluation

    /// The metrics (`loss` and the configured ones, unprefixed) over one pass of `loader`
    /// (its epoch 0), in evaluation mode without gradients; the previous mode is restored.
    public func evaluate(_ loader: some BatchSource) throws -> [String: Double] {
        let set = try makeMetricSet()
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        try withNoGrad {
            let it = loader.batches(epoch: 0, startingAt: 0)
            while let batch = it.next() {
                let output: Tensor
                if let dataParallel {
                    // Each rank computes its slice's outputs; the metrics see the whole batch's.
                    let local = dataParallel.localBatch(batch)
                    let mine = local.count > 0 ? model(local.inputs) : nil
                    guard let all = try dataParallel.gather(output: mine, loss: 0, count: local.count).output else { continue }
                    output = all
                } else {
                    output = model(batch.inputs)
                }
                let loss = lossFunction(output, batch)
                try update(set, output: output, batch: batch, loss: Double(loss.item))
            }
        }
        return values(set, prefix: "")
    }

    // MARK: - Training

    private var now: Double { ProgressReporter.monotonicSeconds() }

    /// The run of the `fit` call in progress.
    private weak var activeRun: TrainingRun?

    /// Trains until `epochs` epochs or `steps` optimizer steps have been completed in total
    /// (whichever comes first; at least one must be given), or a callback stops it.
    ///
    /// This is a ``TrainingRun`` of one ``TrainingStage``: the loop, its timing, progress and
    /// logging are the ones every strategy and experiment uses.
    ///
    /// After each epoch the train metrics (over the epoch's batches, with the weights of the
    /// moment) and the `validation` and `test` metrics are logged as ``MetricsRecord``s with
    /// splits `"train"`, `"validation"`, `"test"`. With `evaluateEvery`, the held-out sets
    /// are also evaluated every that many steps. Records carry training seconds (evaluation
    /// excluded) as their `wallSeconds`.
    @discardableResult
    public func fit(train: some BatchSource, validation: (any BatchSource)? = nil, test: (any BatchSource)? = nil,
                    epochs: Int? = nil, steps: Int? = nil, evaluateEvery: Int? = nil) throws -> TrainingSummary {
        precondition(epochs != nil || steps != nil, "Trainer.fit: give epochs, steps or both")
        precondition(train.batchCount > 0, "Trainer.fit: the training loader has no batches")
        if let evaluateEvery { precondition(evaluateEvery > 0, "Trainer.fit: evaluateEvery must be positive") }
        let fitStart = now
        let startStep = globalStep
        inFit = true
        defer { inFit = false }

        let heldOut: [(String, any BatchSource)] = [("validation", validation), ("test", test)].compactMap { s, l in l.map { (s, $0) } }
        let stage = TrainingStage(
            name: "fit", optimizer: optimizer, batches: EpochBatches(train), steps: steps, epochs: epochs,
            scheduler: scheduler, schedulePer: schedulePer,
            evaluation: EvaluationSchedule(
                every: heldOut.isEmpty ? nil : evaluateEvery, atEpochEnd: true, atEnd: true,
                evaluate: { [unowned self] in
                    try heldOut.map { split, loader in (split: split, values: try self.evaluate(loader)) }
                }),
            gradientClipNorm: gradientClipNorm, modules: [model],
            forward: { [unowned self] batch in
                let output = self.model(batch.inputs)
                return StepOutput(loss: self.lossFunction(output, batch), output: output)
            })
        let run = TrainingRun(stages: [stage])
        run.seed = seed
        run.anomalyDetection = anomalyDetection
        run.dataParallel = dataParallel
        run.log = log
        run.progress = progress
        var start = RunPosition()
        start.stageStep = globalStep
        start.step = globalStep
        start.epoch = epoch
        start.batchInEpoch = batchInEpoch
        run.continue(from: start, trainSeconds: totalTrainSeconds)
        let adapter = TrainerRunAdapter(trainer: self)
        run.observers = [adapter]
        activeRun = run
        defer {
            loggedRecords += run.history.count
            activeRun = nil
        }

        for c in callbacks { try c.onTrainBegin(self) }
        let result: RunSummary
        do {
            result = try run.run()
        } catch {
            sync(run)
            totalWallSeconds += now - fitStart
            throw error
        }
        // A finished stage synced the counters at its end (the run moves past it afterwards);
        // a stopped one is still where it stopped.
        if result.stoppedEarly { sync(run) }
        totalWallSeconds += now - fitStart
        let summary = TrainingSummary(
            metrics: latestMetrics, wallSeconds: now - fitStart, steps: globalStep - startStep,
            globalStep: globalStep, samplesSeen: adapter.samplesSeen, epochs: epoch, stoppedEarly: result.stoppedEarly,
            history: result.history, interrupted: run.wasInterrupted)
        for c in callbacks { try c.onTrainEnd(self, summary: summary) }
        return summary
    }

    /// Copies the run's counters into the trainer's (callbacks read them during `fit`).
    fileprivate func sync(_ run: TrainingRun) {
        globalStep = run.position.step
        epoch = run.position.epoch
        batchInEpoch = run.position.batchInEpoch
        totalTrainSeconds = run.trainSeconds
    }

    fileprivate func merge(latest values: [String: Double]) { latestMetrics.merge(values) { $1 } }


    // MARK: - Checkpoints

    /// Writes the model, the optimizer's state and the trainer's counters (`epoch`,
    /// `batch_in_epoch`, `global_step`, `scheduler_step`, `wall_seconds`) to `url`, with
    /// ``Checkpoint/save(model:optimizer:extra:to:)``; `extra` adds entries.
    public func saveCheckpoint(to url: URL, extra: [String: String] = [:]) throws {
        try dataParallel?.synchronizeOptimizerState(optimizer)
        var e = extra
        e["epoch"] = String(epoch)
        e["batch_in_epoch"] = String(batchInEpoch)
        e["global_step"] = String(globalStep)
        e["wall_seconds"] = "\(totalWallSeconds)"
        e["train_seconds"] = "\(totalTrainSeconds)"
        if let scheduler { e["scheduler_step"] = String(scheduler.stepCount) }
        // What a resumed run needs to decide and report as the uninterrupted one would.
        if let state = trainMetrics.checkpointState { e["train_metrics"] = state }
        for (k, v) in latestMetrics { e["latest." + k] = "\(v)" }
        e["log_records"] = String(loggedRecords + (activeRun?.history.count ?? 0))
        e["callbacks"] = String(callbacks.count)
        for (i, c) in callbacks.enumerated() {
            for (k, v) in c.checkpointState() { e["callback.\(i).\(k)"] = v }
        }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Checkpoint.save(model: model, optimizer: optimizer, extra: e, to: url)
    }

    /// Restores the model, the optimizer and the counters from a checkpoint written by
    /// ``saveCheckpoint(to:extra:)`` (or ``CheckpointCallback``), so that the next `fit`
    /// continues where that run stopped. Returns the checkpoint's extra entries.
    @discardableResult
    public func resume(from url: URL) throws -> [String: String] {
        let extra = try Checkpoint.load(into: model, optimizer: optimizer, from: url)
        func int(_ key: String) throws -> Int {
            guard let text = extra[key], let v = Int(text), v >= 0 else {
                throw TrainerError("Trainer.resume: checkpoint \(url.path) has no valid '\(key)' entry")
            }
            return v
        }
        epoch = try int("epoch")
        globalStep = try int("global_step")
        batchInEpoch = extra["batch_in_epoch"].flatMap(Int.init) ?? 0
        totalWallSeconds = extra["wall_seconds"].flatMap(Double.init) ?? 0
        totalTrainSeconds = extra["train_seconds"].flatMap(Double.init) ?? totalWallSeconds
        if let scheduler {
            scheduler.set(stepCount: extra["scheduler_step"].flatMap(Int.init) ?? (schedulePer == .step ? globalStep : epoch))
        }
        // Mid-epoch, the epoch's training metrics so far continue; at an epoch boundary they start afresh.
        trainMetrics.reset()
        if batchInEpoch > 0, let state = extra["train_metrics"] { try trainMetrics.restore(checkpointState: state) }
        latestMetrics = [:]
        for (k, v) in extra where k.hasPrefix("latest.") { latestMetrics[String(k.dropFirst(7))] = Double(v) }
        loggedRecords = extra["log_records"].flatMap(Int.init) ?? 0
        // The callbacks' states go back to the same callbacks; a trainer built with other ones
        // (to evaluate or fine-tune saved weights) starts them afresh.
        if let n = extra["callbacks"].flatMap(Int.init), n == callbacks.count {
            for (i, c) in callbacks.enumerated() {
                let prefix = "callback.\(i)."
                var state: [String: String] = [:]
                for (k, v) in extra where k.hasPrefix(prefix) { state[String(k.dropFirst(prefix.count))] = v }
                try c.restore(checkpointState: state)
            }
        }
        return extra
    }
}

/// Connects a ``Trainer``'s training metrics and callbacks to the run of its `fit`.
final class TrainerRunAdapter: TrainingRunObserver {
    unowned let trainer: Trainer
    private(set) var samplesSeen = 0
    var trainSet: MetricSet { trainer.trainMetrics }

    init(trainer: Trainer) { self.trainer = trainer }

    func epochWillBegin(_ run: TrainingRun, stage: TrainingStage, epoch: Int) throws {
        // A resumed run re-enters its epoch with the metrics restored from the checkpoint.
        if run.position.batchInEpoch == 0 { trainSet.reset() }
        trainer.sync(run)
        for c in trainer.callbacks { try c.onEpochBegin(trainer, epoch: epoch) }
    }

    func batchDidEnd(_ run: TrainingRun, batch: Batch, output: StepOutput, loss: Double) throws {
        samplesSeen += batch.count
        if let out = output.output { try trainer.update(trainSet, output: out, batch: batch, loss: loss) }
    }

    func stepDidEnd(_ run: TrainingRun, stage: TrainingStage, loss: Double) throws {
        trainer.sync(run)
        if trainer.takeInterrupt() { run.requestInterrupt() }
        for c in trainer.callbacks { try c.onStepEnd(trainer, step: run.position.step, loss: loss) }
    }

    func epochMetrics(_ run: TrainingRun) -> [String: Double] {
        trainer.merge(latest: trainer.values(trainSet, prefix: "train"))
        return trainer.values(trainSet, prefix: "")
    }

    func didEvaluate(_ run: TrainingRun, stage: TrainingStage, records: [MetricsRecord]) throws {
        for r in records { trainer.merge(latest: TrainingRun.prefixed(r)) }
    }

    func stageDidEnd(_ run: TrainingRun, stage: TrainingStage) throws { trainer.sync(run) }

    func epochDidEnd(_ run: TrainingRun, stage: TrainingStage, epoch: Int, metrics: [String: Double]) throws -> Bool {
        trainer.sync(run)
        var stop = false
        for c in trainer.callbacks where try c.onEpochEnd(trainer, epoch: epoch, metrics: metrics) { stop = true }
        return stop
    }
}

/// A request to stop training after the current step, safe to make from any thread.
public final class InterruptFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    public init() {}
    public func request() { flag.store(true, ordering: .relaxed) }
    /// Whether a request was pending; clears it.
    public func take() -> Bool { flag.exchange(false, ordering: .relaxed) }
}
