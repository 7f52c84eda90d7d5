import EndToEnd
import EndToEndData
import EndToEndNN
import Foundation

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
public struct TrainingSummary: Sendable {
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
    public let log: MetricsLogWriter?
    public let progress: ProgressReporter?
    public let gradientClipNorm: Float?
    public let seed: UInt64?

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

    private var stopRequested = false
    private var inFit = false
    private var fitStart = 0.0
    private var wallOffset = 0.0

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
        _ = try makeMetricSet()  // validate names now
    }

    /// Asks `fit` to stop after the current step (for callbacks).
    public func requestStop() { stopRequested = true }

    func makeMetricSet() throws(MetricError) -> MetricSet {
        try MetricSet(names: ["loss"] + metricNames, classes: classes)
    }

    private func update(_ set: MetricSet, output: Tensor, batch: Batch, loss: Double) throws {
        set.update(loss: loss, weight: Double(batch.count))
        guard !metricNames.isEmpty else { return }
        let scores = output.detached()
        if let labels = batch.labels { try set.update(scores, labels: labels) }
        if let targets = batch.targets { try set.update(scores, target: targets) }
    }

    private func values(_ set: MetricSet, prefix: String) -> [String: Double] {
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
                let output = model(batch.inputs)
                let loss = lossFunction(output, batch)
                try update(set, output: output, batch: batch, loss: Double(loss.item))
            }
        }
        return values(set, prefix: "")
    }

    // MARK: - Training

    private var now: Double { ProgressReporter.monotonicSeconds() }
    private var wallSeconds: Double { wallOffset + (now - fitStart) }

    private func record(_ split: String, _ values: [String: Double], into history: inout [MetricsRecord]) throws {
        let r = MetricsRecord(step: globalStep, epoch: epoch, wallSeconds: wallSeconds, split: split, values: values)
        history.append(r)
        try log?.append(r)
    }

    /// Evaluates the held-out loaders and returns (and logs) their prefixed metrics.
    private func evaluateHeldOut(validation: (any BatchSource)?, test: (any BatchSource)?,
                                 history: inout [MetricsRecord]) throws -> [String: Double] {
        var out: [String: Double] = [:]
        for (split, loader) in [("validation", validation), ("test", test)] {
            guard let loader else { continue }
            let v = try evaluate(loader)
            var prefixed: [String: Double] = [:]
            for (k, x) in v { prefixed[split + "_" + k] = x }
            out.merge(prefixed) { $1 }
            let r = MetricsRecord(step: globalStep, epoch: epoch, wallSeconds: wallSeconds, split: split, values: v)
            history.append(r)
            try log?.append(r)
        }
        latestMetrics.merge(out) { $1 }
        return out
    }

    /// Trains until `epochs` epochs or `steps` optimizer steps have been completed in total
    /// (whichever comes first; at least one must be given), or a callback stops it.
    ///
    /// After each epoch the train metrics (over the epoch's batches, with the weights of the
    /// moment) and the `validation` and `test` metrics are logged as ``MetricsRecord``s with
    /// splits `"train"`, `"validation"`, `"test"`. With `evaluateEvery`, the held-out sets
    /// are also evaluated every that many steps.
    @discardableResult
    public func fit(train: some BatchSource, validation: (any BatchSource)? = nil, test: (any BatchSource)? = nil,
                    epochs: Int? = nil, steps: Int? = nil, evaluateEvery: Int? = nil) throws -> TrainingSummary {
        precondition(epochs != nil || steps != nil, "Trainer.fit: give epochs, steps or both")
        precondition(train.batchCount > 0, "Trainer.fit: the training loader has no batches")
        if let evaluateEvery { precondition(evaluateEvery > 0, "Trainer.fit: evaluateEvery must be positive") }
        stopRequested = false
        fitStart = now
        wallOffset = totalWallSeconds
        let startStep = globalStep
        var samplesSeen = 0
        var history: [MetricsRecord] = []
        var stoppedEarly = false
        inFit = true
        defer { totalWallSeconds = wallSeconds; inFit = false }

        func limitReached() -> Bool {
            if let epochs, epoch >= epochs { return true }
            if let steps, globalStep >= steps { return true }
            return false
        }

        let wasTraining = model.isTraining
        defer { model.train(wasTraining) }
        for c in callbacks { try c.onTrainBegin(self) }

        let trainSet = try makeMetricSet()
        outer: while !limitReached() && !stopRequested {
            model.train()
            trainSet.reset()
            for c in callbacks { try c.onEpochBegin(self, epoch: epoch) }
            progress?.epochBegin(epoch: epoch, totalEpochs: epochs, batches: train.batchCount, startBatch: batchInEpoch)
            let it = train.batches(epoch: epoch, startingAt: batchInEpoch)
            var finishedEpoch = true
            while let batch = it.next() {
                if let seed { Random.seed(Self.stepSeed(seed, globalStep)) }
                optimizer.zeroGrad()
                let output = model(batch.inputs)
                let loss = lossFunction(output, batch)
                loss.backward()
                if let gradientClipNorm {
                    GradientClipping.clipByGlobalNorm(optimizer.parameters, maxNorm: gradientClipNorm)
                }
                optimizer.step()
                globalStep += 1
                batchInEpoch += 1
                samplesSeen += batch.count
                if schedulePer == .step { scheduler?.step() }
                let lossValue = Double(loss.item)
                try update(trainSet, output: output, batch: batch, loss: lossValue)
                progress?.step(samples: batch.count, loss: lossValue)
                for c in callbacks { try c.onStepEnd(self, step: globalStep, loss: lossValue) }
                if let evaluateEvery, globalStep % evaluateEvery == 0, validation != nil || test != nil {
                    _ = try evaluateHeldOut(validation: validation, test: test, history: &history)
                }
                if stopRequested || (steps.map { globalStep >= $0 } ?? false) {
                    finishedEpoch = batchInEpoch >= train.batchCount
                    if !finishedEpoch {
                        // Stopped mid-epoch: log what was trained and keep the position.
                        try record("train", values(trainSet, prefix: ""), into: &history)
                        latestMetrics.merge(values(trainSet, prefix: "train")) { $1 }
                        break outer
                    }
                    break
                }
            }
            guard finishedEpoch else { break }
            epoch += 1
            batchInEpoch = 0
            if schedulePer == .epoch { scheduler?.step() }
            var metrics = values(trainSet, prefix: "train")
            try record("train", values(trainSet, prefix: ""), into: &history)
            latestMetrics.merge(metrics) { $1 }
            metrics.merge(try evaluateHeldOut(validation: validation, test: test, history: &history)) { $1 }
            progress?.epochEnd(epoch: epoch - 1, metrics: metrics)
            var stop = false
            for c in callbacks where try c.onEpochEnd(self, epoch: epoch - 1, metrics: metrics) { stop = true }
            if stop { stoppedEarly = true; break }
        }
        if stopRequested { stoppedEarly = true }
        // A step limit reached mid-epoch without an epoch-end evaluation: evaluate now.
        if batchInEpoch > 0 {
            _ = try evaluateHeldOut(validation: validation, test: test, history: &history)
        }
        totalWallSeconds = wallSeconds
        let summary = TrainingSummary(
            metrics: latestMetrics, wallSeconds: totalWallSeconds - wallOffset, steps: globalStep - startStep,
            globalStep: globalStep, samplesSeen: samplesSeen, epochs: epoch, stoppedEarly: stoppedEarly, history: history)
        for c in callbacks { try c.onTrainEnd(self, summary: summary) }
        return summary
    }

    static func stepSeed(_ seed: UInt64, _ step: Int) -> UInt64 {
        func mix(_ x: UInt64) -> UInt64 {
            var z = x &+ 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        return mix(mix(seed) ^ mix(UInt64(bitPattern: Int64(step)) &+ 0x5EED))
    }

    // MARK: - Checkpoints

    /// Writes the model, the optimizer's state and the trainer's counters (`epoch`,
    /// `batch_in_epoch`, `global_step`, `scheduler_step`, `wall_seconds`) to `url`, with
    /// ``Checkpoint/save(model:optimizer:extra:to:)``; `extra` adds entries.
    public func saveCheckpoint(to url: URL, extra: [String: String] = [:]) throws {
        var e = extra
        e["epoch"] = String(epoch)
        e["batch_in_epoch"] = String(batchInEpoch)
        e["global_step"] = String(globalStep)
        e["wall_seconds"] = "\(inFit ? wallSeconds : totalWallSeconds)"
        if let scheduler { e["scheduler_step"] = String(scheduler.stepCount) }
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
        if let scheduler {
            scheduler.set(stepCount: extra["scheduler_step"].flatMap(Int.init) ?? (schedulePer == .step ? globalStep : epoch))
        }
        return extra
    }
}
