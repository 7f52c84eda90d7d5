import EndToEnd

/// Parameters that share optimizer settings (PyTorch's parameter groups).
public struct ParameterGroup: @unchecked Sendable {
    public var parameters: [Parameter]
    /// Learning rate of this group; schedules scale it.
    public var learningRate: Float
    /// L2 penalty (SGD, Adam) or decoupled decay (AdamW).
    public var weightDecay: Float

    public init(_ parameters: [Parameter], learningRate: Float, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.weightDecay = weightDecay
    }
}

/// The base class of optimizers: parameter groups, per-parameter state, and `step()`.
///
/// A subclass implements one small update rule, ``update(_:gradient:state:group:)``, that
/// writes the parameter's new values in place.
open class Optimizer: @unchecked Sendable {
    /// The parameter groups.
    public var groups: [ParameterGroup]
    /// Number of completed `step()` calls.
    public private(set) var stepCount = 0
    /// Per-parameter buffers (momentum, moments), keyed by parameter identity.
    public var state: [ObjectIdentifier: [String: Tensor]] = [:]

    /// One group holding `parameters`.
    public init(_ parameters: [Parameter], learningRate: Float, weightDecay: Float = 0) {
        groups = [ParameterGroup(parameters, learningRate: learningRate, weightDecay: weightDecay)]
        validateGroups()
    }

    /// Several groups, each with its own learning rate and weight decay.
    public init(groups: [ParameterGroup]) {
        self.groups = groups
        validateGroups()
    }

    private func validateGroups() {
        for (i, g) in groups.enumerated() {
            precondition(g.learningRate >= 0 && g.learningRate.isFinite, "\(type(of: self)): group \(i) has invalid learning rate \(g.learningRate)")
            precondition(g.weightDecay >= 0, "\(type(of: self)): group \(i) has negative weight decay \(g.weightDecay)")
        }
    }

    /// The first group's learning rate; setting it sets every group's.
    public var learningRate: Float {
        get { groups.first?.learningRate ?? 0 }
        set { for i in groups.indices { groups[i].learningRate = newValue } }
    }

    /// Every parameter of every group.
    public var parameters: [Parameter] { groups.flatMap(\.parameters) }

    /// Applies one update to every parameter that has a gradient.
    public func step() { step(shards: [:]) }

    /// Applies one update in which the parameters named in `shards` change only in their
    /// element range (counted in the flattened tensor), from the gradient values there; the
    /// others are updated whole, as by ``step()``. Data-parallel training uses it to split
    /// the update over processes (each updates its range, then the ranges are exchanged).
    /// Needs ``updatesElementRanges``.
    public func step(shards: [ObjectIdentifier: Range<Int>]) {
        precondition(updatesElementRanges || shards.isEmpty, "\(type(of: self)) cannot update an element range")
        stepCount += 1
        withNoGrad {
            for group in groups {
                for p in group.parameters where p.requiresGrad {
                    guard let g = p.grad else { continue }
                    let key = ObjectIdentifier(p)
                    // Taken out of the dictionary so the update rule holds the only reference
                    // to each buffer and writes it in place instead of copying it.
                    var s = state.removeValue(forKey: key) ?? [:]
                    if let r = shards[key] {
                        precondition(r.lowerBound >= 0 && r.upperBound <= p.count, "shard \(r) outside \(p.count) elements")
                        g.contiguous().withContiguousData { update(p, gradient: $0 + r.lowerBound, elements: r, state: &s, group: group) }
                    } else {
                        update(p, gradient: g.contiguous(), state: &s, group: group)
                    }
                    state[key] = s
                }
            }
        }
    }

    /// Whether the update rule works element by element, so that ``step(shards:)`` can apply it
    /// to part of a tensor (``update(_:gradient:elements:state:group:)``). SGD and Adam do.
    open var updatesElementRanges: Bool { false }

    /// The update rule on `elements` of `parameter` only, with `gradient` pointing at the
    /// gradient of the first of them. Buffers in `state` are whole tensors; only their
    /// `elements` change.
    open func update(_ parameter: Parameter, gradient: UnsafePointer<Float>, elements: Range<Int>,
                     state: inout [String: Tensor], group: ParameterGroup) {
        fatalError("\(type(of: self)) does not override update(_:gradient:elements:state:group:)")
    }

    /// Clears the gradients of every parameter.
    public func zeroGrad() { for p in parameters { p.zeroGrad() } }

    /// Sets the completed-step count when resuming from a checkpoint.
    public func restore(stepCount: Int) {
        precondition(stepCount >= 0, "\(type(of: self)): step count must be non-negative, got \(stepCount)")
        self.stepCount = stepCount
    }

    /// The update rule: write `parameter`'s new values in place. An optimizer that
    /// ``updatesElementRanges`` gets this for free: the whole tensor as one range.
    open func update(_ parameter: Parameter, gradient: Tensor, state: inout [String: Tensor], group: ParameterGroup) {
        guard updatesElementRanges else { fatalError("\(type(of: self)) does not override update(_:gradient:state:group:)") }
        gradient.withContiguousData { update(parameter, gradient: $0, elements: 0..<parameter.count, state: &state, group: group) }
    }

    /// A zero buffer shaped like `p`, created on first use.
    func buffer(_ name: String, _ state: inout [String: Tensor], like p: Parameter) -> Tensor {
        if let b = state[name] { return b }
        let b = Tensor.zeros(p.shape)
        state[name] = b
        return b
    }
}

/// Gradient clipping, applied between backward and `step()`.
public enum GradientClipping {
    /// Scales all gradients so their global L2 norm is at most `maxNorm`; returns the norm
    /// before clipping (PyTorch's `clip_grad_norm_`).
    @discardableResult
    public static func clipByGlobalNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
        var total: Double = 0
        for p in parameters { if let g = p.grad { total += Double(g.square().sum().item) } }
        let norm = Float(total.squareRoot())
        let scale = maxNorm / (norm + 1e-6)
        if scale < 1 {
            for p in parameters { if let g = p.grad { p.grad = g * scale } }
        }
        return norm
    }

    /// Clamps every gradient element to `[-limit, limit]`.
    public static func clipByValue(_ parameters: [Parameter], limit: Float) {
        for p in parameters { if let g = p.grad { p.grad = g.clamped(min: -limit, max: limit) } }
    }
}
