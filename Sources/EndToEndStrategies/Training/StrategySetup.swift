import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndTraining

/// How a comparison shares its budget among strategies.
public enum BudgetPolicy: String, Sendable, Equatable {
    /// Every strategy gets the same number of optimizer steps (an ensemble step updates all
    /// members at once).
    case equalSteps = "steps"
    /// Every strategy sees the same number of examples per model: an ensemble of M members gets
    /// 1/M of the steps, since each of its steps feeds the batch to every member.
    case equalSamples = "samples"
}

/// What the gradient diagnostics record.
public struct DiagnosticsOptions: Sendable, Equatable {
    /// Record each node's gradient norm every this many steps (0: never).
    public var gradientNormEvery: Int
    /// Examples used for the per-example gradients behind the signal-to-noise ratio, computed
    /// at every evaluation (0: no SNR).
    public var snrExamples: Int
    /// Extra parameter groups to measure, by name → parameter-name prefix (e.g.
    /// `"encoder_last": "encoder.layers.8."`), besides one group per node.
    public var snrGroups: [String: String]

    public init(gradientNormEvery: Int = 10, snrExamples: Int = 32, snrGroups: [String: String] = [:]) {
        self.gradientNormEvery = gradientNormEvery
        self.snrExamples = snrExamples
        self.snrGroups = snrGroups
    }
}

/// Everything strategies share in a comparison: how to build the model (the same initial
/// weights for the same seed), the task, the data, the optimizer recipe and the budget.
public struct StrategySetup: @unchecked Sendable {
    /// Builds a freshly initialized model from a seed; strategies call it with ``seed`` (and
    /// ensembles with one seed per member), so all start from the same weights.
    public var makeModel: (UInt64) throws -> CompositeModel
    public var task: Task
    public var train: TrainingData
    public var test: TrainingData
    public var batchSize: Int
    /// Optimizer steps per strategy (see ``policy``).
    public var steps: Int
    public var policy: BudgetPolicy
    /// Evaluate on the test data every this many steps (and at the start and end).
    public var evaluateEvery: Int
    /// Builds an optimizer for the parameters being trained in a stage.
    public var makeOptimizer: ([Parameter]) -> Optimizer
    public var seed: UInt64
    public var diagnostics: DiagnosticsOptions
    /// Batch size for evaluation (no gradients, so it can be large).
    public var evaluationBatchSize: Int
    /// Receives one line per evaluation and stage.
    public var log: (@Sendable (String) -> Void)?
    /// Extra observers of each strategy's ``TrainingRun`` (early stopping, checkpoints, ...),
    /// made per strategy from its name.
    public var runObservers: ((String) -> [TrainingRunObserver])?
    /// Checkpoints that make each strategy run, and so a comparison, resumable (nil: none).
    public var checkpointing: StrategyCheckpointing?
    /// The processes an ensemble spreads its members over (``EnsembleStrategy`` with
    /// ``EnsembleStrategy/spreadsMembers(over:)``), all of which must run the strategy
    /// together, without ``checkpointing``; nil: this process trains every member.
    /// ``Comparison`` sets it under `mpirun`.
    public var memberCommunicator: (any Communicator)?

    public init(makeModel: @escaping (UInt64) throws -> CompositeModel, task: Task, train: TrainingData, test: TrainingData,
                batchSize: Int, steps: Int, policy: BudgetPolicy = .equalSteps, evaluateEvery: Int,
                makeOptimizer: @escaping ([Parameter]) -> Optimizer, seed: UInt64 = 0,
                diagnostics: DiagnosticsOptions = DiagnosticsOptions(), evaluationBatchSize: Int = 100,
                log: (@Sendable (String) -> Void)? = nil) {
        self.makeModel = makeModel
        self.task = task
        self.train = train
        self.test = test
        self.batchSize = batchSize
        self.steps = steps
        self.policy = policy
        self.evaluateEvery = evaluateEvery
        self.makeOptimizer = makeOptimizer
        self.seed = seed
        self.diagnostics = diagnostics
        self.evaluationBatchSize = evaluationBatchSize
        self.log = log
    }

    /// Checks the budget and the data against the model and task.
    public func validate() throws -> CompositeModel {
        guard steps >= 1 else { throw StrategyError("steps must be at least 1, got \(steps)") }
        guard batchSize >= 1, batchSize <= train.count else {
            throw StrategyError("batch size \(batchSize) must be between 1 and the \(train.count) training examples")
        }
        guard evaluateEvery >= 1 else { throw StrategyError("evaluate_every must be at least 1, got \(evaluateEvery)") }
        guard test.count >= 1 else { throw StrategyError("the test data is empty") }
        let model = try makeModel(seed)
        try task.validate(for: model, sample: train.batch(at: [0, min(1, train.count - 1)]))
        return model
    }
}
