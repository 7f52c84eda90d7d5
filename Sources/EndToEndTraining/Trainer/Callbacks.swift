import EndToEnd
import EndToEndNN
import Foundation

/// Hooks into ``Trainer/fit(train:validation:test:epochs:steps:evaluateEvery:)``, like Keras
/// callbacks. Every hook has an empty default implementation.
///
/// Metric dictionaries use the trainer's prefixed names (`train_loss`,
/// `validation_accuracy`, `test_f1_macro`, ...). A callback can also stop training after
/// the current step with ``Trainer/requestStop()``.
public protocol TrainerCallback: AnyObject {
    /// Before the first step of a `fit` call.
    func onTrainBegin(_ trainer: Trainer) throws
    /// Before the first step of epoch `epoch` (0-based).
    func onEpochBegin(_ trainer: Trainer, epoch: Int) throws
    /// After each optimizer step; `step` is the global step count after it (1-based).
    func onStepEnd(_ trainer: Trainer, step: Int, loss: Double) throws
    /// After epoch `epoch` (0-based) and its evaluations. Return `true` to stop training.
    func onEpochEnd(_ trainer: Trainer, epoch: Int, metrics: [String: Double]) throws -> Bool
    /// At the end of a `fit` call (also after an early stop).
    func onTrainEnd(_ trainer: Trainer, summary: TrainingSummary) throws
    /// What the callback has accumulated (a best value, patience so far), for a checkpoint:
    /// ``restore(checkpointState:)`` gets it back on resume, so a resumed run decides as the
    /// uninterrupted one would.
    func checkpointState() -> [String: String]
    func restore(checkpointState: [String: String]) throws
}

extension TrainerCallback {
    public func onTrainBegin(_ trainer: Trainer) throws {}
    public func onEpochBegin(_ trainer: Trainer, epoch: Int) throws {}
    public func onStepEnd(_ trainer: Trainer, step: Int, loss: Double) throws {}
    public func onEpochEnd(_ trainer: Trainer, epoch: Int, metrics: [String: Double]) throws -> Bool { false }
    public func onTrainEnd(_ trainer: Trainer, summary: TrainingSummary) throws {}
    public func checkpointState() -> [String: String] { [:] }
    public func restore(checkpointState: [String: String]) throws {}
}

/// Whether smaller or larger values of a monitored metric are better.
public enum MonitorMode: Sendable, Equatable {
    case min, max
    /// `.max` for names containing accuracy, precision, recall, f1, auc; else `.min`.
    case auto

    func resolved(for name: String) -> MonitorMode {
        guard self == .auto else { return self }
        let n = name.lowercased()
        return ["accuracy", "precision", "recall", "f1", "auc"].contains { n.contains($0) } ? .max : .min
    }
}

/// Tracks the best value of a monitored metric.
struct BestTracker {
    let mode: MonitorMode
    let minDelta: Double
    var best: Double?

    init(mode: MonitorMode, minDelta: Double) {
        self.mode = mode
        self.minDelta = abs(minDelta)
    }

    /// Records `value`; returns whether it improves on the best by more than `minDelta`.
    mutating func update(_ value: Double) -> Bool {
        guard !value.isNaN else { return false }
        guard let b = best else { best = value; return true }
        let better = mode == .max ? value > b + minDelta : value < b - minDelta
        if better { best = value }
        return better
    }
}

/// Stops training when a monitored metric has not improved for `patience` epochs
/// (Keras' `EarlyStopping`). An improvement must exceed `minDelta`.
public final class EarlyStopping: TrainerCallback {
    public let monitor: String
    public let mode: MonitorMode
    public let patience: Int
    public let minDelta: Double
    private var tracker: BestTracker
    /// Epochs since the last improvement.
    public private(set) var wait = 0
    /// The epoch (0-based) after which training was stopped, if it was.
    public private(set) var stoppedEpoch: Int?
    /// The best value seen so far.
    public var best: Double? { tracker.best }

    public init(monitor: String = "validation_loss", mode: MonitorMode = .auto, patience: Int = 5, minDelta: Double = 0) {
        precondition(patience >= 0, "EarlyStopping: patience must be non-negative, got \(patience)")
        self.monitor = monitor
        self.mode = mode.resolved(for: monitor)
        self.patience = patience
        self.minDelta = minDelta
        tracker = BestTracker(mode: self.mode, minDelta: minDelta)
    }

    public func onTrainBegin(_ trainer: Trainer) throws { stoppedEpoch = nil }

