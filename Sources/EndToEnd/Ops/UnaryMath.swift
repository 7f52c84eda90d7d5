import EndToEndKernels
import Foundation

/// Element-wise functions and activations with their derivatives.
extension Tensor {
    /// A unary op whose derivative is a function of the input `x` alone.
    @inline(__always)
    func unary(_ op: String, cost: Int = ParallelThreshold.transcendental, _ f: @escaping (Float) -> Float, derivative: @escaping (Float) -> Float) -> Tensor {
        var out = mapElements(cost: cost, f)
        let x = detached()
        out.recordUnary(self, op: op) { g in g.zipElements(x, op: op) { $0 * derivative($1) } }
        return out
    }

    /// A unary op whose derivative is cheapest from the output `y` (exp, sigmoid, tanh).
    @inline(__always)
    func unaryFromOutput(_ op: String, _ f: @escaping (Float) -> Float, derivative: @escaping (Float) -> Float) -> Tensor {
        var out = mapElements(cost: ParallelThreshold.transcendental, f)
        let y = out.detached()
        out.recordUnary(self, op: op) { g in g.zipElements(y, op: op) { $0 * derivative($1) } }
        return out
    }

    /// |x|; the gradient at 0 is 0.
    public func abs() -> Tensor {
        unary("abs", cost: ParallelThreshold.elementwise, { Swift.abs($0) }) { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }
    }

    /// A unary op computed by a vectorized buffer kernel, with a derivative from the output.
    /// `gradient.apply(g, y)` is the input's gradient from the output's `g` and the output `y`.
    func vectorized<Gradient: ElementOp>(_ op: String, _ kernel: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void,
                                         gradient: Gradient) -> Tensor {
        var out = mapBuffer(kernel)
        let y = out.detached()
        out.recordUnary(self, op: op) { g in g.zipElements(y, op: op, gradient) }
        return out
    }

    /// e^x.
    public func exp() -> Tensor { vectorized("exp", { VectorMath.exp($0, $1, count: $2) }, gradient: MulOp()) }

    /// Natural logarithm.
    public func log() -> Tensor {
        var out = mapBuffer { VectorMath.log($0, $1, count: $2) }
        let x = detached()
        out.recordUnary(self, op: "log") { g in g / x }
        return out
    }

    /// Square root.
    public func sqrt() -> Tensor { unaryFromOutput("sqrt", { $0.squareRoot() }) { 0.5 / $0 } }

    /// Hyperbolic tangent.
    public func tanh() -> Tensor { vectorized("tanh", { VectorMath.tanh($0, $1, count: $2) }, gradient: TanhGradientOp()) }

    /// The logistic function 1 / (1 + e^-x), computed without overflow.
    public func sigmoid() -> Tensor { vectorized("sigmoid", { VectorMath.sigmoid($0, $1, count: $2) }, gradient: SigmoidGradientOp()) }

    @inline(__always)
    static func sigmoidScalar(_ x: Float) -> Float {
        if x >= 0 { return 1 / (1 + Foundation.exp(-x)) }
        let e = Foundation.exp(x)
        return e / (1 + e)
    }

    /// max(x, 0); the gradient at 0 is 0, as in PyTorch.
    public func relu() -> Tensor {
        // Eight lanes at a time forward and backward: the generic closure loops were 5-8%
        // of the MLP and CNN benchmark steps. `x > 0 ? x : 0` keeps NaN -> 0 as before.
        var out = mapBuffer(cost: ParallelThreshold.elementwise) { x, y, n in
            ReLUKernels.forward(x, y, count: n)
        }
        let y = out.detached()
        out.recordUnary(self, op: "relu") { g in ReLUKernels.backward(g, output: y) }
        return out
    }

    /// x for x > 0, else `slope * x`.
    public func leakyRelu(negativeSlope slope: Float = 0.01) -> Tensor {
        unary("leakyRelu", cost: ParallelThreshold.elementwise, { $0 > 0 ? $0 : slope * $0 }) { $0 > 0 ? 1 : slope }
    }

