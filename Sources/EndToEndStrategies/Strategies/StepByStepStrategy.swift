import EndToEnd
import EndToEndNN
import EndToEndTraining

/// Step-by-step: the modules are trained one group at a time, in order, each on its own
/// intermediate target, with everything before it frozen; the last group (up to the output)
/// is trained on the output loss. Optionally followed by end-to-end fine-tuning of every
/// parameter ("pretrain, then end-to-end").
///
/// Nodes are grouped by targets: a group ends at each node that has an intermediate target,
/// and the nodes after the last target form the final group. The budget is split evenly
/// among the groups, after setting aside ``fineTuneFraction`` of it for fine-tuning.
public struct StepByStepStrategy: Strategy {
    public var name: String
    /// Share of the steps spent on end-to-end fine-tuning after the stages (0: none).
    public var fineTuneFraction: Double

    public init(name: String? = nil, fineTuneFraction: Double = 0) {
        precondition((0..<1).contains(fineTuneFraction), "StepByStepStrategy: fineTuneFraction must be in [0, 1)")
        self.name = name ?? (fineTuneFraction > 0 ? "pretrain-end-to-end" : "step-by-step")
        self.fineTuneFraction = fineTuneFraction
    }

    /// The stages for `model` and `task`: node groups, each with the target that trains it
    /// (nil for the final group, trained on the output objective).
    public static func stages(of model: CompositeModel, task: Task) -> [(nodes: [String], target: InterfaceTarget?)] {
        var out: [(nodes: [String], target: InterfaceTarget?)] = []
        var current: [String] = []
        for node in model.nodeNames {
            current.append(node)
            if let t = task.target(for: node), node != model.outputNode {
                out.append((current, t))
                current = []
            }
        }
        if !current.isEmpty { out.append((current, nil)) }
        return out
    }

    public func run(_ setup: StrategySetup) throws -> StrategyResult {
        let model = try setup.makeModel(setup.seed)
        let stages = Self.stages(of: model, task: setup.task)
        guard stages.count >= 2 else {
            throw StrategyError("\(name): the task has no intermediate targets, so there is only one stage (that is end-to-end)")
        }
        let fineTune = Int(Double(setup.steps) * fineTuneFraction)
        let perStage = (setup.steps - fineTune) / stages.count
        guard perStage >= 1 else { throw StrategyError("\(name): \(setup.steps) steps cannot be split into \(stages.count) stages") }
        let run = StrategyRun(name: name, setup: setup)
        let task = setup.task
        let groups = GradientDiagnostics.groups(for: model, options: setup.diagnostics)
        // Each group trains with everything else frozen; the builders run as their stages begin.
        var builders: [() throws -> StrategyRun.Stage] = stages.enumerated().map { i, stage in {
            model.freeze()
            for n in stage.nodes { model.node(n)!.module.unfreeze() }
            let last = stage.nodes.last!
            let steps = i == stages.count - 1 ? setup.steps - fineTune - perStage * (stages.count - 1) : perStage
            return .init(
                name: stage.nodes.joined(separator: "+"), steps: steps,
                parameters: model.parameters(ofNodes: stage.nodes), groups: groups,
                loss: { batch in
                    let outs = model.outputs(batch.inputs, upTo: last)
                    if let t = stage.target { return task.loss(t, outs, batch) }
                    return task.outputLoss(outs, model: model, batch)
                },
                evaluate: evaluator(setup, model))
        } }
        if fineTune > 0 {
            builders.append { .init(
                name: "fine-tune", steps: fineTune, parameters: trainAll(model), groups: groups,
                loss: { batch in task.outputLoss(model.outputs(batch.inputs), model: model, batch) },
                evaluate: evaluator(setup, model)) }
        }
        try run.run(builders, members: [model])
        model.unfreeze()
        return run.result()
    }
}