    public func checkpointState() -> [String: String] {
        var s = ["wait": String(wait)]
        if let b = tracker.best { s["best"] = "\(b)" }
        return s
    }

    public func restore(checkpointState s: [String: String]) throws {
        guard let w = s["wait"].flatMap(Int.init), w >= 0 else { throw TrainerError("EarlyStopping: the checkpoint has no valid 'wait'") }
        wait = w
        tracker.best = s["best"].flatMap(Double.init)
    }

    public func onEpochEnd(_ trainer: Trainer, epoch: Int, metrics: [String: Double]) throws -> Bool {
        guard let value = metrics[monitor] else {
            throw TrainerError("EarlyStopping: metric '\(monitor)' is not among \(metrics.keys.sorted())")
        }
        if observe(value) {
            stoppedEpoch = epoch
            return true
        }
        return false
    }

    /// Records one monitored value; returns whether patience has run out.
    func observe(_ value: Double) -> Bool {
        if tracker.update(value) {
            wait = 0
            return false
        }
        wait += 1
        return wait >= patience
    }
}

/// Writes `last.safetensors` after every epoch (and at the end of training) and
/// `best.safetensors` whenever the monitored metric improves, with
/// ``Trainer/saveCheckpoint(to:extra:)`` (model, optimizer state, and the epoch and step
/// counters, so that ``Trainer/resume(from:)`` continues from either file).
public final class CheckpointCallback: TrainerCallback {
    public let directory: URL
    public let monitor: String?
    public let mode: MonitorMode
    private var tracker: BestTracker
    /// The best monitored value so far.
    public var best: Double? { tracker.best }
    /// The epoch (0-based) whose weights are in `best.safetensors`.
    public private(set) var bestEpoch: Int?
    private var lastExtra: [String: String] = [:]

    public var lastURL: URL { directory.appendingPathComponent("last.safetensors") }
    public var bestURL: URL { directory.appendingPathComponent("best.safetensors") }

    /// - Parameter monitor: the metric deciding `best.safetensors`; `nil` writes only `last`.
    public init(directory: URL, monitor: String? = "validation_loss", mode: MonitorMode = .auto) {
        self.directory = directory
        self.monitor = monitor
        let m = monitor.map { mode.resolved(for: $0) } ?? .min
        self.mode = m
        tracker = BestTracker(mode: m, minDelta: 0)
    }

    public func onTrainBegin(_ trainer: Trainer) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    public func checkpointState() -> [String: String] {
        var s: [String: String] = [:]
        if let b = tracker.best { s["best"] = "\(b)" }
        if let e = bestEpoch { s["best_epoch"] = String(e) }
        for (k, v) in lastExtra { s["last." + k] = v }
        return s
    }

    public func restore(checkpointState s: [String: String]) throws {
        tracker.best = s["best"].flatMap(Double.init)
        bestEpoch = s["best_epoch"].flatMap(Int.init)
        lastExtra = [:]
        for (k, v) in s where k.hasPrefix("last.") { lastExtra[String(k.dropFirst(5))] = v }
    }

    public func onEpochEnd(_ trainer: Trainer, epoch: Int, metrics: [String: Double]) throws -> Bool {
        var extra: [String: String] = [:]
        for (k, v) in metrics { extra["metric." + k] = "\(v)" }
        try trainer.saveCheckpoint(to: lastURL, extra: extra)
        lastExtra = extra
        if let monitor {
            guard let value = metrics[monitor] else {
                throw TrainerError("CheckpointCallback: metric '\(monitor)' is not among \(metrics.keys.sorted())")
            }
            if tracker.update(value) {
                bestEpoch = epoch
                extra["monitor"] = monitor
                try trainer.saveCheckpoint(to: bestURL, extra: extra)
            }
        }
        return false
    }

    public func onTrainEnd(_ trainer: Trainer, summary: TrainingSummary) throws {
        // Training may have stopped mid-epoch (a step limit): keep `last` current. At an
        // epoch boundary, keep the epoch's metrics in it.
        try trainer.saveCheckpoint(to: lastURL, extra: trainer.batchInEpoch == 0 ? lastExtra : [:])
    }
}

/// Calls a closure at each epoch end (for logging or custom stopping rules).
public final class LambdaCallback: TrainerCallback {
    let epochEnd: (Trainer, Int, [String: Double]) throws -> Bool
    public init(onEpochEnd: @escaping (Trainer, Int, [String: Double]) throws -> Bool) { epochEnd = onEpochEnd }
    public func onEpochEnd(_ trainer: Trainer, epoch: Int, metrics: [String: Double]) throws -> Bool {
        try epochEnd(trainer, epoch, metrics)
    }
}

