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

    public override func update(_ parameter: Parameter, gradient: Tensor, state: inout [String: Tensor], group: ParameterGroup) {
        let lr = group.learningRate, wd = group.weightDecay, mu = momentum, damp = dampening, nest = nesterov
        let first = state["momentum"] == nil
        var buf = mu != 0 ? buffer("momentum", &state, like: parameter) : Tensor.zeros([])
        state["momentum"] = nil  // drop the dictionary's reference so the buffer is updated in place
        gradient.withContiguousData { g in
            parameter.value.withUnsafeMutableData { p, n in
                if mu == 0 {
                    VectorizedUpdate.apply(count: n, parameter: p, gradient: g) { p, g in
                        p -= lr * (g + wd * p)
                    }
                    return
                }
                buf.withUnsafeMutableData { b, _ in
                    // One loop per case, so that no branch is left inside the loop.
                    switch (first, nest) {
                    case (true, false):
                        VectorizedUpdate.apply(count: n, parameter: p, gradient: g, state: b) { p, b, g in
                            b = g + wd * p; p -= lr * b
                        }
                    case (true, true):
                        VectorizedUpdate.apply(count: n, parameter: p, gradient: g, state: b) { p, b, g in
                            let gi = g + wd * p; b = gi; p -= lr * (gi + mu * b)
                        }
                    case (false, false):
                        VectorizedUpdate.apply(count: n, parameter: p, gradient: g, state: b) { p, b, g in
                            b = mu * b + (1 - damp) * (g + wd * p); p -= lr * b
                        }
                    case (false, true):
                        VectorizedUpdate.apply(count: n, parameter: p, gradient: g, state: b) { p, b, g in
                            let gi = g + wd * p; b = mu * b + (1 - damp) * gi; p -= lr * (gi + mu * b)
                        }
                    }
                }
            }
        }
        if mu != 0 { state["momentum"] = buf }
    }
}
