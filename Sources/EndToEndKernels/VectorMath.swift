// Vectorized Float32 transcendental functions (exp, log, tanh, sigmoid).
//
// Everything here is written against baseline x86-64 (SSE2): no FMA and no SSE4.1
// `roundps`/`pmulld`, so the kernels use only packed add/mul/div/compare/logic and
// integer add/shift. Two tricks make that possible:
//  * round-to-nearest via the "magic number" 0x1.8p23: adding it pushes the fraction
//    bits out of the mantissa, and the low mantissa bits of the sum are the rounded
//    integer in two's complement, so no float->int conversion instruction is needed;
//  * 2^n is built directly from its IEEE-754 bit pattern ((n + 127) << 23).
// Branches are replaced by lane selects (`replacing(with:where:)`), which lower to
// cmpps + and/andn/or, so special values cost nothing extra in the common case.
// Polynomials are the classic Cephes (exp, tanh) and fdlibm/musl (log) single-precision fits.

/// Element-wise vectorized transcendental functions over `Float` buffers.
///
/// The buffer entry points process eight lanes at a time and handle any `count`
/// (including tails that are not a multiple of eight, and zero). Input and output may be
/// the same buffer (in-place use); other partial overlaps are not supported.
///
/// Every result is computed by the same code path, so a value's result never depends on its
/// position in the buffer. On CPUs with AVX-512 or AVX2 + FMA, `exp`, `tanh` and `sigmoid`
/// over buffers run the same algorithm in C (`EndToEndKernelsC`, 16 or 8 lanes,
/// with fused multiply-adds, so within an ulp or two of the `SIMD8` path; see ``CPUKernels``).
///
/// Accuracy (against a Double-precision reference):
/// - ``exp(_:_:count:)``: relative error ≤ ~1.2e-7 on [-87, 88]; +inf above ~88.72,
///   gradual underflow to denormals and 0 below ~-87.3; `exp(0) == 1`.
/// - ``log(_:_:count:)``: absolute error ≤ ~1.2e-7·max(1, |log x|) for all positive
///   finite inputs, denormals included; `log(1) == 0`, `log(0) == -inf`,
///   `log(x < 0) == NaN`, `log(+inf) == +inf`.
/// - ``tanh(_:_:count:)``: absolute error ≤ ~1.2e-7, relative accuracy near zero,
///   exactly odd, exactly ±1 for |x| > 9.
/// - ``sigmoid(_:_:count:)``: absolute error ≤ ~1e-7, no overflow/NaN for large |x|.
///
/// NaN inputs produce NaN outputs for all functions.
import EndToEndKernelsC

public enum VectorMath {

    // MARK: - Buffer entry points

    /// Computes `y[i] = exp(x[i])` for `i` in `0..<count`. `x` and `y` may be identical.
    public static func exp(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        // The C kernel when this CPU has one (same algorithm, 16 or 8 lanes with FMA).
        let isa = CPUKernels.isa
        if isa != 0 && count > 0, e2e_vexp(isa, x, y, count) == 0 { return }
        map(x, y, count) { _exp($0) }
    }

    /// Computes `y[i] = log(x[i])` (natural logarithm) for `i` in `0..<count`.
    /// `x` and `y` may be identical.
    public static func log(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        map(x, y, count) { _log($0) }
    }