// MARK: - The same callbacks on any training run

extension EarlyStopping: TrainingRunObserver {
    /// On a ``TrainingRun`` (a strategy, an experiment stage), patience counts evaluations:
    /// after `patience` evaluations without improvement of `monitor` (a split-prefixed name
    /// such as `test_accuracy`, or a name the evaluator returns as is) the run is asked to
    /// stop; the stage then finishes with its final evaluation.
    public func didEvaluate(_ run: TrainingRun, stage: TrainingStage, records: [MetricsRecord]) throws {
        let metrics = TrainingRun.monitorable(records)
        guard !records.isEmpty else { return }
        guard let value = metrics[monitor] else {
            throw TrainerError("EarlyStopping: metric '\(monitor)' is not among \(metrics.keys.sorted())")
        }
        if observe(value) { run.requestStop() }
    }
}

/// Writes checkpoints of a whole ``TrainingRun`` into `directory`: `last.safetensors` after
/// every evaluation (and every `everySteps` steps, if given), and `best.safetensors` whenever
/// the monitored metric improves. Both are run checkpoints, so
/// ``TrainingRun/resume(from:model:)`` continues from `last`.
public final class RunCheckpointCallback: TrainingRunObserver {
    public let directory: URL
    public let model: Module
    public let monitor: String?
    public let everySteps: Int?
    private var tracker: BestTracker

    public var lastURL: URL { directory.appendingPathComponent("last.safetensors") }
    public var bestURL: URL { directory.appendingPathComponent("best.safetensors") }
    /// The best monitored value so far, and the step it was reached at.
    public var best: Double? { tracker.best }
    public private(set) var bestStep: Int?

    /// - Parameter model: a module holding every parameter the run's stages train.
    public init(directory: URL, model: Module, monitor: String? = nil, mode: MonitorMode = .auto, everySteps: Int? = nil) {
        if let everySteps { precondition(everySteps > 0, "RunCheckpointCallback: everySteps must be positive") }
        self.directory = directory
        self.model = model
        self.monitor = monitor
        self.everySteps = everySteps
        tracker = BestTracker(mode: monitor.map { mode.resolved(for: $0) } ?? .min, minDelta: 0)
    }

    public func stepDidEnd(_ run: TrainingRun, stage: TrainingStage, loss: Double) throws {
        if let everySteps, run.position.step % everySteps == 0 { try run.saveCheckpoint(to: lastURL, model: model) }
    }

    public func didEvaluate(_ run: TrainingRun, stage: TrainingStage, records: [MetricsRecord]) throws {
        try run.saveCheckpoint(to: lastURL, model: model)
        guard let monitor, !records.isEmpty else { return }
        let metrics = TrainingRun.monitorable(records)
        guard let value = metrics[monitor] else {
            throw TrainerError("RunCheckpointCallback: metric '\(monitor)' is not among \(metrics.keys.sorted())")
        }
        if tracker.update(value) {
            bestStep = run.position.step
            try run.saveCheckpoint(to: bestURL, model: model, extra: ["monitor": monitor, "best": "\(value)"])
        }
    }
}

/// Feeds a monitored metric to a ``ReduceOnPlateau`` schedule after every epoch.
public final class PlateauCallback: TrainerCallback {
    public let plateau: ReduceOnPlateau
    public let monitor: String

    public init(_ plateau: ReduceOnPlateau, monitor: String) {
        self.plateau = plateau
        self.monitor = monitor
    }

    public func onEpochEnd(_ trainer: Trainer, epoch: Int, metrics: [String: Double]) throws -> Bool {
        if let v = metrics[monitor] { plateau.step(metric: Float(v)) }
        return false
    }

    public func checkpointState() -> [String: String] {
        ["best": "\(plateau.best)", "bad_checks": String(plateau.badChecks), "cooldown_left": String(plateau.cooldownLeft)]
    }

    public func restore(checkpointState s: [String: String]) throws {
        guard let b = s["best"].flatMap(Float.init), let bad = s["bad_checks"].flatMap(Int.init),
              let cool = s["cooldown_left"].flatMap(Int.init) else {
            throw TrainerError("PlateauCallback: the checkpoint's plateau state is missing or malformed")
        }
        plateau.restore(best: b, badChecks: bad, cooldownLeft: cool)
    }
}
