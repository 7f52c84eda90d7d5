import Foundation

/// A learning rate as a function of the step (or epoch) count and the group's base rate.
public protocol LearningRateSchedule: Sendable {
    /// The learning rate after `step` scheduler steps, for a group whose base rate is `base`.
    func learningRate(base: Float, step: Int) -> Float
}

/// Drives an optimizer's learning rates with a schedule: call ``step()`` once per epoch
/// (or per batch, as the schedule is defined), after `optimizer.step()`, like PyTorch.
public final class LearningRateScheduler: @unchecked Sendable {
    public let optimizer: Optimizer
    public let schedule: any LearningRateSchedule
    /// Each group's learning rate when the scheduler was made.
    public let baseRates: [Float]
    /// Number of ``step()`` calls so far.
    public private(set) var stepCount = 0

    public init(_ optimizer: Optimizer, schedule: any LearningRateSchedule) {
        self.optimizer = optimizer
        self.schedule = schedule
        baseRates = optimizer.groups.map(\.learningRate)
        apply()
    }

    /// Advances the schedule by one and sets every group's learning rate.
    public func step() {
        stepCount += 1
        apply()
    }

    /// Jumps to a given step count (resuming from a checkpoint).
    public func set(stepCount: Int) {
        self.stepCount = stepCount
        apply()
    }

    private func apply() {
        for i in optimizer.groups.indices where i < baseRates.count {
            optimizer.groups[i].learningRate = schedule.learningRate(base: baseRates[i], step: stepCount)
        }
    }
}

/// Multiplies the rate by `gamma` every `stepSize` steps (PyTorch's `StepLR`).
public struct StepSchedule: LearningRateSchedule {
    public let stepSize: Int, gamma: Float
    public init(stepSize: Int, gamma: Float = 0.1) {
        precondition(stepSize > 0, "StepSchedule: stepSize must be positive")
        self.stepSize = stepSize; self.gamma = gamma
    }
    public func learningRate(base: Float, step: Int) -> Float { base * Float(Foundation.pow(Double(gamma), Double(step / stepSize))) }
}

/// Multiplies the rate by `gamma` every step (PyTorch's `ExponentialLR`).
public struct ExponentialSchedule: LearningRateSchedule {
    public let gamma: Float
    public init(gamma: Float) { self.gamma = gamma }
    public func learningRate(base: Float, step: Int) -> Float { base * Float(Foundation.pow(Double(gamma), Double(step))) }
}

/// Cosine annealing from the base rate to `minimum` over `period` steps (PyTorch's
/// `CosineAnnealingLR`, closed form); past `period` the cosine continues, rising again.
public struct CosineSchedule: LearningRateSchedule {
    public let period: Int, minimum: Float
    public init(period: Int, minimum: Float = 0) {
        precondition(period > 0, "CosineSchedule: period must be positive")
        self.period = period; self.minimum = minimum
    }
    public func learningRate(base: Float, step: Int) -> Float {
        let t = Double(step) / Double(period)
        return minimum + (base - minimum) * Float((1 + Foundation.cos(Double.pi * t)) / 2)
    }
}

/// Linear warmup from 0 to the base rate over `warmup` steps, then cosine annealing to
/// `minimum` at step `total`.
public struct WarmupCosineSchedule: LearningRateSchedule {
    public let warmup: Int, total: Int, minimum: Float
    public init(warmup: Int, total: Int, minimum: Float = 0) {
        precondition(warmup >= 0 && total > warmup, "WarmupCosineSchedule: need 0 <= warmup < total, got \(warmup), \(total)")
        self.warmup = warmup; self.total = total; self.minimum = minimum
    }
    public func learningRate(base: Float, step: Int) -> Float {
        if step < warmup { return base * Float(step + 1) / Float(warmup) }
        let t = Double(min(step - warmup, total - warmup)) / Double(total - warmup)
        return minimum + (base - minimum) * Float((1 + Foundation.cos(Double.pi * t)) / 2)
    }
}

/// The one-cycle policy (Smith 2018) as PyTorch's `OneCycleLR` with cosine annealing: from
/// `base/divFactor` up to `base` (the maximum) over `pctStart` of `totalSteps`, then down
/// to `base/(divFactor·finalDivFactor)`.
public struct OneCycleSchedule: LearningRateSchedule {
    public let totalSteps: Int, pctStart: Double, divFactor: Float, finalDivFactor: Float
    public init(totalSteps: Int, pctStart: Double = 0.3, divFactor: Float = 25, finalDivFactor: Float = 1e4) {
        precondition(totalSteps > 1, "OneCycleSchedule: totalSteps must be at least 2")
        precondition(pctStart > 0 && pctStart < 1, "OneCycleSchedule: pctStart must be in (0, 1)")
        self.totalSteps = totalSteps; self.pctStart = pctStart; self.divFactor = divFactor; self.finalDivFactor = finalDivFactor
    }
    public func learningRate(base maxRate: Float, step: Int) -> Float {
        let initial = Double(maxRate / divFactor), minimum = initial / Double(finalDivFactor)
        let upEnd = pctStart * Double(totalSteps) - 1, downEnd = Double(totalSteps - 1)
        let s = Double(min(step, totalSteps - 1))
        func anneal(_ start: Double, _ end: Double, _ pct: Double) -> Double { end + (start - end) / 2 * (1 + Foundation.cos(Double.pi * pct)) }
        if s <= upEnd { return Float(anneal(initial, Double(maxRate), s / upEnd)) }
        return Float(anneal(Double(maxRate), minimum, (s - upEnd) / (downEnd - upEnd)))
    }
}

/// Divides the learning rate by `1/factor` when a metric stops improving for `patience`
/// checks (PyTorch's `ReduceLROnPlateau`, relative threshold).
public final class ReduceOnPlateau: @unchecked Sendable {
    public enum Mode: String, Sendable { case min, max }
    public let optimizer: Optimizer
    public let mode: Mode, factor: Float, patience: Int, threshold: Float, cooldown: Int, minimumRate: Float
    public private(set) var best: Float
    public private(set) var badChecks = 0
    public private(set) var cooldownLeft = 0

    /// Restores the state a checkpoint recorded (``best``, ``badChecks``, ``cooldownLeft``).
    public func restore(best: Float, badChecks: Int, cooldownLeft: Int) {
        self.best = best
        self.badChecks = badChecks
        self.cooldownLeft = cooldownLeft
    }

    public init(_ optimizer: Optimizer, mode: Mode = .min, factor: Float = 0.1, patience: Int = 10,
                threshold: Float = 1e-4, cooldown: Int = 0, minimumRate: Float = 0) {
        precondition(factor > 0 && factor < 1, "ReduceOnPlateau: factor must be in (0, 1)")
        self.optimizer = optimizer; self.mode = mode; self.factor = factor; self.patience = patience
        self.threshold = threshold; self.cooldown = cooldown; self.minimumRate = minimumRate
        best = mode == .min ? .infinity : -.infinity
    }

    /// Reports the latest value of the monitored metric (e.g. validation loss).
    public func step(metric: Float) {
        let improved = mode == .min ? metric < best * (1 - threshold) : metric > best * (1 + threshold)
        if improved { best = metric; badChecks = 0 } else { badChecks += 1 }
        if cooldownLeft > 0 { cooldownLeft -= 1; badChecks = 0 }
        if badChecks > patience {
            for i in optimizer.groups.indices {
                optimizer.groups[i].learningRate = max(optimizer.groups[i].learningRate * factor, minimumRate)
            }
            cooldownLeft = cooldown
            badChecks = 0
        }
    }
}