    /// Computes `y[i] = tanh(x[i])` for `i` in `0..<count`. `x` and `y` may be identical.
    public static func tanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        // The C kernel when this CPU has one (same algorithm, 16 or 8 lanes with FMA).
        let isa = CPUKernels.isa
        if isa != 0 && count > 0, e2e_vtanh(isa, x, y, count) == 0 { return }
        map(x, y, count) { _tanh($0) }
    }

    /// Computes `y[i] = 1 / (1 + exp(-x[i]))` for `i` in `0..<count`.
    /// `x` and `y` may be identical.
    public static func sigmoid(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        // The C kernel when this CPU has one (same algorithm, 16 or 8 lanes with FMA).
        let isa = CPUKernels.isa
        if isa != 0 && count > 0, e2e_vsigmoid(isa, x, y, count) == 0 { return }
        map(x, y, count) { _sigmoid($0) }
    }

    /// Applies `f` to `count` floats eight at a time. Inlined so that `f` is inlined into the
    /// loop body (no indirect call per vector).
    @inline(__always)
    @usableFromInline
    static func map(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int,
                    _ f: (SIMD8<Float>) -> SIMD8<Float>) {
        var i = 0
        // Unaligned raw loads/stores: callers' buffers carry only Float alignment.
        // Loading the whole vector before storing makes in-place (x == y) safe.
        while i &+ 8 <= count {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: f(v), as: SIMD8<Float>.self)
            i &+= 8
        }
        let rest = count &- i
        if rest > 0 {
            // Zero-padded temporary so the tail goes through the identical SIMD code path.
            var t = SIMD8<Float>()
            for j in 0..<rest { t[j] = x[i + j] }
            t = f(t)
            for j in 0..<rest { y[i + j] = t[j] }
        }
    }

    // MARK: - Bit helpers

    @inline(__always) @usableFromInline
    static func bits(_ v: SIMD8<Float>) -> SIMD8<Int32> { unsafeBitCast(v, to: SIMD8<Int32>.self) }

    @inline(__always) @usableFromInline
    static func float(_ v: SIMD8<Int32>) -> SIMD8<Float> { unsafeBitCast(v, to: SIMD8<Float>.self) }

    // MARK: - SIMD8 kernels

    /// Vector `exp`, usable from other kernels. See ``VectorMath`` for accuracy.
    ///
    /// Method: `exp(x) = 2^n · exp(r)` with `n = round(x / ln 2)`, `|r| ≤ ln2/2`, a degree-6
    /// polynomial for `exp(r)`, and `2^n` applied as two power-of-two factors.
    @inlinable
    public static func exp(_ v: SIMD8<Float>) -> SIMD8<Float> { _exp(v) }

    // Force-inlined body: the optimizer otherwise keeps it out of line (it is large), which
    // costs a call per vector and re-materialized constants in the buffer loops.
    @inline(__always) @usableFromInline
    static func _exp(_ v: SIMD8<Float>) -> SIMD8<Float> {
        // Clamp so n stays in [-150, 128]. Beyond 89 the true result overflows anyway, and the
        // final scaling rounds to +inf naturally; below -104 it rounds to 0. NaN fails both
        // comparisons and propagates through the arithmetic.
        var x = v.replacing(with: 89, where: v .> 89)
        x = x.replacing(with: -104, where: x .< -104)

        // n = round(x * log2(e)) via the magic-number trick (SSE2 has no roundps).
        let magic: Float = 0x1.8p23
        let t = x * 1.44269504088896341 + magic
        let n = t - magic
        // Cody–Waite reduction: ln2 split so that n * ln2Hi is exact.
        var r = x - n * 0.693359375
        r = r - n * -2.12194440e-4

        let z = r * r
        var p = SIMD8<Float>(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        p = p * z + r + 1

        // Integer n sits in the low mantissa bits of t. Split 2^n = 2^n1 · 2^n2 so both
        // factors are normal floats across the whole clamped range; this lets results
        // near FLT_MAX and in the denormal range come out with a single final rounding.
        let ni = bits(t) &- 0x4B40_0000
        let n1 = ni &>> 1
        let n2 = ni &- n1
        let s1 = float((n1 &+ 127) &<< 23)
        let s2 = float((n2 &+ 127) &<< 23)
        return p * s1 * s2
    }

    /// Vector natural logarithm, usable from other kernels. See ``VectorMath`` for accuracy.
    ///
    /// Method: `x = m · 2^e` with `m` in `[√½, √2)`, `log x = e·ln2 + log1p(m - 1)` with a
    /// `log1p(f) = 2·atanh(f / (2 + f))` via a
    /// degree-4 polynomial in `s²` (fdlibm/musl `logf` coefficients).
    @inlinable
    public static func log(_ v: SIMD8<Float>) -> SIMD8<Float> { _log(v) }

    @inline(__always) @usableFromInline
    static func _log(_ v: SIMD8<Float>) -> SIMD8<Float> {
        // Denormals have no implicit leading bit: scale them into the normal range first.
        // Done with integer masks (scale = 1.0 or 2^23 by adding 23 to the exponent field)
        // rather than float selects: fewer SSE2 instructions.
        let tiny = SIMD8<Int32>(repeating: 0).replacing(with: -1, where: v .< Float.leastNormalMagnitude)
        let xs = v * float(0x3F80_0000 &+ (tiny & (23 << 23)))
        // Split x = m·2^e with m in [√½, √2) using integer ops only (musl's trick): biasing
        // the bits by (1.0 - √½) carries into the exponent exactly when m ≥ √2, so no compare
        // or select is needed to centre m around 1.
        let b = bits(xs) &+ (0x3F80_0000 - 0x3F35_04F3)
        var e = (b &>> 23) &- 127
        e = e &- (tiny & 23)
        let m = float((b & 0x007F_FFFF) &+ 0x3F35_04F3)
        let f = m - 1                                  // exact (Sterbenz), |f| ≤ 0.415

        // Int32 -> Float with the magic-number trick (exact for |e| < 2^22).
        let magicBits: Int32 = 0x4B40_0000
        let ef = float(e &+ magicBits) - 0x1.8p23

        // log1p(f) = 2·atanh(s) with s = f / (2 + f), |s| ≤ 0.172 (musl/fdlibm logf): one
        // divide buys a degree-4 polynomial in s² instead of Cephes' degree-9 one in f,
        // which matters because without FMA the kernel is bound by mul/add throughput.
        let s = f / (2 + f)
        let z = s * s
        let w = z * z
        let t1 = w * (w * 0.24279078841 + 0.40000972152)
        let t2 = z * (w * 0.28498786688 + 0.66666662693)
        let hfsq = 0.5 * f * f
        // e·ln2 split in hi/lo parts so the large term is added last (ln2Hi·e is exact).
        var r = s * (hfsq + (t2 + t1)) + ef * 9.0580006145e-06
        r = r - hfsq + f
        r = r + ef * 6.9313812256e-01

        // IEEE special cases.
        r = r.replacing(with: .infinity, where: v .== .infinity)
        r = r.replacing(with: -.infinity, where: v .== 0)
        r = r.replacing(with: .nan, where: .!(v .>= 0))            // negative or NaN
        return r
    }

    /// Vector hyperbolic tangent, usable from other kernels. See ``VectorMath`` for accuracy.
    ///
    /// Method: for `|x| < 0.625` an odd polynomial `x + x³·P(x²)` (keeps relative accuracy
    /// for tiny x); otherwise `1 - 2 / (exp(2|x|) + 1)`, which does not cancel there.
    @inlinable
    public static func tanh(_ v: SIMD8<Float>) -> SIMD8<Float> { _tanh(v) }

    @inline(__always) @usableFromInline
    static func _tanh(_ v: SIMD8<Float>) -> SIMD8<Float> {
        let b = bits(v)
        let sign = b & Int32(bitPattern: 0x8000_0000)
        let ax = float(b & 0x7FFF_FFFF)

        let z = ax * ax
        var p = SIMD8<Float>(repeating: -5.70498872745e-3)
        p = p * z + 2.06390887954e-2
        p = p * z + -5.37397155531e-2
        p = p * z + 1.33314422036e-1
        p = p * z + -3.33332819422e-1
        let small = p * z * ax + ax

        let e = _exp(ax + ax)
        var r = 1 - 2 / (e + 1)
        r = r.replacing(with: small, where: ax .< 0.625)
        r = r.replacing(with: 1, where: ax .> 9)                   // tanh(9) = 1 - 3e-8
        // Reapply the sign bit: exact odd symmetry (and tanh(-0) = -0, NaN stays NaN).
        return float(bits(r) | sign)
    }

    /// Vector logistic sigmoid `1 / (1 + exp(-x))`, usable from other kernels.
    ///
    /// Stable for large |x|: `exp(-x)` overflows to +inf for very negative x, giving
    /// `1 / inf = 0`, and underflows to 0 for very positive x, giving exactly 1.
    @inlinable
    public static func sigmoid(_ v: SIMD8<Float>) -> SIMD8<Float> { _sigmoid(v) }

    @inline(__always) @usableFromInline
    static func _sigmoid(_ v: SIMD8<Float>) -> SIMD8<Float> {
        1 / (1 + _exp(-v))
    }
}
