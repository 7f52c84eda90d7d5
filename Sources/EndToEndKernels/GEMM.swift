// Public SGEMM entry points: dispatch to the run-time loaded BLAS or the Swift kernels.

/// Single-precision GEMM with exactly the semantics of
/// `cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? ..., ...)`:
/// `C = alpha * op(A) * op(B) + beta * C`.
///
/// - `op(A)` is `m x k` (stored `k x m` when `transA`), `op(B)` is `k x n`, `C` is `m x n`.
/// - `lda`, `ldb`, `ldc` are row strides in elements of the matrices *as stored*
///   (`lda >= (transA ? m : k)`, `ldb >= (transB ? k : n)`, `ldc >= n`).
/// - `m == 0 || n == 0`: no-op. `k == 0` (or `alpha == 0`): `C = beta * C`.
/// - `beta == 0`: `C` is write-only (existing NaNs are not propagated).
///
/// Under ``GEMM/BackendPreference/automatic`` the packed C kernels of ``PackedMatrix`` take the
/// calls they serve (`beta` 0 or 1, at least 16 rows, a width that fills their
/// column panels; see ``GEMM/packedKernels``). The rest go to the BLAS reported by
/// ``BLAS/backend`` when one is loaded (honouring ``GEMM/withBackend(_:_:)`` overrides), otherwise
/// ``sgemmSwift(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``. Thread use is bounded by
/// ``Threading/threadCount``.
public func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                  a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                  beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    if sgemmWithoutProduct(m: m, n: n, k: k, alpha: alpha, beta: beta, c: c, ldc: ldc) { return }
    if GEMM.preference == .automatic,
       sgemmPacked(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                   b: b, ldb: ldb, beta: beta, c: c, ldc: ldc) {
        return
    }
    if GEMM.preference != .swift,
       blasSgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a,
                 lda: max(lda, 1), b: b, ldb: max(ldb, 1), beta: beta, c: c, ldc: max(ldc, 1)) {
        return
    }
    sgemmSwift(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
               b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
}

/// Does the calls with no product to compute and answers `true`: nothing when `C` is empty,
/// `C = beta·C` when `k` or `alpha` is 0. Done before any kernel, so that BLAS never sees
/// degenerate leading dimensions (lda = 0 etc.).
@inline(__always)
func sgemmWithoutProduct(m: Int, n: Int, k: Int, alpha: Float, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) -> Bool {
    if m <= 0 || n <= 0 { return true }
    guard k <= 0 || alpha == 0 else { return false }
    scaleMatrix(m: m, n: n, beta: beta, c: c, ldc: ldc)
    return true
}

/// Batched GEMM: for `i in 0..<batch`,
/// `C_i = alpha * op(A_i) * op(B_i) + beta * C_i` with `A_i = a + i * strideA`, etc.
/// (strides in elements; a stride of 0 broadcasts that operand across the batch, which is
/// allowed for A and B but not C).
///
/// Small matrices (≤ 64³ multiply-adds each, or ≤ 2²² when there are at least four) are
/// parallelised over the batch with each product single-threaded; larger ones run one after
/// another, each using all threads. The choice depends on the shapes alone, not the thread
/// count, so that the result does not either (the two routes round differently).
public func sgemmBatched(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                         a: UnsafePointer<Float>, lda: Int, strideA: Int,
                         b: UnsafePointer<Float>, ldb: Int, strideB: Int,
                         beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, strideC: Int,
                         batch: Int) {
    if batch <= 0 || m <= 0 || n <= 0 { return }
    if batch == 1 {
        sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
              b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        return
    }
    let work = m * n * max(k, 1)
    // Up to 2^22 multiply-adds a product, with at least four products (two per thread of a
    // 2-thread run), the batch is split over our workers and each product runs on one thread:
    // OpenBLAS threading each product instead woke its sleeping workers for every call (the
    // transformer's 128 attention products of 2^19 per layer). One thread runs the same
    // products in turn.
    let small = work <= 64 * 64 * 64
    if small || (work <= 1 << 22 && batch >= 4) {
        let gemm = OneThreadGEMM()
        // Enough products per chunk to amortise dispatch (~2^17 multiply-adds per chunk).
        let grain = max(1, (1 << 17) / work)
        parallelFor(batch, grain: grain) { range in
            for i in range {
                gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a + i * strideA, lda: lda,
                     b: b + i * strideB, ldb: ldb, beta: beta, c: c + i * strideC, ldc: ldc)
            }
        }
        return
    }
    let useSwift = GEMM.preference == .swift || BLASLibrary.shared == nil
    for i in 0..<batch {
        let ai = a + i * strideA, bi = b + i * strideB, ci = c + i * strideC
        if useSwift {
            sgemmSwift(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: ai, lda: lda,
                       b: bi, ldb: ldb, beta: beta, c: ci, ldc: ldc)
        } else {
            sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: ai, lda: lda,
                  b: bi, ldb: ldb, beta: beta, c: ci, ldc: ldc)
        }
    }
}

/// SGEMM for work that is itself split over the worker pool (one product per batch item or
/// attention head, each on one thread): the packed C kernels where they serve the call, as in
/// ``sgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)`` and with its bits (inside a
/// parallel loop their own loops run inline, on the calling thread), else the BLAS in sgemm's slabs. The
/// attention's per-head products had gone to OpenBLAS, which zeroed `C` for `beta` 0 and packed
/// both operands: 13.5 % of a 1-thread transformer step on a Zen 3, 3.1 points of it the zeroing.
///
/// Make it outside the parallel loop and call it inside: it reads the task-local backend
/// preference (``GEMM/withBackend(_:_:)``), which the pool's threads do not inherit. Semantics are those of
/// ``sgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``.
public struct OneThreadGEMM: Sendable {
    let useSwift: Bool
    let usePacked: Bool

    public init() {
        useSwift = GEMM.preference == .swift || BLASLibrary.shared == nil
        usePacked = GEMM.preference == .automatic
    }

    public func callAsFunction(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                               a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                               beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if sgemmWithoutProduct(m: m, n: n, k: k, alpha: alpha, beta: beta, c: c, ldc: ldc) { return }
        // Nested in the caller's parallel loop, the packed route's own loops run inline.
        if usePacked, sgemmPacked(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                                  b: b, ldb: ldb, beta: beta, c: c, ldc: ldc) {
            return
        }
        if useSwift || !blasSgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a,
                                  lda: max(lda, 1), b: b, ldb: max(ldb, 1), beta: beta, c: c,
                                  ldc: max(ldc, 1)) {
            sgemmSwift(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                       a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, threads: 1)
        }
    }
}
