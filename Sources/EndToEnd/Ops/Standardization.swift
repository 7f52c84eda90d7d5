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
        standardized(outer: outer, groups: groups, inner: inner, epsilon: epsilon, affine: nil)
    }

    /// ``standardized(outer:groups:inner:epsilon:)`` followed by the per-group affine map
    /// `scale[c] · y + shift[c]` (`scale` and `shift` of `groups` elements): batch
    /// normalization's γ and β in the same op. The output equals `y * scale + shift` computed
    /// by broadcasting, bit for bit; gradients flow to the input, `scale` and `shift`.
    ///
    /// Why one op: the broadcast product and sum, and the reductions of their gradients over
    /// the batch, were four more passes over the activations (about 12 % of the conv1d
    /// benchmark). Here `dscale = Σ g·y` and `dshift = Σ g` are the sums the input gradient
    /// already needs.
    public func standardized(outer: Int, groups: Int, inner: Int, epsilon: Float, scale: Tensor, shift: Tensor) -> Standardized {
        check { () throws(TensorError) in
            guard scale.count == groups, shift.count == groups else {
                throw TensorError("standardized", "scale \(shapeString(scale.shape)) and shift \(shapeString(shift.shape)) must have \(groups) elements, one per group")
            }
        }
        return standardized(outer: outer, groups: groups, inner: inner, epsilon: epsilon, affine: (scale, shift))
    }

    private func standardized(outer: Int, groups: Int, inner: Int, epsilon: Float, affine: (scale: Tensor, shift: Tensor)?) -> Standardized {
        check { () throws(TensorError) in
            guard outer >= 1, groups >= 0, inner >= 1, outer * groups * inner == count else {
                throw TensorError("standardized", "outer \(outer) × groups \(groups) × inner \(inner) must be positive (groups may be 0) and equal the \(count) elements of \(shape)")
            }
            guard epsilon >= 0, epsilon.isFinite else { throw TensorError("standardized", "epsilon must be finite and non-negative, got \(epsilon)") }
        }
        let src = isContiguous ? self : contiguousCopy()
        let x = UnsafePointer(src.storage.pointer + src.offset)
        var means = [Float](repeating: 0, count: groups), variances = means, inverse = means
        let gamma = affine.map { $0.scale.scalars } ?? [], beta = affine.map { $0.shift.scalars } ?? []
        let needGrad = GradMode.isEnabled && (requiresGrad || affine.map { $0.scale.requiresGrad || $0.shift.requiresGrad } ?? false)
        // The standardized values: the output itself without the affine map; kept for the
        // gradient beside the output with it.
        let kept: Tensor? = affine != nil && needGrad ? Tensor(shape: shape) { _, _ in } : nil
        let keptPointer = kept.map { $0.storage.pointer }
        var out = Tensor(shape: shape) { y, _ in
            means.withUnsafeMutableBufferPointer { pm in
                variances.withUnsafeMutableBufferPointer { pv in
                    inverse.withUnsafeMutableBufferPointer { pi in
                        let pm = pm.baseAddress!, pv = pv.baseAddress!, pi = pi.baseAddress!
                        Self.forEachGroup(groups, work: count) { c in
                            let (m, variance, inv) = GroupSums.statistics(x + c * inner, runs: outer, stride: groups * inner,
                                                                          inner: inner, epsilon: epsilon)
                            for a in 0..<outer {
                                let o = (a * groups + c) * inner
                                let p = x + o, q = y + o
                                if affine == nil {
                                    for b in 0..<inner { q[b] = (p[b] - m) * inv }
                                    continue
                                }
                                let (gc, bc) = (gamma[c], beta[c])
                                if let keptPointer {
                                    let k = keptPointer + o
                                    for b in 0..<inner { let t = (p[b] - m) * inv; k[b] = t; q[b] = t * gc + bc }
                                } else {
                                    for b in 0..<inner { q[b] = (p[b] - m) * inv * gc + bc }
                                }
                            }
                            pm[c] = m
                            pv[c] = Float(variance)
                            pi[c] = inv
                        }
                    }
                }
            }
        }
        let y = kept ?? out.detached(), inv = inverse
        // dx per group: γ·(g − mean(g) − y·mean(g·y)) / √(variance + ε); with the affine map
        // also dγ = Σ g·y and dβ = Σ g (the means times the group's count).
        func gradients(_ g: Tensor) -> (dx: Tensor, dScale: [Float], dShift: [Float]) {
            let gc = g.isContiguous ? g : g.contiguousCopy()
            let pg = UnsafePointer(gc.storage.pointer + gc.offset), py = UnsafePointer(y.storage.pointer + y.offset)
            let n = Float(outer * inner)
            var dScale = [Float](repeating: 0, count: affine == nil ? 0 : groups), dShift = dScale
            let dx = Tensor(shape: y.shape) { dx, _ in
                inv.withUnsafeBufferPointer { pi in
                    dScale.withUnsafeMutableBufferPointer { ps in
                        dShift.withUnsafeMutableBufferPointer { pb in
                            // (An empty array's buffer may still have an address: test the map.)
                            let pi = pi.baseAddress!, ps = affine == nil ? nil : ps.baseAddress, pb = affine == nil ? nil : pb.baseAddress
                            Self.forEachGroup(groups, work: y.count) { c in
                                let (mg, mgy) = GroupSums.gradientMeans(pg + c * inner, py + c * inner, runs: outer,
                                                                        stride: groups * inner, inner: inner)
                                let k = pi[c] * (affine == nil ? 1 : gamma[c])
                                if let ps, let pb { ps[c] = mgy * n; pb[c] = mg * n }
                                for a in 0..<outer {
                                    let o = (a * groups + c) * inner
                                    let q = pg + o, r = py + o, d = dx + o
                                    for b in 0..<inner { d[b] = k * (q[b] - mg - r[b] * mgy) }
                                }
                            }
                        }
                    }
                }
            }
            return (dx, dScale, dShift)
        }
        if let affine {
            if needGrad {
                let (scale, shift) = affine
                out.record(op: "standardizedAffine", inputs: [self, scale, shift]) { g in
                    let (dx, ds, db) = gradients(g)
                    return [dx, Tensor(shape: scale.shape, scalars: ds), Tensor(shape: shift.shape, scalars: db)]
                }
            }
        } else {
            out.recordUnary(self, op: "standardized") { g in gradients(g).dx }
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

/// The group sums that ``Tensor/standardized(outer:groups:inner:epsilon:)`` and
/// ``Tensor/layerNorm(weight:bias:epsilon:)`` share, so that the two round alike: each
/// contiguous run of a group summed in Float lanes (``RunSums``), the runs' sums in Double.
/// A group is `runs` runs of `inner` values, the first at `base`, each `stride` after the last.
enum GroupSums {
    /// The mean, the biased variance and `1/√(variance + ε)`.
    @inline(__always)
    static func statistics(_ base: UnsafePointer<Float>, runs: Int, stride: Int, inner: Int,
                           epsilon: Float) -> (mean: Float, variance: Double, inverse: Float) {
        let n = Double(runs * inner)
        var s = 0.0
        for a in 0..<runs { s += Double(RunSums.sum(base + a * stride, inner)) }
        let m = Float(s / n)
        var ss = 0.0
        for a in 0..<runs { ss += Double(RunSums.centeredSquares(base + a * stride, inner, mean: m)) }
        let variance = ss / n
        return (m, variance, Float(1 / (variance + Double(epsilon)).squareRoot()))
    }

    /// `mean(g)` and `mean(g·y)` over the group, for the standardization's input gradient
    /// `(g − mean(g) − y·mean(g·y)) / √(variance + ε)`.
    @inline(__always)
    static func gradientMeans(_ g: UnsafePointer<Float>, _ y: UnsafePointer<Float>, runs: Int, stride: Int,
                              inner: Int) -> (g: Float, gy: Float) {
        let n = Double(runs * inner)
        var sg = 0.0, sgy = 0.0
        for a in 0..<runs {
            sg += Double(RunSums.sum(g + a * stride, inner))
            sgy += Double(RunSums.dot(g + a * stride, y + a * stride, inner))
        }
        return (Float(sg / n), Float(sgy / n))
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
