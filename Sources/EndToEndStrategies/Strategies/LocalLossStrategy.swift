import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndTraining

/// Local losses: every node but the output gets its own auxiliary head that predicts the
/// output target from the node's output, and the gradient is stopped between nodes, so each
/// module learns only from its local loss (Nøkland & Eidnes 2019; Belilovsky et al. 2019).
///
/// ``Mode/simultaneous`` trains all modules at once, each on its own loss (the output node on
/// the task loss); ``Mode/greedy`` trains them one after another, each with the ones before
/// frozen (greedy layer-wise training), splitting the budget evenly.
public struct LocalLossStrategy: Strategy {
    public enum Mode: String, Sendable {
        case simultaneous
        case greedy
    }

    public var name: String
    public var mode: Mode
    /// Hidden width of each auxiliary head (0: a linear head).
    public var headHidden: Int

    public init(name: String? = nil, mode: Mode = .simultaneous, headHidden: Int = 0) {
        self.name = name ?? (mode == .greedy ? "greedy-layerwise" : "local-losses")
        self.mode = mode
        self.headHidden = headHidden
    }

    /// An auxiliary head for each non-output node, sized from one forward pass of `sample`.
    func heads(for model: CompositeModel, sample: Tensor, seed: UInt64) -> [String: Module] {
        let outs = withNoGrad { model.outputs(sample) }
        let outFeatures = outs[model.outputNode]!.shape.dropFirst().reduce(1, *)
        Random.seed(seed)
        var heads: [String: Module] = [:]
        for node in model.nodeNames.dropLast() {
            let features = outs[node]!.shape.dropFirst().reduce(1, *)
            heads[node] = headHidden > 0
                ? Sequential(Flatten(), Linear(features, headHidden), ReLU(), Linear(headHidden, outFeatures))
                : Sequential(Flatten(), Linear(features, outFeatures))
        }
        return heads
    }

    public func run(_ setup: StrategySetup) throws -> StrategyResult {
        let model = try setup.makeModel(setup.seed)
        let names = model.nodeNames
        guard names.count >= 2 else { throw StrategyError("\(name): the model has a single node, so there is nothing to make local") }
        let heads = heads(for: model, sample: setup.train.batch(at: [0, 1]).inputs, seed: setup.seed &+ 0x10ca1)
        let run = StrategyRun(name: name, setup: setup)
        let task = setup.task
        let groups = GradientDiagnostics.groups(for: model, options: setup.diagnostics)
        let stopBefore = Set(names.dropFirst())
        // The local loss of node `n`: its head's prediction of the output target.
        func local(_ n: String, _ outs: [String: Tensor], _ batch: Batch) -> Tensor {
            task.objective.loss(heads[n]!(outs[n]!), task.outputTarget(batch))
        }
        let headParameters: [Parameter] = names.dropLast().flatMap { heads[$0]!.parameters() }
        switch mode {
        case .simultaneous:
            try run.run([{ .init(
                name: "all", steps: setup.steps,
                parameters: trainAll(model) + headParameters, groups: groups,
                loss: { batch in
                    let outs = model.outputs(batch.inputs, stopGradientBefore: stopBefore)
                    var total = task.outputLoss(outs, model: model, batch)
                    for n in names.dropLast() { total = total + local(n, outs, batch) }
                    return total
                },
                evaluate: evaluator(setup, model)) }], members: [model] + names.dropLast().map { heads[$0]! })
        case .greedy:
            let per = setup.steps / names.count
            guard per >= 1 else { throw StrategyError("\(name): \(setup.steps) steps cannot be split into \(names.count) stages") }
            try run.run(names.enumerated().map { i, n in {
                model.freeze()
                model.node(n)!.module.unfreeze()
                let isOutput = i == names.count - 1
                return .init(
                    name: n, steps: isOutput ? setup.steps - per * (names.count - 1) : per,
                    parameters: model.node(n)!.module.parameters() + (heads[n]?.parameters() ?? []), groups: groups,
                    loss: { batch in
                        let outs = model.outputs(batch.inputs, stopGradientBefore: stopBefore, upTo: n)
                        return isOutput ? task.outputLoss(outs, model: model, batch) : local(n, outs, batch)
                    },
                    evaluate: evaluator(setup, model))
            } }, members: [model] + names.dropLast().map { heads[$0]! })
            model.unfreeze()
        }
        return run.result()
    }
}
