import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndTraining

/// Ensembling: M copies of the model, trained independently (different seeds, optionally on
/// bootstrap samples) and combined by averaging probabilities, majority vote, or a trained
/// stacking layer.
///
/// ``lambda`` blends independent training (λ = 0) with training the averaged ensemble
/// end-to-end (λ = 1), after Webb et al. 2020, "To Ensemble or Not Ensemble":
/// `L = λ·M·L(avg) + (1 − λ)·Σₘ L(memberₘ)`, where `avg` averages the members' probabilities.
/// The factor M keeps each member's gradient on the same scale at both ends, and makes λ = 0
/// exactly independent training with any optimizer.
public struct EnsembleStrategy: Strategy {
    /// How member outputs are combined at test time.
    public enum Combination: String, Sendable, CaseIterable {
        /// Mean of the members' probabilities (softmax or sigmoid).
        case average
        /// Majority vote of the members' predicted classes (ties go to the lowest class).
        case vote
        /// A linear layer over the concatenated member outputs, trained after the members
        /// (which are frozen) on ``stackingFraction`` of the budget. It starts as the average of
        /// the members' outputs.
        case stacking
    }

    public var name: String
    public var members: Int
    public var combination: Combination
    /// Each member trains on its own bootstrap sample of the training data (λ must be 0).
    public var bagging: Bool
    public var lambda: Float
    /// Share of the steps for training the stacking layer.
    public var stackingFraction: Double
    /// All members start from the same seed (for tests: the ensemble then equals one member).
    public var identicalMembers: Bool

    public init(name: String? = nil, members: Int = 4, combination: Combination = .average, bagging: Bool = false,
                lambda: Float = 0, stackingFraction: Double = 0.1, identicalMembers: Bool = false) {
        self.name = name ?? Self.defaultName(members: members, combination: combination, bagging: bagging, lambda: lambda)
        self.members = members
        self.combination = combination
        self.bagging = bagging
        self.lambda = lambda
        self.stackingFraction = stackingFraction
        self.identicalMembers = identicalMembers
    }

    static func defaultName(members: Int, combination: Combination, bagging: Bool, lambda: Float) -> String {
        var parts = ["ensemble"]
        if bagging { parts.append("bagging") }
        if combination != .average { parts.append(combination.rawValue) }
        if lambda != 0 { parts.append("lambda=\(String(format: "%g", lambda))") }
        return parts.joined(separator: "-")
    }

    /// Whether the members can train on different processes of a job of `size` (then
    /// ``StrategySetup/memberCommunicator`` spreads them): they must be independent (λ = 0: no
    /// joint loss couples them) and at least one per process.
    public func spreadsMembers(over size: Int) -> Bool { size > 1 && lambda == 0 && members >= size }

    /// The steps this ensemble takes under `setup`'s budget policy.
    public func steps(for setup: StrategySetup) -> Int {
        setup.policy == .equalSamples ? max(1, setup.steps / members) : setup.steps
    }

