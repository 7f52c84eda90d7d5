// sgemm through the packed C kernels: B packed into a recycled buffer on every call, then
// PackedMatrix's register-tiled product.

import EndToEndKernelsC

/// `C = alpha · op(A) · op(B)` (`beta` 0) or `C += alpha · op(A) · op(B)` (`beta` 1) with the C kernels
/// of ``PackedMatrix``, or `false` (nothing written) where they do not serve the call.
///
/// Why ahead of the BLAS: on Zen 4 the 8 × 32 AVX-512 tile ran square products at 94-96 % of
/// the FMA peak with `B` packed on every call, where OpenBLAS 0.3.21's SkylakeX kernel gave
/// 83-89 %; on an Ice Lake Xeon the 6 × 64 tile that replaced it runs n = 1024 at about 85 %,
/// where the 8 × 32 one was bound by its loads at 56-65 %.
///
/// Declined (the caller uses the BLAS): other `beta`; fewer than 16 rows, where
/// packing `B` costs more than the product; a `B` of more than 2^21 elements; and widths that
/// waste more than a quarter of the AVX-512 kernel's column panels, or a fifth of the AVX2
/// kernel's (a product with 10 columns would run at 10/32 of the peak).
func sgemmPacked(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                 a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                 beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) -> Bool {
    let lim = Int(Int32.max)
    guard lda <= lim, ldb <= lim, ldc <= lim else { return false }
    if transB && !transA, swapPays(m: m, n: n, k: k, beta: beta),
       let isa = packedRouteISA(m: n, n: m, k: k, alpha: alpha, beta: beta) {
        multiplySwapped(isa: isa, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        return true
    }
    // B packed whole (one block of all k rows), or in blocks of its rows when it is too large.
    let route = packedRouteISA(m: m, n: n, k: k, alpha: alpha, beta: beta).map { (isa: $0, kb: k) }
        ?? kBlockedRoute(m: m, n: n, k: k, alpha: alpha, beta: beta)
    guard let (isa, kb) = route else { return false }
    multiplyInKBlocks(isa: isa, kb: kb, transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                      b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    return true
}

/// Whether `C = A · Bᵀ` is cheaper computed as `Cᵀ = B · Aᵀ`: the packed operand is then `A`
/// (`k × m` floats) instead of `B` (`k × n`), at the price of transposing `C` out (and, to
/// accumulate, in). `B` is read in place either way, as stored rows. Why: a linear layer's
/// forward product `x · Wᵀ` packed the whole weight on every call, 401,408 floats for the
/// MLP's first layer against 50,176 for a 64-row batch; that packing took 7 % of a 2-rank
/// data-parallel step (each rank packs the whole weight for half the rows) and 6 % of a
/// 1-process one (perf, Intel Xeon, Fashion-MNIST MLP). A fifth of margin, since a
/// transposition runs a little slower per float than the packing's plain copy.
func swapPays(m: Int, n: Int, k: Int, beta: Float) -> Bool {
    // Sizes past 2^21 floats decline below, so the products here cannot overflow.
    guard k <= 1 << 21, m <= 1 << 21, n <= 1 << 21, k * m <= 1 << 21, m * n <= 1 << 21 else { return false }
    let swapped = k * m + m * n * (beta == 0 ? 1 : 2)
    return 5 * swapped < 4 * k * n
}

/// `C = A · Bᵀ` (`beta` 0) or `C += A · Bᵀ` (`beta` 1) as `Cᵀ = B · Aᵀ` into a pooled
/// scratch, then transposed into `C` (see ``swapPays(m:n:k:beta:)``).
private func multiplySwapped(isa: Int32, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    let floats = e2e_packed_count(Int32(k), Int32(m))
    let buf = PackBufferPool.shared.acquire(bytes: (floats + n * m) * 4)
    defer { PackBufferPool.shared.release(buf) }
    let packed = buf.ptr.bindMemory(to: Float.self, capacity: floats + n * m)
    let ct = packed + floats  // Cᵀ, n × m
    if beta == 1 { transposeMatrix(rows: m, cols: n, src: c, lds: ldc, dst: ct, ldd: m) }
    PackedMatrix.pack(k: k, n: m, b: a, ldb: lda, transposed: true, into: packed)
    scalePacked(packed, count: floats, by: alpha)
    PackedMatrix.multiply(isa: isa, k: k, n: m, packed: packed, m: n, a: b, lda: ldb, transposedA: false,
                          c: ct, ldc: m, accumulate: beta == 1)
    transposeMatrix(rows: n, cols: m, src: ct, lds: m, dst: c, ldd: ldc)
}

/// Rows of `A` from which a `B` beyond 2^21 elements is packed in blocks of its rows: packing
/// costs about what 2-4 rows of the product do, so with 128 rows it is a few per cent, where the
/// convolution's 16 rows against a whole 64 x 64,000 column matrix ran 25 % slower than OpenBLAS.
let kBlockedMinRows = 128

/// The instruction set and the rows of `B` per block when a product whose `B` is too large to pack
/// whole (more than 2^21 elements) is still taken: at least ``kBlockedMinRows`` rows of `A`, and
/// blocks of at least 256 rows of `B` (a multiple of 8) within 2^21 elements, else `nil`.
func kBlockedRoute(m: Int, n: Int, k: Int, alpha: Float, beta: Float) -> (isa: Int32, kb: Int)? {
    let (kn, overflow) = k.multipliedReportingOverflow(by: n)
    guard m >= kBlockedMinRows, n > 0, k > 0, overflow || kn > 1 << 21 else { return nil }
    let kb = (1 << 21) / n / 8 * 8
    guard kb >= 256, kb < k, let isa = packedRouteISA(m: m, n: n, k: kb, alpha: alpha, beta: beta) else { return nil }
    return (isa, kb)
}

/// `C = op(A) · op(B)` (+ `C` when `beta` is 1) in blocks of `kb` rows of `op(B)` (`kb = k`: `B`
/// packed whole), each packed into a recycled buffer and multiplied into `C`, every block after
/// the first accumulating. Blocks, for a `B` too large to pack whole: OpenBLAS ran n = 2048 at
/// 96-109 GFLOP/s on one thread of an Ice Lake Xeon, where the packed kernels run n = 1024 at
/// 134-144.
private func multiplyInKBlocks(isa: Int32, kb: Int, transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                               a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                               beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    let floats = e2e_packed_count(Int32(kb), Int32(n))
    let buf = PackBufferPool.shared.acquire(bytes: floats * 4)
    defer { PackBufferPool.shared.release(buf) }
    let packed = buf.ptr.bindMemory(to: Float.self, capacity: floats)
    var k0 = 0
    while k0 < k {
        let kc = Swift.min(kb, k - k0)
        // Rows k0 ..< k0 + kc of op(B), and the matching columns of op(A).
        PackedMatrix.pack(k: kc, n: n, b: transB ? b + k0 : b + k0 * ldb, ldb: ldb, transposed: transB, into: packed)
        scalePacked(packed, count: e2e_packed_count(Int32(kc), Int32(n)), by: alpha)
        PackedMatrix.multiply(isa: isa, k: kc, n: n, packed: packed, m: m, a: transA ? a + k0 * lda : a + k0, lda: lda,
                              transposedA: transA, c: c, ldc: ldc, accumulate: beta == 1 || k0 > 0)
        k0 += kc
    }
}

/// `alpha · op(B)` packed: the kernels compute `op(A) · (alpha · op(B))`, one rounding more
/// than the BLAS's `alpha · (op(A) · op(B))` per element and the same cost (the attention's
/// scaled score products are a few thousand floats of `B` against 2^17 multiply-adds).
private func scalePacked(_ p: UnsafeMutablePointer<Float>, count: Int, by alpha: Float) {
    guard alpha != 1 else { return }
    for i in 0..<count { p[i] *= alpha }
}

/// The C kernels' instruction set when ``sgemmPacked(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``
/// takes a product of these sizes, else `nil`.
private func packedRouteISA(m: Int, n: Int, k: Int, alpha: Float, beta: Float) -> Int32? {
    guard alpha.isFinite, beta == 0 || beta == 1, m >= 16, k > 0, GEMM.preference == .automatic else { return nil }
    let isa = CPUKernels.isa
    guard isa != 0 else { return nil }
    let lim = Int(Int32.max)
    guard m <= lim, n <= lim, k <= lim else { return nil }
    // The AVX2 body skips the empty half of the last panel, so it pads to 16 columns. With
    // AVX-512 a width that fills 3/4 of its panels is taken too: OpenBLAS pads its own tiles,
    // and the packed kernel (B packed on every call) ran 1.05-1.36x faster than OpenBLAS 0.3.21
    // at 72 to 112 columns of 2,048-row products, K 64 to 784 (Ice Lake Xeon, one thread); the
    // language models' 98-symbol output layer (98 of 128 columns) is one of them.
    let width = isa == E2E_CPU_AVX512F ? Int(E2E_PACK_NR) : Int(E2E_PACK_NR) / 2
    let padded = (n + width - 1) / width * width
    let filled = isa == E2E_CPU_AVX512F ? 4 * n >= 3 * padded : 5 * n >= 4 * padded
    guard filled else { return nil }
    // Packing costs about what 2-4 rows of the product do (50-70 GB/s against ~110 GFLOP/s).
    // Above 2^21 elements B no longer fits the caches whole, and with few rows the copy then
    // dominates: a convolution's 16 output channels against its whole 64 x 64,000 im2col matrix
    // ran 25 % slower than OpenBLAS, which packs B in cache-sized blocks as it goes.
    guard k * n <= 1 << 21 else { return nil }
    return isa
}

extension GEMM {
    /// Whether ``sgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)`` would send a product
    /// of these sizes to the packed C kernels now with `B` packed whole (see ``packedKernels``).
    /// A `B` beyond 2^21 elements answers `false`, although `sgemm` takes such a product in
    /// blocks of `B`'s rows when `A` has 128 rows or more. Callers that can arrange a product
    /// two ways (a convolution as `W · cols` or as `colsᵀ · Wᵀ`) pick the one the kernels take.
    public static func packedRouteTakes(m: Int, n: Int, k: Int, alpha: Float = 1, beta: Float = 0) -> Bool {
        packedRouteISA(m: m, n: n, k: k, alpha: alpha, beta: beta) != nil
    }
}
