/// Element-wise optimizer updates eight lanes at a time.
///
/// Why: the scalar update loops read and write through several raw pointers that the
/// compiler cannot prove distinct, so it neither vectorizes them nor hoists the per-rule
/// branches; on the MLP benchmark the SGD update took 11% of a training step. Here the
/// rule is a closure over `SIMD8<Float>` values, inlined into one loop per call site; the
/// tail runs through the same closure on zero-padded vectors.
enum VectorizedUpdate {
    /// For every element: `rule(&p, g)`.
    @inline(__always)
    static func apply(count n: Int, parameter p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                      _ rule: (inout SIMD8<Float>, SIMD8<Float>) -> Void) {
        var i = 0
        while i &+ 8 <= n {
            var vp = load(p + i)
            rule(&vp, load(g + i))
            store(vp, p + i)
            i &+= 8
        }
        let rest = n &- i
        guard rest > 0 else { return }
        var vp = SIMD8<Float>(), vg = SIMD8<Float>()
        for j in 0..<rest { vp[j] = p[i + j]; vg[j] = g[i + j] }
        rule(&vp, vg)
        for j in 0..<rest { p[i + j] = vp[j] }
    }

    /// For every element: `rule(&p, &s, g)` with one state buffer `s` (momentum).
    @inline(__always)
    static func apply(count n: Int, parameter p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                      state s: UnsafeMutablePointer<Float>,
                      _ rule: (inout SIMD8<Float>, inout SIMD8<Float>, SIMD8<Float>) -> Void) {
        var i = 0
        while i &+ 8 <= n {
            var vp = load(p + i), vs = load(s + i)
            rule(&vp, &vs, load(g + i))
            store(vp, p + i); store(vs, s + i)
            i &+= 8
        }
        let rest = n &- i
        guard rest > 0 else { return }
        var vp = SIMD8<Float>(), vs = SIMD8<Float>(), vg = SIMD8<Float>()
        for j in 0..<rest { vp[j] = p[i + j]; vs[j] = s[i + j]; vg[j] = g[i + j] }
        rule(&vp, &vs, vg)
        for j in 0..<rest { p[i + j] = vp[j]; s[i + j] = vs[j] }
    }

    /// For every element: `rule(&p, &s1, &s2, g)` with two state buffers (Adam's moments).
    @inline(__always)
    static func apply(count n: Int, parameter p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                      state s1: UnsafeMutablePointer<Float>, state s2: UnsafeMutablePointer<Float>,
                      _ rule: (inout SIMD8<Float>, inout SIMD8<Float>, inout SIMD8<Float>, SIMD8<Float>) -> Void) {
        var i = 0
        while i &+ 8 <= n {
            var vp = load(p + i), v1 = load(s1 + i), v2 = load(s2 + i)
            rule(&vp, &v1, &v2, load(g + i))
            store(vp, p + i); store(v1, s1 + i); store(v2, s2 + i)
            i &+= 8
        }
        let rest = n &- i
        guard rest > 0 else { return }
        var vp = SIMD8<Float>(), v1 = SIMD8<Float>(), v2 = SIMD8<Float>(), vg = SIMD8<Float>()
        for j in 0..<rest { vp[j] = p[i + j]; v1[j] = s1[i + j]; v2[j] = s2[i + j]; vg[j] = g[i + j] }
        rule(&vp, &v1, &v2, vg)
        for j in 0..<rest { p[i + j] = vp[j]; s1[i + j] = v1[j]; s2[i + j] = v2[j] }
    }

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always) static func load(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> { load(UnsafePointer(p)) }

    @inline(__always) static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }
}