    public func run(_ setup: StrategySetup) throws -> StrategyResult {
        guard members >= 1 else { throw StrategyError("\(name): members must be at least 1, got \(members)") }
        guard (0...1).contains(lambda) else { throw StrategyError("\(name): lambda must be in [0, 1], got \(lambda)") }
        guard !(bagging && lambda != 0) else {
            throw StrategyError("\(name): bagging trains members on different samples, so it needs lambda = 0")
        }
        guard setup.task.objective.isClassification || combination == .average else {
            throw StrategyError("\(name): \(combination.rawValue) needs a classification objective")
        }
        // Spread over an MPI job, member m trains on rank m mod N alone: a rank computes only its
        // members' losses and gradients, the ranks sum the members' loss values (so every rank
        // logs the single process's loss), and before every evaluation each member's weights
        // go from its rank to all (so every rank evaluates the whole ensemble).
        let comm = setup.memberCommunicator.flatMap { $0.size > 1 ? $0 : nil }
        if let comm, !spreadsMembers(over: comm.size) {
            throw StrategyError("\(name): cannot spread \(members) members over \(comm.size) processes (needs lambda = 0 and a member per process)")
        }
        if comm != nil && setup.checkpointing != nil {
            // A rank's checkpoint would hold the other ranks' members as they started.
            throw StrategyError("\(name): an ensemble whose members are spread over processes keeps no checkpoints; set checkpointing to nil")
        }
        let owns: (Int) -> Bool = { m in comm.map { m % $0.size == $0.rank } ?? true }
        let models = try (0..<members).map { m in try setup.makeModel(identicalMembers ? setup.seed : setup.seed &+ UInt64(m)) }
        let objective = setup.task.objective
        let outputNode = models[0].outputNode
        let total = steps(for: setup)
        let stackSteps = combination == .stacking ? max(1, Int(Double(total) * stackingFraction)) : 0
        let memberSteps = total - stackSteps
        guard memberSteps >= 1 else { throw StrategyError("\(name): no steps left for the members after stacking") }
        let run = StrategyRun(name: name, setup: setup, budget: total)
        let groups = GradientDiagnostics.groups(for: models[0], options: setup.diagnostics)
        // Each member draws its randomness (dropout) from its own seed, derived per call, so a
        // member's masks do not depend on which other members run in the same process.
        let memberOutput: (Int, Tensor, UInt64) -> Tensor = { m, x, base in
            Random.seed(SeedDerivation.derive(base, [UInt64(m)]))
            return models[m].outputs(x)[outputNode]!
        }
        let memberOutputs: (Tensor) -> [Tensor] = { x in
            let base = Random.withGenerator { $0.next() }
            return models.indices.map { memberOutput($0, x, base) }
        }
        // The sum of the members' losses from those this process computed (member, loss), in
        // member order. Spread over ranks: the same Float sum of every member's value, carrying
        // the gradient of this rank's members only (x − x.detached() is exactly 0).
        let summed: ([(Int, Tensor)]) -> Tensor = { local in
            let mine = local.dropFirst().reduce(local[0].1) { $0 + $1.1 }
            guard let comm else { return mine }
            var values = [Float](repeating: 0, count: members)
            for (m, l) in local { values[m] = l.item }
            do { try values.withUnsafeMutableBufferPointer { try comm.allreduceSum($0) } } catch { Self.exchangeFailed(error) }
            return (mine - mine.detached()) + Tensor(values.dropFirst().reduce(values[0], +))
        }
        // Every member's weights and buffers from the rank that trains it.
        let synchronize: () -> Void = {
            guard let comm else { return }
            do { for (m, model) in models.enumerated() { try Self.broadcast(model, from: m % comm.size, over: comm) } } catch {
                Self.exchangeFailed(error)
            }
        }
        func averaged(_ outs: [Tensor]) -> Tensor {
            let p = outs.dropFirst().reduce(objective.probabilities(outs[0])) { $0 + objective.probabilities($1) }
            return objective.output(fromProbabilities: p / Float(outs.count))
        }
        var stacker: Linear?
        let combined: (Tensor) -> [String: Tensor] = { x in
            let outs = memberOutputs(x)
            switch combination {
            case .average: return [outputNode: averaged(outs)]
            case .vote: return [outputNode: Self.vote(outs, objective: objective)]
            case .stacking:
                guard let s = stacker else { return [outputNode: averaged(outs)] }
                return [outputNode: Self.stack(outs, s)]
            }
        }
        let evaluateCombined = { () -> [String: Double] in
            synchronize()
            return evaluate(setup, modules: models, includeLoss: combination != .vote, outputs: combined, outputNode: outputNode)
        }

        // The blended loss on one batch shared by all members.
        let task = setup.task
        let lambda = self.lambda, m = Float(members)
        let shared: (Batch) -> Tensor = { batch in
            let target = task.outputTarget(batch)
            if comm != nil {
                let base = Random.withGenerator { $0.next() }
                let local = models.indices.filter(owns).map { m in (m, objective.loss(memberOutput(m, batch.inputs, base), target)) }
                return summed(local) * (1 - lambda)
            }
            let outs = memberOutputs(batch.inputs)
            var loss: Tensor?
            if lambda < 1 {
                loss = summed(outs.enumerated().map { ($0, objective.loss($1, target)) }) * (1 - lambda)
            }
            if lambda > 0 {
                let joint = objective.loss(averaged(outs), target) * (lambda * m)
                loss = loss.map { $0 + joint } ?? joint
            }
            return loss!
        }
        let samplers = (0..<members).map { i in
            SampledBatches(count: setup.train.count, batchSize: setup.batchSize, seed: setup.seed &+ 0xba9 &* UInt64(i + 1),
                           bootstrap: true) { setup.train.batch(at: $0) }
        }
        let bagged: (Batch) -> Tensor = { _ in
            let base = Random.withGenerator { $0.next() }
            return summed(models.indices.filter(owns).map { m in
                let b = samplers[m].next()
                return (m, objective.loss(memberOutput(m, b.inputs, base), task.outputTarget(b)))
            })
        }
        var stages: [() throws -> StrategyRun.Stage] = [{ .init(
            name: "members", steps: memberSteps, parameters: models.flatMap { $0.parameters() }, groups: groups,
            modelsPerStep: members, loss: bagging ? bagged : shared, evaluate: evaluateCombined,
            diagnosticLoss: bagging ? shared : nil) }]
        if combination == .stacking {
            stages.append {
                synchronize()
                let features = withNoGrad { memberOutputs(setup.train.batch(at: [0]).inputs)[0].count }
                let s = Self.averagingStacker(members: members, features: features)
                stacker = s
                for model in models { model.freeze() }
                return .init(
                    name: "stacking", steps: stackSteps, parameters: s.parameters(), groups: [],
                    loss: { batch in
                        let outs = withNoGrad { memberOutputs(batch.inputs) }
                        return objective.loss(Self.stack(outs, s), task.outputTarget(batch))
                    },
                    evaluate: evaluateCombined)
            }
        }
        if bagging { for (i, s) in samplers.enumerated() { run.auxiliaryStreams["bagging.\(i)"] = s } }
        try run.run(stages, members: models)
        synchronize()
        if combination == .stacking { for model in models { model.unfreeze() } }

        // Each member's own accuracy: what the combination adds over its parts.
        var extra: [String: Double] = [:]
        if objective.isClassification {
            var accuracies: [Double] = []
            for (i, model) in models.enumerated() {
                let a = evaluate(setup, modules: [model], includeLoss: false, outputs: { model.outputs($0) }, outputNode: outputNode)
                if let acc = a["test_accuracy"] { extra["member\(i)_accuracy"] = acc; accuracies.append(acc) }
            }
            if !accuracies.isEmpty { extra["members_mean_accuracy"] = accuracies.reduce(0, +) / Double(accuracies.count) }
        }
        return run.result(extra: extra)
    }

