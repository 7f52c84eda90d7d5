import EndToEndKernels
import Foundation

/// Standardization to zero mean and unit variance per group, in one fused op: the core of
/// batch and layer normalization. Composed of primitive ops it took five passes and three
/// temporaries forward and about twice that backward; perf put those at 10–15 % of the conv1d
/// benchmark step.
extension Tensor {
    /// The result of ``standardized(outer:groups:inner:epsilon:)``.
    public struct Standardized {
        /// `(x − mean) / √(variance + ε)`, the input's shape; differentiable with respect to the input.
        public var output: Tensor
        /// Per-group mean, `[groups]` (no gradient).
        public var mean: Tensor
        /// Per-group biased variance (divided by the group's count), `[groups]` (no gradient).
        public var variance: Tensor
    }

    /// Standardizes every group of the tensor viewed as `[outer, groups, inner]` (row-major,
    /// the element count must be `outer·groups·inner`): group `c` is the `outer·inner` elements
    /// `[a, c, b]`. Batch normalization of `[N, C, L]` is `(N, C, L)`; layer normalization over
    /// the last `D` values of `[R, D]` is `(1, R, D)`.
    ///
    /// Each contiguous run is summed in 16 Float lanes and the runs' sums in Double. The gradient is the exact one of this function of
    /// the input, `(g − mean(g) − y·mean(g·y)) / √(variance + ε)` per group; `mean` and
    /// `variance` carry none.
    public func standardized(outer: Int, groups: Int, inner: Int, epsilon: Float) -> Standardized {
        check { () throws(TensorError) in
            guard outer >= 1, groups >= 0, inner >= 1, outer * groups * inner == count else {
                throw TensorError("standardized", "outer \(outer) × groups \(groups) × inner \(inner) must be positive (groups may be 0) and equal the \(count) elements of \(shape)")
            }
            guard epsilon >= 0, epsilon.isFinite else { throw TensorError("standardized", "epsilon must be finite and non-negative, got \(epsilon)") }
        }
        let src = isContiguous ? self : contiguousCopy()
        let x = UnsafePointer(src.storage.pointer + src.offset)
        var means = [Float](repeating: 0, count: groups), variances = means, inverse = means
        let n = Double(outer * inner)
        var out = Tensor(shape: shape) { y, _ in
            means.withUnsafeMutableBufferPointer { pm in
                variances.withUnsafeMutableBufferPointer { pv in
                    inverse.withUnsafeMutableBufferPointer { pi in
                        let pm = pm.baseAddress!, pv = pv.baseAddress!, pi = pi.baseAddress!
                        Self.forEachGroup(groups, work: count) { c in
                            var s = 0.0
                            for a in 0..<outer {
                                let p = x + (a * groups + c) * inner
                                s += Double(RunSums.sum(p, inner))
                            }
                            let mean = s / n
                            let m = Float(mean)
                            var ss = 0.0
                            for a in 0..<outer {
                                let p = x + (a * groups + c) * inner
                                ss += Double(RunSums.centeredSquares(p, inner, mean: m))
                            }
                            let variance = ss / n
                            let inv = Float(1 / (variance + Double(epsilon)).squareRoot())
                            for a in 0..<outer {
                                let o = (a * groups + c) * inner
                                let p = x + o, q = y + o
                                for b in 0..<inner { q[b] = (p[b] - m) * inv }
                            }
                            pm[c] = m
                            pv[c] = Float(variance)
                            pi[c] = inv
                        }
                    }
                }
            }
        }
        let y = out.detached(), inv = inverse
        out.recordUnary(self, op: "standardized") { g in
            let gc = g.isContiguous ? g : g.contiguousCopy()
            let pg = UnsafePointer(gc.storage.pointer + gc.offset), py = UnsafePointer(y.storage.pointer + y.offset)
            return Tensor(shape: y.shape) { dx, _ in
                inv.withUnsafeBufferPointer { pi in
                    let pi = pi.baseAddress!
                    Self.forEachGroup(groups, work: y.count) { c in
                        var sg = 0.0, sgy = 0.0
                        for a in 0..<outer {
                            let o = (a * groups + c) * inner
                            let q = pg + o, r = py + o
                            sg += Double(RunSums.sum(q, inner))
                            sgy += Double(RunSums.dot(q, r, inner))
                        }
                        let mg = Float(sg / n), mgy = Float(sgy / n), k = pi[c]
                        for a in 0..<outer {
                            let o = (a * groups + c) * inner
                            let q = pg + o, r = py + o, d = dx + o
                            for b in 0..<inner { d[b] = k * (q[b] - mg - r[b] * mgy) }
                        }
                    }
                }
            }
        }
        return Standardized(output: out, mean: Tensor(shape: [groups], scalars: means),
                            variance: Tensor(shape: [groups], scalars: variances))
    }

    /// Runs `body(c)` for every group, split over the threads when the work is large enough.
    private static func forEachGroup(_ groups: Int, work: Int, _ body: (Int) -> Void) {
        if work >= ParallelThreshold.elementwise && groups > 1 {
            parallelFor(groups) { r in for c in r { body(c) } }
        } else {
            for c in 0..<groups { body(c) }
        }
    }
}

/// Sums over one contiguous run in 16 lanes: a scalar Float loop cannot be reordered by the
/// compiler, so it would add one element per add latency. Each run's Float sum goes into the
/// caller's Double total.
enum RunSums {
    typealias Lanes = SIMD16<Float>

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Lanes {
        UnsafeRawPointer(p).loadUnaligned(as: Lanes.self)
    }

    static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = Lanes(), i = 0
        while i + 16 <= n { acc += load(p + i); i += 16 }
        var t = acc.sum()
        while i < n { t += p[i]; i += 1 }
        return t
    }

    static func centeredSquares(_ p: UnsafePointer<Float>, _ n: Int, mean: Float) -> Float {
        var acc = Lanes(), i = 0
        let m = Lanes(repeating: mean)
        while i + 16 <= n { let d = load(p + i) - m; acc += d * d; i += 16 }
        var t = acc.sum()
        while i < n { let d = p[i] - mean; t += d * d; i += 1 }
        return t
    }

    static func dot(_ p: UnsafePointer<Float>, _ q: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = Lanes(), i = 0
        while i + 16 <= n { acc += load(p + i) * load(q + i); i += 16 }
        var t = acc.sum()
        while i < n { t += p[i] * q[i]; i += 1 }
        return t
    }
}
