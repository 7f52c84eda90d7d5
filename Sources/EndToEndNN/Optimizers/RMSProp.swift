import EndToEnd

/// RMSProp with PyTorch's update rule: a running mean of squared gradients scales each
/// step; optional momentum and the centered variant (which subtracts the squared mean).
public final class RMSProp: Optimizer, @unchecked Sendable {
    public let alpha: Float, epsilon: Float, momentum: Float, centered: Bool

    public init(_ parameters: [Parameter], learningRate: Float = 1e-2, alpha: Float = 0.99, epsilon: Float = 1e-8,
                weightDecay: Float = 0, momentum: Float = 0, centered: Bool = false) {
        self.alpha = alpha; self.epsilon = epsilon; self.momentum = momentum; self.centered = centered
        super.init(parameters, learningRate: learningRate, weightDecay: weightDecay)
    }

    public override func update(_ parameter: Parameter, gradient: Tensor, state: inout [String: Tensor], group: ParameterGroup) {
        var sq = buffer("square_avg", &state, like: parameter)
        var ga = centered ? buffer("grad_avg", &state, like: parameter) : Tensor.zeros([1])
        var mb = momentum > 0 ? buffer("momentum", &state, like: parameter) : Tensor.zeros([1])
        state = [:]  // sole owner of the buffers: update them in place
        let (a, eps, mu, c, lr, wd) = (alpha, epsilon, momentum, centered, group.learningRate, group.weightDecay)
        gradient.withContiguousData { g in
            parameter.value.withUnsafeMutableData { p, n in
                sq.withUnsafeMutableData { s, _ in
                    ga.withUnsafeMutableData { m, _ in
                        mb.withUnsafeMutableData { b, _ in
                            for i in 0..<n {
                                let gi = g[i] + wd * p[i]
                                s[i] = a * s[i] + (1 - a) * gi * gi
                                var avg: Float
                                if c {
                                    m[i] = a * m[i] + (1 - a) * gi
                                    avg = (s[i] - m[i] * m[i]).squareRoot() + eps
                                } else {
                                    avg = s[i].squareRoot() + eps
                                }
                                if mu > 0 {
                                    b[i] = mu * b[i] + gi / avg
                                    p[i] -= lr * b[i]
                                } else {
                                    p[i] -= lr * gi / avg
                                }
                            }
                        }
                    }
                }
            }
        }
        state["square_avg"] = sq
        if centered { state["grad_avg"] = ga }
        if momentum > 0 { state["momentum"] = mb }
    }
}

/// Adagrad with PyTorch's update rule: steps shrink with the sum of squared gradients.
public final class Adagrad: Optimizer, @unchecked Sendable {
    public let learningRateDecay: Float, epsilon: Float, initialAccumulator: Float

    public init(_ parameters: [Parameter], learningRate: Float = 1e-2, learningRateDecay: Float = 0, weightDecay: Float = 0,
                initialAccumulatorValue: Float = 0, epsilon: Float = 1e-10) {
        self.learningRateDecay = learningRateDecay; self.epsilon = epsilon; initialAccumulator = initialAccumulatorValue
        super.init(parameters, learningRate: learningRate, weightDecay: weightDecay)
    }

    public override func update(_ parameter: Parameter, gradient: Tensor, state: inout [String: Tensor], group: ParameterGroup) {
        var sum = state["sum"] ?? Tensor.full(parameter.shape, initialAccumulator)
        let t = (state["step"]?.item ?? 0) + 1
        state = [:]
        let clr = group.learningRate / (1 + (t - 1) * learningRateDecay)
        let (eps, wd) = (epsilon, group.weightDecay)
        gradient.withContiguousData { g in
            parameter.value.withUnsafeMutableData { p, n in
                sum.withUnsafeMutableData { s, _ in
                    for i in 0..<n {
                        let gi = g[i] + wd * p[i]
                        s[i] += gi * gi
                        p[i] -= clr * gi / (s[i].squareRoot() + eps)
                    }
                }
            }
        }
        state["sum"] = sum
        state["step"] = Tensor(t)
    }
}
