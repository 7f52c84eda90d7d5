import EndToEnd

/// Stochastic gradient descent with momentum, Nesterov momentum and L2 weight decay,
/// with PyTorch's update rule:
/// `g += wd·p; b = μ·b + (1 − τ)·g (b = g at the first step); g = nesterov ? g + μ·b : b; p −= lr·g`.
public final class SGD: Optimizer, @unchecked Sendable {
    public let momentum: Float
    public let dampening: Float
    public let nesterov: Bool

    public init(_ parameters: [Parameter], learningRate: Float, momentum: Float = 0, dampening: Float = 0,
                nesterov: Bool = false, weightDecay: Float = 0) {
        precondition(!nesterov || (momentum > 0 && dampening == 0), "SGD: Nesterov momentum needs momentum > 0 and no dampening")
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        super.init(parameters, learningRate: learningRate, weightDecay: weightDecay)
    }

    public override var updatesElementRanges: Bool { true }

    public override func update(_ parameter: Parameter, gradient g: UnsafePointer<Float>, elements r: Range<Int>,
                                state: inout [String: Tensor], group: ParameterGroup) {
        let lr = group.learningRate, wd = group.weightDecay, mu = momentum, damp = dampening, nest = nesterov
        let first = state["momentum"] == nil
        var buf = mu != 0 ? buffer("momentum", &state, like: parameter) : Tensor.zeros([])
        state["momentum"] = nil  // drop the dictionary's reference so the buffer is updated in place
        let rule = VectorizedUpdate.SGDRule(lr: lr, wd: wd, mu: mu, damp: damp, first: first, nesterov: nest)
        parameter.value.withUnsafeMutableData { p, _ in
            if mu == 0 {
                VectorizedUpdate.sgd(count: r.count, parameter: p + r.lowerBound, gradient: g, momentum: nil, rule)
            } else {
                buf.withUnsafeMutableData { b, _ in
                    VectorizedUpdate.sgd(count: r.count, parameter: p + r.lowerBound, gradient: g, momentum: b + r.lowerBound, rule)
                }
            }
        }
        if mu != 0 { state["momentum"] = buf }
    }
}
