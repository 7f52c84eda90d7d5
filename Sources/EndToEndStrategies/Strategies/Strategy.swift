import EndToEnd
import EndToEndNN
import EndToEndTraining

/// A way to train a composite model: which parameters learn from which losses, in which order.
///
/// Every strategy applies to the same ``StrategySetup`` (model recipe, task, data, optimizer,
/// budget) without rewriting the model, so results are comparable:
///
/// ```swift
/// let setup = StrategySetup(makeModel: { seed in try ParityLinesModel.make(k: 2, seed: seed) }, ...)
/// for strategy: any Strategy in [EndToEndStrategy(), StepByStepStrategy(), DecompositionStrategy()] {
///     let result = try strategy.run(setup)
///     print(result.strategy, result.testAccuracy ?? 0, result.steps, result.wallSeconds)
/// }
/// ```
public protocol Strategy: Sendable {
    /// A short name used in tables and on the command line, e.g. `"end-to-end"`.
    var name: String { get }
    /// Trains a fresh model from `setup` and reports metrics and costs.
    func run(_ setup: StrategySetup) throws -> StrategyResult
}

extension Strategy {
    /// The evaluation closure for a single model.
    func evaluator(_ setup: StrategySetup, _ model: CompositeModel) -> () -> [String: Double] {
        { evaluate(setup, modules: [model], outputs: { model.outputs($0) }, outputNode: model.outputNode) }
    }

    /// Every parameter of `model`, made trainable.
    func trainAll(_ model: CompositeModel) -> [Parameter] {
        model.unfreeze()
        return model.parameters()
    }
}

/// End-to-end: every parameter trained jointly by gradient descent on the loss at the output.
public struct EndToEndStrategy: Strategy {
    public var name: String
    public init(name: String = "end-to-end") { self.name = name }

    public func run(_ setup: StrategySetup) throws -> StrategyResult {
        let model = try setup.makeModel(setup.seed)
        let run = StrategyRun(name: name, setup: setup)
        try run.run([{ .init(
            name: "all", steps: setup.steps, parameters: trainAll(model),
            groups: GradientDiagnostics.groups(for: model, options: setup.diagnostics),
            loss: { batch in setup.task.outputLoss(model.outputs(batch.inputs), model: model, batch) },
            evaluate: evaluator(setup, model)) }], members: [model])
        return run.result()
    }
}

/// Decomposition (Shalev-Shwartz et al. 2017): the end-to-end loss plus the weighted losses of
/// the intermediate targets, all parameters trained jointly.
public struct DecompositionStrategy: Strategy {
    public var name: String
    /// Multiplies every intermediate target's own weight.
    public var auxiliaryWeight: Float

    public init(name: String = "decomposition", auxiliaryWeight: Float = 1) {
        self.name = name
        self.auxiliaryWeight = auxiliaryWeight
    }

    public func run(_ setup: StrategySetup) throws -> StrategyResult {
        guard !setup.task.intermediates.isEmpty else {
            throw StrategyError("\(name): the task has no intermediate targets to decompose with")
        }
        let model = try setup.makeModel(setup.seed)
        let run = StrategyRun(name: name, setup: setup)
        let task = setup.task
        try run.run([{ .init(
            name: "all", steps: setup.steps, parameters: trainAll(model),
            groups: GradientDiagnostics.groups(for: model, options: setup.diagnostics),
            loss: { batch in
                let outs = model.outputs(batch.inputs)
                return task.intermediates.reduce(task.outputLoss(outs, model: model, batch)) { total, t in
                    total + task.loss(t, outs, batch) * (t.weight * auxiliaryWeight)
                }
            },
            evaluate: evaluator(setup, model)) }], members: [model])
        return run.result()
    }
}
