import EndToEnd
import EndToEndData
import EndToEndNN

/// What one forward pass of a stage yields: the loss to minimize and, optionally, the model
/// output the training metrics are computed from.
public struct StepOutput {
    public var loss: Tensor
    public var output: Tensor?
    public init(loss: Tensor, output: Tensor? = nil) {
        self.loss = loss
        self.output = output
    }
}

/// When a stage evaluates, and what.
public struct EvaluationSchedule {
    /// Whether the stage evaluates before its first step.
    public enum Start: Sendable, Equatable {
        case never
        case always
        /// Unless the run has already evaluated at this step (a previous stage's final evaluation).
        case unlessJustEvaluated
    }

    /// Which step count ``every`` divides.
    public enum Counter: Sendable, Equatable {
        /// The run's step count over all stages.
        case run
        /// The stage's own step count.
        case stage
    }

    /// Evaluate every this many steps (nil: only at the points below).
    public var every: Int?
    public var counter: Counter
    public var atStart: Start
    /// After every epoch of an epoch-structured stream.
    public var atEpochEnd: Bool
    /// After the stage's last step, unless it has just evaluated.
    public var atEnd: Bool
    /// The metrics, by split (e.g. `[("test", ["test_accuracy": 0.9])]`), in recording order.
    public var evaluate: () throws -> [(split: String, values: [String: Double])]

    public init(every: Int? = nil, counter: Counter = .run, atStart: Start = .never, atEpochEnd: Bool = false,
                atEnd: Bool = false, evaluate: @escaping () throws -> [(split: String, values: [String: Double])]) {
        if let every { precondition(every > 0, "EvaluationSchedule: every must be positive, got \(every)") }
        self.every = every
        self.counter = counter
        self.atStart = atStart
        self.atEpochEnd = atEpochEnd
        self.atEnd = atEnd
        self.evaluate = evaluate
    }

    /// No evaluation.
    public static var none: EvaluationSchedule { EvaluationSchedule { [] } }
}

/// What a stage measures about its gradients (``GradientDiagnostics``).
public struct StageDiagnostics {
    /// The parameter groups measured.
    public var groups: [GradientDiagnostics.Group]
    /// Record each group's gradient norm every this many run steps (0: never), between backward
    /// and the optimizer step; not counted as training time.
    public var gradientNormEvery: Int
    /// Per-example losses for the gradient signal-to-noise ratio, measured at every evaluation:
    /// the number of examples and the loss of example `i`. Not counted as training time.
    public var signalToNoise: (examples: Int, loss: (Int) -> Tensor)?

    public init(groups: [GradientDiagnostics.Group] = [], gradientNormEvery: Int = 0,
                signalToNoise: (examples: Int, loss: (Int) -> Tensor)? = nil) {
        self.groups = groups
        self.gradientNormEvery = gradientNormEvery
        self.signalToNoise = signalToNoise
    }
}

/// One stage of a ``TrainingRun``: which parameters learn, from which loss, with which
/// optimizer and schedule, on which batches, for how long, evaluated when, measured how.
///
/// `Trainer.fit` is a run of one stage; every strategy (end-to-end, step-by-step, local
/// losses, ensembles, ...) and every experiment is a list of them.
public struct TrainingStage {
    public var name: String
    /// The parameters this stage trains (the optimizer's; everything else should be frozen or
    /// absent from the loss). Their element count is the stage's trained-parameter count.
    public var parameters: [Parameter] { optimizer.parameters }
    public var optimizer: Optimizer
    public var scheduler: LearningRateScheduler?
    public var schedulePer: SchedulePer
    public var batches: BatchStream
    /// Optimizer steps this stage takes (nil: until ``epochs``, which then must be given).
    public var steps: Int?
    /// Epochs of an epoch-structured stream (nil: until ``steps``).
    public var epochs: Int?
    /// The forward pass of a batch: its loss (and output for the training metrics).
    public var forward: (Batch) -> StepOutput
    public var evaluation: EvaluationSchedule
    public var diagnostics: StageDiagnostics
    /// Clip the global gradient norm to this before each step.
    public var gradientClipNorm: Float?
    /// Batches (micro-batches) whose gradients are accumulated into one optimizer step; each
    /// loss is scaled by 1/accumulation, so the step equals one on their union for mean losses.
    public var accumulation: Int
    /// Examples a batch example counts for in ``RunSummary/samples`` (an ensemble feeds every
    /// batch to each of its members).
    public var samplesPerExample: Int
    /// Called before each step with the stage's step index (e.g. a per-step learning rate).
    public var beforeStep: ((Int) -> Void)?
    /// Stop the stage after an evaluation whose (merged) metrics satisfy this.
    public var stopWhen: (([String: Double]) -> Bool)?
    /// Called after the stage's last step and final evaluation (e.g. to measure what it trained).
    public var onEnd: (() throws -> Void)?
    /// Modules put in training mode for the stage's steps (their previous mode is restored
    /// after it); evaluation modes are the evaluator's business.
    public var modules: [Module]

    public init(name: String, optimizer: Optimizer, batches: BatchStream, steps: Int? = nil, epochs: Int? = nil,
                scheduler: LearningRateScheduler? = nil, schedulePer: SchedulePer = .epoch,
                evaluation: EvaluationSchedule = .none, diagnostics: StageDiagnostics = StageDiagnostics(),
                gradientClipNorm: Float? = nil, accumulation: Int = 1, samplesPerExample: Int = 1,
                modules: [Module] = [], beforeStep: ((Int) -> Void)? = nil,
                stopWhen: (([String: Double]) -> Bool)? = nil, onEnd: (() throws -> Void)? = nil,
                forward: @escaping (Batch) -> StepOutput) {
        precondition(steps != nil || epochs != nil, "TrainingStage '\(name)': give steps, epochs or both")
        precondition(epochs == nil || batches.batchesPerEpoch != nil,
                     "TrainingStage '\(name)': an epoch budget needs an epoch-structured batch stream")
        precondition(accumulation >= 1, "TrainingStage '\(name)': accumulation must be at least 1")
        if let gradientClipNorm { precondition(gradientClipNorm > 0, "TrainingStage '\(name)': gradientClipNorm must be positive") }
        self.name = name
        self.optimizer = optimizer
        self.batches = batches
        self.steps = steps
        self.epochs = epochs
        self.scheduler = scheduler
        self.schedulePer = schedulePer
        self.evaluation = evaluation
        self.diagnostics = diagnostics
        self.gradientClipNorm = gradientClipNorm
        self.accumulation = accumulation
        self.samplesPerExample = samplesPerExample
        self.modules = modules
        self.beforeStep = beforeStep
        self.stopWhen = stopWhen
        self.onEnd = onEnd
        self.forward = forward
    }

    /// A stage whose loss is a plain function of the batch.
    public init(name: String, optimizer: Optimizer, batches: BatchStream, steps: Int? = nil, epochs: Int? = nil,
                evaluation: EvaluationSchedule = .none, diagnostics: StageDiagnostics = StageDiagnostics(),
                samplesPerExample: Int = 1, beforeStep: ((Int) -> Void)? = nil,
                stopWhen: (([String: Double]) -> Bool)? = nil, onEnd: (() throws -> Void)? = nil,
                loss: @escaping (Batch) -> Tensor) {
        self.init(name: name, optimizer: optimizer, batches: batches, steps: steps, epochs: epochs,
                  evaluation: evaluation, diagnostics: diagnostics, samplesPerExample: samplesPerExample,
                  beforeStep: beforeStep, stopWhen: stopWhen, onEnd: onEnd, forward: { StepOutput(loss: loss($0)) })
    }
}
