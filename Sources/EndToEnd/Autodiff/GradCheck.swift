import Foundation

/// One differentiable function to verify: a name, its inputs, and the function itself.
public struct GradCheckCase: @unchecked Sendable {
    /// The op under test, e.g. `"matmul"`; a case name adds the variant, e.g. `"matmul batched broadcast"`.
    public let op: String
    /// A short description of the variant (shapes, options).
    public let variant: String
    /// Inputs; only those flagged in `differentiable` are checked.
    public let inputs: [Tensor]
    /// Which inputs to differentiate with respect to (default: all).
    public let differentiable: [Bool]
    /// The function under test.
    public let function: ([Tensor]) -> Tensor
    /// Finite-difference step; smaller for ops whose inputs sit near a kink.
    public let epsilon: Float

    public init(_ op: String, _ variant: String = "", inputs: [Tensor], differentiable: [Bool]? = nil, epsilon: Float = 1e-2, _ function: @escaping ([Tensor]) -> Tensor) {
        self.op = op
        self.variant = variant
        self.inputs = inputs
        self.differentiable = differentiable ?? Array(repeating: true, count: inputs.count)
        self.function = function
        self.epsilon = epsilon
    }

    /// `op` and `variant` together.
    public var name: String { variant.isEmpty ? op : "\(op) [\(variant)]" }
}

/// The outcome of checking one case.
public struct GradCheckResult: Sendable {
    public let name: String
    public let op: String
    public let passed: Bool
    /// Largest |analytic - numeric| over the checked elements.
    public let maxAbsoluteError: Double
    /// Largest error relative to the tolerance (≤ 1 passes).
    public let worstRatio: Double
    /// Number of input elements compared.
    public let checkedElements: Int
    /// Why it failed, if it did.
    public let detail: String
}

/// Compares autodiff gradients with central finite differences.
///
/// The output is projected onto fixed random weights, `L = Σ w·f(x)`, so one scalar checks
/// every output element. Forward values are Float32, so the step is fairly large (1e-2)
/// and the tolerance is `atol + rtol·|numeric|` with `atol = rtol = 1e-2` scaled by the
/// gradient's magnitude; inputs for ops with kinks are generated away from them.
public enum GradCheck {
    /// Checks one case. `maxElements` bounds how many elements of each input are perturbed.
    public static func run(_ c: GradCheckCase, maxElements: Int = 64, seed: UInt64 = 1, rtol: Double = 1e-2, atol: Double = 1e-2) -> GradCheckResult {
        var rng = RandomGenerator(seed: seed)
        let leaves = c.inputs.enumerated().map { i, t in c.differentiable[i] ? t.detached().requiringGrad() : t.detached() }
        let out = withGrad { c.function(leaves) }
        let weights = Tensor.uniform(out.shape, low: -1, high: 1, using: &rng)
        func loss(_ inputs: [Tensor]) -> Double {
            let y = withNoGrad { c.function(inputs) }
            let a = y.scalars, w = weights.scalars
            var s = 0.0
            for i in 0..<a.count { s += Double(a[i]) * Double(w[i]) }
            return s
        }
        guard out.requiresGrad else {
            return GradCheckResult(name: c.name, op: c.op, passed: false, maxAbsoluteError: .infinity, worstRatio: .infinity, checkedElements: 0, detail: "output does not require a gradient")
        }
        (out * weights).sum().backward()
        var maxErr = 0.0, worst = 0.0, checked = 0
        var detail = ""
        for (i, leaf) in leaves.enumerated() where c.differentiable[i] {
            let analytic = (leaf.grad ?? Tensor.zeros(leaf.shape)).scalars
            let scale = max(1.0, analytic.map { Double(Swift.abs($0)) }.max() ?? 0)
            let n = leaf.count
            let picks: [Int] = n <= maxElements ? Array(0..<n) : Array(rng.permutation(n).prefix(maxElements))
            let base = leaf.contiguousCopy()
            for j in picks {
                var plus = base, minus = base
                plus.withUnsafeMutableData { p, _ in p[j] += c.epsilon }
                minus.withUnsafeMutableData { p, _ in p[j] -= c.epsilon }
                var inPlus = leaves.map { $0.detached() }, inMinus = inPlus
                inPlus[i] = plus; inMinus[i] = minus
                let numeric = (loss(inPlus) - loss(inMinus)) / (2 * Double(c.epsilon))
                let err = Swift.abs(numeric - Double(analytic[j]))
                let tol = atol * scale + rtol * Swift.abs(numeric)
                maxErr = max(maxErr, err)
                let ratio = err / tol
                if ratio > worst {
                    worst = ratio
                    if ratio > 1 {
                        detail = "input \(i) \(shapeString(leaf.shape)) element \(j): analytic \(analytic[j]) vs numeric \(numeric)"
                    }
                }
                checked += 1
            }
        }
        return GradCheckResult(name: c.name, op: c.op, passed: worst <= 1, maxAbsoluteError: maxErr, worstRatio: worst, checkedElements: checked, detail: detail)
    }
}
