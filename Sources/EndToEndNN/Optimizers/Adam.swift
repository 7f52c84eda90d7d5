import EndToEnd
import Foundation

/// Adam (Kingma and Ba 2015) with PyTorch's update rule and bias correction; with
/// `decoupledWeightDecay` it is AdamW (Loshchilov and Hutter 2019).
public class Adam: Optimizer, @unchecked Sendable {
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    let decoupled: Bool

    public init(_ parameters: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0, decoupledWeightDecay: Bool = false) {
        precondition((0..<1).contains(beta1) && (0..<1).contains(beta2), "Adam: betas must be in [0, 1), got (\(beta1), \(beta2))")
        precondition(epsilon >= 0, "Adam: epsilon must be non-negative")
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        decoupled = decoupledWeightDecay
        super.init(parameters, learningRate: learningRate, weightDecay: weightDecay)
    }

    public override var updatesElementRanges: Bool { true }

    public override func update(_ parameter: Parameter, gradient g: UnsafePointer<Float>, elements r: Range<Int>,
                                state: inout [String: Tensor], group: ParameterGroup) {
        var m = buffer("m", &state, like: parameter), v = buffer("v", &state, like: parameter)
        let t = (state["step"]?.item ?? 0) + 1
        state["m"] = nil; state["v"] = nil  // sole owner: update the moments in place
        let (b1, b2, eps, lr, wd, dec) = (beta1, beta2, epsilon, group.learningRate, group.weightDecay, decoupled)
        let bc1 = 1 - Float(Foundation.pow(Double(b1), Double(t)))
        let bc2Sqrt = Float((1 - Foundation.pow(Double(b2), Double(t))).squareRoot())
        let stepSize = lr / bc1
        let rule = VectorizedUpdate.AdamRule(b1: b1, b2: b2, eps: eps, lr: lr, wd: wd, stepSize: stepSize, bc2Sqrt: bc2Sqrt, decoupled: dec)
        let o = r.lowerBound
        parameter.value.withUnsafeMutableData { p, _ in
            m.withUnsafeMutableData { pm, _ in
                v.withUnsafeMutableData { pv, _ in VectorizedUpdate.adam(count: r.count, parameter: p + o, gradient: g, m: pm + o, v: pv + o, rule) }
            }
        }
        state["m"] = m; state["v"] = v; state["step"] = Tensor(t)
    }
}

/// AdamW: Adam with decoupled weight decay (default 0.01, as in PyTorch).
public final class AdamW: Adam, @unchecked Sendable {
    public init(_ parameters: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0.01) {
        super.init(parameters, learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                   weightDecay: weightDecay, decoupledWeightDecay: true)
    }
}
