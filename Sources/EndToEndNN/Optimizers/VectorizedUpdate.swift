import EndToEndKernels

/// Element-wise optimizer updates eight lanes at a time.
///
/// Why: the scalar update loops read and write through several raw pointers that the
/// compiler cannot prove distinct, so it neither vectorizes them nor hoists the per-rule
/// branches; on the MLP benchmark the SGD update took 11% of a training step. Each rule
/// here is a static function on `SIMD8<Float>` values (which, unlike a closure argument,
/// is reliably inlined into the loop); the tail goes through the same function on
/// zero-padded vectors.
enum VectorizedUpdate {
    /// The hyper-parameters of one SGD update.
    struct SGDRule {
        let lr: Float, wd: Float, mu: Float, damp: Float
        let first: Bool, nesterov: Bool
    }

    /// Elements per parallel chunk: updates are memory-bound, so large tensors are split
    /// across threads and small ones are not worth a dispatch.
    static let grain = 1 << 15

    /// `p -= lr·(g + wd·p)`, or with momentum buffer `b` PyTorch's SGD rule.
    static func sgd(count n: Int, parameter p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                    momentum b: UnsafeMutablePointer<Float>?, _ r: SGDRule) {
        parallelFor(n, grain: grain) { range in
            let o = range.lowerBound
            sgdChunk(count: range.count, parameter: p + o, gradient: g + o, momentum: b.map { $0 + o }, r)
        }
    }

    static func sgdChunk(count n: Int, parameter p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                         momentum b: UnsafeMutablePointer<Float>?, _ r: SGDRule) {
        guard let b else {
            var i = 0
            while i &+ 8 <= n {
                let vp = load(p + i)
                store(vp - r.lr * (load(g + i) + r.wd * vp), p + i)
                i &+= 8
            }
            while i < n { p[i] -= r.lr * (g[i] + r.wd * p[i]); i &+= 1 }
            return
        }
        // One loop per case, so that no branch is left inside a loop.
        switch (r.first, r.nesterov) {
        case (true, false): momentumLoop(n, p, b, g, r, first: true, nesterov: false)
        case (true, true): momentumLoop(n, p, b, g, r, first: true, nesterov: true)
        case (false, false): momentumLoop(n, p, b, g, r, first: false, nesterov: false)
        case (false, true): momentumLoop(n, p, b, g, r, first: false, nesterov: true)
        }
    }

    @inline(__always)
    static func momentumLoop(_ n: Int, _ p: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>,
                             _ r: SGDRule, first: Bool, nesterov: Bool) {
        var i = 0
        while i &+ 8 <= n {
            var vp = load(p + i), vb = load(b + i)
            momentumStep(&vp, &vb, load(g + i), r, first: first, nesterov: nesterov)
            store(vp, p + i); store(vb, b + i)
            i &+= 8
        }
        let rest = n &- i
        guard rest > 0 else { return }
        var vp = SIMD8<Float>(), vb = SIMD8<Float>(), vg = SIMD8<Float>()
        for j in 0..<rest { vp[j] = p[i + j]; vb[j] = b[i + j]; vg[j] = g[i + j] }
        momentumStep(&vp, &vb, vg, r, first: first, nesterov: nesterov)
        for j in 0..<rest { p[i + j] = vp[j]; b[i + j] = vb[j] }
    }

    /// `g += wd·p; b = first ? g : μ·b + (1 − τ)·g; p −= lr·(nesterov ? g + μ·b : b)`.
    @inline(__always)
    static func momentumStep(_ p: inout SIMD8<Float>, _ b: inout SIMD8<Float>, _ g: SIMD8<Float>, _ r: SGDRule,
                             first: Bool, nesterov: Bool) {
        let gi = g + r.wd * p
        b = first ? gi : r.mu * b + (1 - r.damp) * gi
        p -= r.lr * (nesterov ? gi + r.mu * b : b)
    }

    /// The hyper-parameters of one Adam update (bias corrections already applied).
    struct AdamRule {
        let b1: Float, b2: Float, eps: Float, lr: Float, wd: Float
        let stepSize: Float, bc2Sqrt: Float
        let decoupled: Bool
    }

    /// Adam (or AdamW when `decoupled`) with PyTorch's rule, moments `m` and `v` in place.
    static func adam(count n: Int, parameter p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                     m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>, _ r: AdamRule) {
        parallelFor(n, grain: grain) { range in
            let o = range.lowerBound
            if r.decoupled {
                adamLoop(range.count, p + o, m + o, v + o, g + o, r, decoupled: true)
            } else {
                adamLoop(range.count, p + o, m + o, v + o, g + o, r, decoupled: false)
            }
        }
    }

    @inline(__always)
    static func adamLoop(_ n: Int, _ p: UnsafeMutablePointer<Float>, _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>,
                         _ g: UnsafePointer<Float>, _ r: AdamRule, decoupled: Bool) {
        var i = 0
        while i &+ 8 <= n {
            var vp = load(p + i), vm = load(m + i), vv = load(v + i)
            adamStep(&vp, &vm, &vv, load(g + i), r, decoupled: decoupled)
            store(vp, p + i); store(vm, m + i); store(vv, v + i)
            i &+= 8
        }
        let rest = n &- i
        guard rest > 0 else { return }
        var vp = SIMD8<Float>(), vm = SIMD8<Float>(), vv = SIMD8<Float>(), vg = SIMD8<Float>()
        for j in 0..<rest { vp[j] = p[i + j]; vm[j] = m[i + j]; vv[j] = v[i + j]; vg[j] = g[i + j] }
        adamStep(&vp, &vm, &vv, vg, r, decoupled: decoupled)
        for j in 0..<rest { p[i + j] = vp[j]; m[i + j] = vm[j]; v[i + j] = vv[j] }
    }

    @inline(__always)
    static func adamStep(_ p: inout SIMD8<Float>, _ m: inout SIMD8<Float>, _ v: inout SIMD8<Float>, _ g: SIMD8<Float>,
                         _ r: AdamRule, decoupled: Bool) {
        var gi = g
        if decoupled { p *= 1 - r.lr * r.wd } else { gi += r.wd * p }
        m = r.b1 * m + (1 - r.b1) * gi
        v = r.b2 * v + (1 - r.b2) * gi * gi
        p -= r.stepSize * m / (v.squareRoot() / r.bc2Sqrt + r.eps)
    }

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always) static func load(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> { load(UnsafePointer(p)) }

    @inline(__always) static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }
}
