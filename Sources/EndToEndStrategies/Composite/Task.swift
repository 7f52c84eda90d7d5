import EndToEnd
import EndToEndData

/// Where a target comes from in a ``Batch``.
public enum TargetSource: Sendable, Equatable {
    /// The batch's labels (as floats).
    case labels
    /// The batch's regression targets.
    case targets
    /// An intermediate target the data provides, e.g. `"image_labels"` of ``ParityLines``.
    case intermediate(String)

    /// The target tensor in `batch`, or nil when the batch lacks it.
    public func tensor(in batch: Batch) -> Tensor? {
        switch self {
        case .labels: return batch.labels?.asFloat
        case .targets: return batch.targets
        case .intermediate(let key): return batch.intermediates[key]
        }
    }

    public var description: String {
        switch self {
        case .labels: return "labels"
        case .targets: return "targets"
        case .intermediate(let key): return key
        }
    }
}

/// A target for one node's output: which node, what data, which objective, and its weight in
/// combined losses (decomposition).
public struct InterfaceTarget: Sendable, Equatable {
    public var node: String
    public var source: TargetSource
    public var objective: Objective
    public var weight: Float

    public init(node: String, source: TargetSource, objective: Objective, weight: Float = 1) {
        self.node = node
        self.source = source
        self.objective = objective
        self.weight = weight
    }
}

/// What a composite model is trained for: the objective at its output, and the intermediate
/// targets the data provides for chosen module outputs.
public struct Task: Sendable, Equatable {
    public var objective: Objective
    public var source: TargetSource
    public var intermediates: [InterfaceTarget]

    public init(objective: Objective, source: TargetSource = .labels, intermediates: [InterfaceTarget] = []) {
        self.objective = objective
        self.source = source
        self.intermediates = intermediates
    }

    /// The intermediate target on `node`, if any.
    public func target(for node: String) -> InterfaceTarget? { intermediates.first { $0.node == node } }

    /// The output target of `batch`; traps with the source's name when missing.
    func outputTarget(_ batch: Batch) -> Tensor {
        guard let t = source.tensor(in: batch) else { preconditionFailure("Task: the batch has no \(source.description)") }
        return t
    }

    /// The loss at the model output.
    func outputLoss(_ outputs: [String: Tensor], model: CompositeModel, _ batch: Batch) -> Tensor {
        objective.loss(outputs[model.outputNode]!, outputTarget(batch))
    }

    /// The loss of intermediate target `t`.
    func loss(_ t: InterfaceTarget, _ outputs: [String: Tensor], _ batch: Batch) -> Tensor {
        guard let target = t.source.tensor(in: batch) else { preconditionFailure("Task: the batch has no \(t.source.description)") }
        return t.objective.loss(outputs[t.node]!, target)
    }

    /// Checks that every target names a node of `model` other than its output, and that the
    /// `sample` batch provides every target.
    public func validate(for model: CompositeModel, sample: Batch) throws {
        if source.tensor(in: sample) == nil {
            throw StrategyError("task: the data provides no \(source.description) for the output objective")
        }
        for t in intermediates {
            guard model.node(t.node) != nil else {
                throw StrategyError("task: intermediate target on unknown node '\(t.node)'; nodes: \(model.nodeNames.joined(separator: ", "))")
            }
            guard t.node != model.outputNode else {
                throw StrategyError("task: node '\(t.node)' is the output; its target is the task's objective")
            }
            guard t.source.tensor(in: sample) != nil else {
                throw StrategyError("task: the data provides no intermediate target '\(t.source.description)' for node '\(t.node)'; it has: \(sample.intermediates.keys.sorted().joined(separator: ", "))")
            }
        }
    }
}