    /// Overwrites `model`'s parameters and buffers on every process with `root`'s (one message).
    static func broadcast(_ model: CompositeModel, from root: Int, over comm: any Communicator) throws {
        let parameters = model.parameters(), buffers = model.namedBuffers().map(\.1)
        var flat: [Float] = []
        if comm.rank == root {
            for p in parameters { flat += p.value.scalars }
            for b in buffers { flat += b.value.scalars }
        } else {
            flat = [Float](repeating: 0, count: parameters.reduce(0) { $0 + $1.count } + buffers.reduce(0) { $0 + $1.value.count })
        }
        try flat.withUnsafeMutableBufferPointer { try comm.broadcast($0, root: root) }
        guard comm.rank != root else { return }
        var at = 0
        for p in parameters {
            p.assign(Tensor(shape: p.shape, scalars: Array(flat[at..<(at + p.count)])))
            at += p.count
        }
        for b in buffers {
            b.value = Tensor(shape: b.shape, scalars: Array(flat[at..<(at + b.value.count)]))
            at += b.value.count
        }
    }

    /// A failed exchange between the ranks inside a loss or an evaluation (which cannot
    /// throw): the rank ends, and `mpirun` ends the others.
    static func exchangeFailed(_ error: Error) -> Never {
        fatalError("ensemble: exchanging the members between the processes failed: \(error)")
    }

    /// Majority vote as an output whose argmax (or sign, for one output) is the winning class.
    static func vote(_ outs: [Tensor], objective: Objective) -> Tensor {
        let first = outs[0]
        let c = first.shape.last ?? 1
        if objective == .crossEntropy && c > 1 {
            let rows = first.count / c
            var counts = [Float](repeating: 0, count: first.count)
            for o in outs {
                let s = o.contiguous().scalars
                for r in 0..<rows {
                    var best = 0
                    for j in 1..<c where s[r * c + j] > s[r * c + best] { best = j }
                    counts[r * c + best] += 1
                }
            }
            // Ties go to the lowest class: subtract a tiny index-proportional amount.
            for r in 0..<rows { for j in 0..<c { counts[r * c + j] -= Float(j) * 1e-3 } }
            return Tensor(shape: first.shape, scalars: counts)
        }
        var margin = [Float](repeating: 0, count: first.count)
        for o in outs { for (i, v) in o.contiguous().scalars.enumerated() { margin[i] += v > 0 ? 1 : -1 } }
        return Tensor(shape: first.shape, scalars: margin)
    }

    /// A linear layer over concatenated member outputs, initialized to their mean.
    static func averagingStacker(members: Int, features: Int) -> Linear {
        let layer = Linear(members * features, features)
        var w = [Float](repeating: 0, count: features * members * features)
        for o in 0..<features { for m in 0..<members { w[o * members * features + m * features + o] = 1 / Float(members) } }
        layer.weight.assign(Tensor(shape: [features, members * features], scalars: w))
        if let b = layer.bias { b.assign(Tensor.zeros([features])) }
        return layer
    }

    static func stack(_ outs: [Tensor], _ stacker: Linear) -> Tensor {
        let flat = outs.map { $0.reshaped([$0.shape[0], -1]) }
        let y = stacker(Tensor.concat(flat, axis: 1))
        return y.reshaped(outs[0].shape)
    }
}