    /// Gaussian error linear unit. `approximate: false` is x·Φ(x) with the exact normal CDF
    /// (PyTorch's default); `true` uses the tanh approximation.
    public func gelu(approximate: Bool = false) -> Tensor {
        if approximate {
            let c = Float((2 / Double.pi).squareRoot())
            return unary("gelu", { x in
                0.5 * x * (1 + Foundation.tanh(c * (x + 0.044715 * x * x * x)))
            }) { x in
                let u = c * (x + 0.044715 * x * x * x)
                let t = Foundation.tanh(u)
                return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x)
            }
        }
        if CPUKernels.areActive { return geluVectorized() }
        let invSqrt2 = Float(1 / 2.0.squareRoot())
        let invSqrt2Pi = Float(1 / (2 * Double.pi).squareRoot())
        return unary("gelu", { x in 0.5 * x * (1 + Foundation.erf(x * invSqrt2)) }) { x in
            0.5 * (1 + Foundation.erf(x * invSqrt2)) + x * invSqrt2Pi * Foundation.exp(-0.5 * x * x)
        }
    }

    /// The exact GELU through the C kernels (forward and gradient over whole buffers).
    private func geluVectorized() -> Tensor {
        let invSqrt2 = Float(1 / 2.0.squareRoot()), invSqrt2Pi = Float(1 / (2 * Double.pi).squareRoot())
        var out = mapBuffer { x, y, n in
            // The reference formula if the kernels were switched off since the check above.
            if !CPUKernels.gelu(x, y, count: n) { for i in 0..<n { y[i] = 0.5 * x[i] * (1 + Foundation.erf(x[i] * invSqrt2)) } }
        }
        let x = isContiguous ? detached() : contiguousCopy()
        out.recordUnary(self, op: "gelu") { g in
            let gd = g.isContiguous ? g : g.contiguousCopy()
            let px = UnsafePointer(x.storage.pointer + x.offset), pg = UnsafePointer(gd.storage.pointer + gd.offset)
            let n = x.count
            return Tensor(shape: x.shape) { dx, _ in
                parallelFor(n, grain: 4096) { r in
                    if !CPUKernels.geluBackward(px + r.lowerBound, gradient: pg + r.lowerBound, into: dx + r.lowerBound, count: r.count) {
                        // Switched off between forward and backward: the reference derivative.
                        for i in r {
                            let v = px[i]
                            dx[i] = pg[i] * (0.5 * (1 + Foundation.erf(v * invSqrt2)) + v * invSqrt2Pi * Foundation.exp(-0.5 * v * v))
                        }
                    }
                }
            }
        }
        return out
    }

    /// log(1 + e^(βx)) / β, linear above `threshold` (PyTorch's definition).
    public func softplus(beta: Float = 1, threshold: Float = 20) -> Tensor {
        unary("softplus", { x in
            let z = beta * x
            if z > threshold { return x }
            return (Swift.max(z, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(z)))) / beta
        }) { x in
            let z = beta * x
            return z > threshold ? 1 : Tensor.sigmoidScalar(z)
        }
    }

    /// Limits values to `[min, max]`; the gradient is 1 inside the closed interval, else 0.
    public func clamped(min lo: Float? = nil, max hi: Float? = nil) -> Tensor {
        let l = lo ?? -.infinity, h = hi ?? .infinity
        guard l <= h else { fail(TensorError("clamp", "min \(l) is greater than max \(h)")) }
        return unary("clamp", cost: ParallelThreshold.elementwise, { Swift.min(Swift.max($0, l), h) }) { $0 >= l && $0 <= h ? 1 : 0 }
    }

    /// 1 / x.
    public func reciprocal() -> Tensor { 1 / self }

    /// -1, 0 or 1 by sign (no gradient flows).
    public func sign() -> Tensor {
        withNoGrad { mapElements { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) } }
    }
}

/// ReLU's forward (`x > 0 ? x : 0`) and backward (`y > 0 ? g : 0`) eight lanes at a time.
enum ReLUKernels {
    static func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count n: Int) {
        var i = 0
        while i + 8 <= n {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: v.replacing(with: 0, where: .!(v .> 0)), as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { y[i] = x[i] > 0 ? x[i] : 0; i += 1 }
    }

    /// `y = max(y, 0)` in place (NaN -> 0, as ``forward(_:_:count:)``), over threads when large.
    static func forwardInPlace(_ y: UnsafeMutablePointer<Float>, count n: Int) {
        if n >= ParallelThreshold.elementwise {
            parallelFor(n, grain: 4096) { r in forward(y + r.lowerBound, y + r.lowerBound, count: r.count) }
        } else {
            forward(y, y, count: n)
        }
    }

    /// The input gradient of a ReLU whose output was `y`: `g` where `y > 0`, else 0 (dense, `y`'s shape).
    static func backward(_ g: Tensor, output y: Tensor) -> Tensor {
        let gc = g.isContiguous ? g : g.contiguousCopy()
        let pg = UnsafePointer(gc.storage.pointer + gc.offset), py = UnsafePointer(y.storage.pointer + y.offset)
        let n = y.count
        return Tensor(shape: y.shape) { dx, _ in
            if n >= ParallelThreshold.elementwise {
                parallelFor(n, grain: 4096) { r in backward(pg + r.lowerBound, py + r.lowerBound, dx + r.lowerBound, count: r.count) }
            } else {
                backward(pg, py, dx, count: n)
            }
        }
    }

    static func backward(_ g: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, count n: Int) {
        var i = 0
        while i + 8 <= n {
            let vg = UnsafeRawPointer(g + i).loadUnaligned(as: SIMD8<Float>.self)
            let vy = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(dx + i).storeBytes(of: vg.replacing(with: 0, where: .!(vy .> 0)), as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { dx[i] = y[i] > 0 ? g[i] : 0; i += 1 }
    }
}
