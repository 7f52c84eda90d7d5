import XCTest
@testable import EndToEndKernels

/// Deterministic pseudo-random floats in [-1, 1).
private struct XorShift {
    var state: UInt64
    mutating func next() -> Float {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return Float(state >> 40) * (2.0 / 16_777_216.0) - 1.0
    }
    mutating func array(_ n: Int) -> [Float] { (0..<n).map { _ in next() } }
}

/// Double-precision reference: C = alpha*op(A)*op(B) + beta*C (C not read when beta == 0).
private func referenceGEMM(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                           a: [Float], lda: Int, b: [Float], ldb: Int, beta: Float,
                           c: inout [Float], ldc: Int) {
    for i in 0..<m {
        for j in 0..<n {
            var s = 0.0
            for p in 0..<k {
                let av = transA ? a[p * lda + i] : a[i * lda + p]
                let bv = transB ? b[j * ldb + p] : b[p * ldb + j]
                s += Double(av) * Double(bv)
            }
            let old = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
            c[i * ldc + j] = Float(Double(alpha) * s + old)
        }
    }
}

private enum Impl: CaseIterable { case dispatch, swiftForced, swiftDirect1, swiftDirect2 }

final class GEMMTests: XCTestCase {
    private var rng = XorShift(state: 0x1234_5678_9ABC_DEF1)

    /// Runs one GEMM case through `impl` and compares against the reference, including that
    /// padding columns (beyond n in each row of C) are left untouched.
    private func check(_ impl: Impl, transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                       alpha: Float, beta: Float, pad: Int, file: StaticString = #filePath, line: UInt = #line) {
        check([impl], transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta, pad: pad,
              file: file, line: line)
    }

    /// Checks several implementations against one (expensive, double-precision) reference.
    private func check(_ impls: [Impl], transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                       alpha: Float, beta: Float, pad: Int, file: StaticString = #filePath, line: UInt = #line) {
        let lda = max(1, (transA ? m : k) + pad)
        let ldb = max(1, (transB ? k : n) + pad)
        let ldc = max(1, n + pad)
        let a = rng.array(max(1, (transA ? k : m) * lda))
        let b = rng.array(max(1, (transB ? n : k) * ldb))
        var c0 = rng.array(max(1, m * ldc))
        if beta == 0 { for i in c0.indices { c0[i] = .nan } }  // must never be read
        // Mark the padding so writes outside the m x n window are detected.
        for i in 0..<m { for j in n..<ldc { c0[i * ldc + j] = 12345 } }
        var expected = c0
        referenceGEMM(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                      b: b, ldb: ldb, beta: beta, c: &expected, ldc: ldc)
        for impl in impls {
        var c = c0
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    let A = ap.baseAddress!, B = bp.baseAddress!, C = cp.baseAddress!
                    switch impl {
                    case .dispatch:
                        sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: A, lda: lda,
                              b: B, ldb: ldb, beta: beta, c: C, ldc: ldc)
                    case .swiftForced:
                        GEMM.withBackend(.swift) {
                            sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: A, lda: lda,
                                  b: B, ldb: ldb, beta: beta, c: C, ldc: ldc)
                        }
                    case .swiftDirect1, .swiftDirect2:
                        sgemmSwift(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: A,
                                   lda: lda, b: B, ldb: ldb, beta: beta, c: C, ldc: ldc,
                                   threads: impl == .swiftDirect1 ? 1 : 2)
                    }
                }
            }
        }
        let tol = 1e-5 * Float(max(k, 1)) + 1e-5
        for i in 0..<m {
            for j in 0..<ldc {
                let got = c[i * ldc + j], want = expected[i * ldc + j]
                if !(abs(got - want) <= tol) {
                    XCTFail("\(impl) tA=\(transA) tB=\(transB) m=\(m) n=\(n) k=\(k) alpha=\(alpha) beta=\(beta) "
                            + "pad=\(pad): C[\(i),\(j)] = \(got), expected \(want)", file: file, line: line)
                    return
                }
            }
        }
        }
    }

    private let shapes: [(Int, Int, Int)] = [
        (1, 1, 1), (3, 5, 7), (17, 33, 65), (64, 1, 300), (1, 64, 300), (6, 8, 1), (7, 9, 2),
        (13, 250, 301), (300, 13, 257), (40, 50, 600), (145, 70, 3), (31, 31, 31),
    ]
    private let scalars: [(Float, Float)] = [(1, 0), (0.5, 1), (-1.5, 0.25), (2, -1)]

    func testAllTransposeAndScalarCombos() {
        // Every shape x transpose x (alpha, beta) x padding, through the dispatching sgemm
        // (BLAS when loaded), the forced Swift backend, and the Swift kernels on 1 and 2 threads.
        for (m, n, k) in shapes {
            for transA in [false, true] {
                for transB in [false, true] {
                    for (alpha, beta) in scalars {
                        for pad in [0, 3] {
                            check(Impl.allCases, transA: transA, transB: transB, m: m, n: n, k: k,
                                  alpha: alpha, beta: beta, pad: pad)
                        }
                    }
                }
            }
        }
    }

    /// Shapes that cross the kc/mc/nc cache-block boundaries.
    func testLargeBlockBoundaries() {
        for impl in [Impl.swiftDirect1, .swiftDirect2, .dispatch] {
            check(impl, transA: false, transB: false, m: 150, n: 70, k: 530, alpha: 1, beta: 0.5, pad: 1)
            check(impl, transA: true, transB: true, m: 289, n: 17, k: 513, alpha: -1, beta: 0, pad: 0)
            check(impl, transA: false, transB: true, m: 9, n: 4100, k: 20, alpha: 1, beta: 1, pad: 2)
        }
    }

    func testZeroSizesAndKZero() {
        for impl in Impl.allCases {
            for (m, n) in [(0, 5), (5, 0), (0, 0)] {
                check(impl, transA: false, transB: false, m: m, n: n, k: 4, alpha: 1, beta: 0, pad: 0)
            }
            for beta: Float in [0, 1, 0.5] {
                // k == 0: C = beta * C (beta == 0 clears NaNs, since C is not read).
                check(impl, transA: false, transB: false, m: 4, n: 5, k: 0, alpha: 1, beta: beta, pad: 1)
                check(impl, transA: true, transB: true, m: 4, n: 5, k: 0, alpha: 1, beta: beta, pad: 0)
                // alpha == 0: A and B are not used.
                check(impl, transA: false, transB: true, m: 7, n: 3, k: 6, alpha: 0, beta: beta, pad: 0)
            }
        }
    }

    func testBetaZeroDoesNotPropagateNaN() {
        let n = 40
        let a = [Float](repeating: 1, count: n * n), b = [Float](repeating: 2, count: n * n)
        for pref in [GEMM.BackendPreference.automatic, .swift] {
            var c = [Float](repeating: .nan, count: n * n)
            GEMM.withBackend(pref) {
                sgemm(transA: false, transB: false, m: n, n: n, k: n, alpha: 1, a: a, lda: n, b: b, ldb: n,
                      beta: 0, c: &c, ldc: n)
            }
            XCTAssertTrue(c.allSatisfy { $0 == Float(2 * n) }, "\(pref)")
        }
    }

    /// `C_i = A_i · B_iᵀ` for every product of a batch, with 2 threads and both backends,
    /// against the reference; C starts as NaN, so a product left out fails.
    private func checkBatchedABtOnTwoThreads(batch bs: Int, m: Int, n: Int, k: Int, accuracy: Float) {
        for pref in [GEMM.BackendPreference.automatic, .swift] {
            let a = rng.array(bs * m * k), b = rng.array(bs * n * k)
            var c = [Float](repeating: .nan, count: bs * m * n)
            Threading.withThreadCount(2) {
                GEMM.withBackend(pref) {
                    sgemmBatched(transA: false, transB: true, m: m, n: n, k: k, alpha: 1, a: a, lda: k,
                                 strideA: m * k, b: b, ldb: k, strideB: n * k, beta: 0, c: &c, ldc: n,
                                 strideC: m * n, batch: bs)
                }
            }
            for i in 0..<bs {
                var expected = [Float](repeating: 0, count: m * n)
                referenceGEMM(transA: false, transB: true, m: m, n: n, k: k, alpha: 1,
                              a: Array(a[i * m * k..<(i + 1) * m * k]), lda: k,
                              b: Array(b[i * n * k..<(i + 1) * n * k]), ldb: k, beta: 0, c: &expected, ldc: n)
                for j in 0..<(m * n) where !(abs(c[i * m * n + j] - expected[j]) <= accuracy) {
                    XCTFail("\(pref) \(m)x\(n)x\(k) batch \(i) element \(j): \(c[i * m * n + j]) vs \(expected[j])")
                    break
                }
            }
        }
    }

    func testBatched() {
        let batch = 5, m = 7, n = 9, k = 11
        for pref in [GEMM.BackendPreference.automatic, .swift] {
            for (transA, transB) in [(false, false), (true, false), (false, true), (true, true)] {
                let lda = transA ? m : k, ldb = transB ? k : n, ldc = n
                let sA = m * k, sB = k * n, sC = m * n
                let a = rng.array(batch * sA), b = rng.array(batch * sB), c0 = rng.array(batch * sC)
                var c = c0
                GEMM.withBackend(pref) {
                    sgemmBatched(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1.5,
                                 a: a, lda: lda, strideA: sA, b: b, ldb: ldb, strideB: sB,
                                 beta: 0.5, c: &c, ldc: ldc, strideC: sC, batch: batch)
                }
                for i in 0..<batch {
                    var expected = Array(c0[i * sC..<(i + 1) * sC])
                    referenceGEMM(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1.5,
                                  a: Array(a[i * sA..<(i + 1) * sA]), lda: lda,
                                  b: Array(b[i * sB..<(i + 1) * sB]), ldb: ldb, beta: 0.5,
                                  c: &expected, ldc: ldc)
                    for j in 0..<sC {
                        XCTAssertEqual(c[i * sC + j], expected[j], accuracy: 1e-4, "\(pref) batch \(i)")
                    }
                }
            }
        }
        // Many small products: exercises the parallel-over-batch path (concurrent BLAS calls).
        checkBatchedABtOnTwoThreads(batch: 64, m: 16, n: 16, k: 16, accuracy: 1e-4)
        // Attention-sized products (2^19 multiply-adds), two or more per thread: split over the
        // batch with OpenBLAS on the calling thread only.
        checkBatchedABtOnTwoThreads(batch: 8, m: 128, n: 128, k: 32, accuracy: 1e-3)
        // Broadcast B (stride 0) and a large-ish batch element (sequential path).
        let m2 = 80, k2 = 70, n2 = 90
        let a2 = rng.array(3 * m2 * k2), b2 = rng.array(k2 * n2)
        var c2 = [Float](repeating: .nan, count: 3 * m2 * n2)
        sgemmBatched(transA: false, transB: false, m: m2, n: n2, k: k2, alpha: 1, a: a2, lda: k2,
                     strideA: m2 * k2, b: b2, ldb: n2, strideB: 0, beta: 0, c: &c2, ldc: n2,
                     strideC: m2 * n2, batch: 3)
        for i in 0..<3 {
            var expected = [Float](repeating: 0, count: m2 * n2)
            referenceGEMM(transA: false, transB: false, m: m2, n: n2, k: k2, alpha: 1,
                          a: Array(a2[i * m2 * k2..<(i + 1) * m2 * k2]), lda: k2, b: b2, ldb: n2,
                          beta: 0, c: &expected, ldc: n2)
            for j in 0..<(m2 * n2) { XCTAssertEqual(c2[i * m2 * n2 + j], expected[j], accuracy: 1e-3) }
        }
    }

    /// The slabs of a product the BLAS takes: planned from the shape alone, covering the rows
    /// (or columns) once, in order, a power of two of them, bounds on multiples of 16 and none
    /// below 48 wide; small products stay whole.
    func testBLASSlabsCoverTheProductFromItsShapeAlone() {
        XCTAssertEqual(BLASSlabs(m: 16, n: 16, k: 16).count, 1)
        for (m, n, k) in [(64, 32, 800), (300, 300, 300), (4, 400, 2000), (10, 2000, 400), (1000, 802, 25),
                          (2048, 2048, 2048), (Int(Int32.max), 100, 100), (129, 4000, 7)] {
            let plan = BLASSlabs(m: m, n: n, k: k)
            XCTAssertEqual(plan, BLASSlabs(m: m, n: n, k: k))
            XCTAssertEqual(plan.splitsRows, m >= n)
            XCTAssertTrue([1, 2, 4, 8].contains(plan.count), "\(m)x\(n)x\(k): \(plan.count) slabs")
            var next = 0
            for s in 0..<plan.count {
                let r = plan.range(s)
                XCTAssertEqual(r.lowerBound, next)
                if plan.count > 1 { XCTAssertGreaterThanOrEqual(r.count, 48, "\(m)x\(n)x\(k) slab \(s)") }
                if s > 0 { XCTAssertEqual(r.lowerBound % 16, 0) }
                next = r.upperBound
            }
            XCTAssertEqual(next, plan.extent)
            XCTAssertEqual(plan.extent, m >= n ? m : n)
        }
        XCTAssertEqual(BLASSlabs(m: 2048, n: 2048, k: 2048).count, 8)
        XCTAssertEqual(BLASSlabs(m: 300, n: 300, k: 300).count, 4)
        XCTAssertEqual(BLASSlabs(m: 4, n: 400, k: 2000).count, 2)
    }

    /// The BLAS's slabs (by rows and by columns, every transposition, accumulating) against the
    /// double-precision reference, and every thread count giving the same bits: OpenBLAS's own
    /// threading did not (Debian's 0.3.21 on a Zen 3: a third of the elements of 64 × 32 × 800
    /// differed between 1 and 2 threads), nor did the batched product's choice of route, which
    /// followed the thread count.
    func testBLASProductsGiveTheSameBitsOnAnyThreadCount() throws {
        try XCTSkipUnless(BLAS.isAvailable, "no BLAS loaded")
        // 64 × 32 × 800 is one call (on one thread now); the others are 2 to 4 slabs.
        for (m, n, k) in [(300, 300, 300), (64, 32, 800), (4, 400, 2000), (10, 2000, 400), (301, 77, 1000)] {
            XCTAssertEqual(BLASSlabs(m: m, n: n, k: k).count > 1, m != 64, "\(m)x\(n)x\(k)")
            for (transA, transB) in [(false, false), (true, false), (false, true), (true, true)] {
                for beta: Float in [0, 1] {
                    let lda = transA ? m : k, ldb = transB ? k : n
                    let a = rng.array(m * k), b = rng.array(k * n), c0 = rng.array(m * n)
                    var expected = c0
                    referenceGEMM(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.75, a: a, lda: lda,
                                  b: b, ldb: ldb, beta: beta, c: &expected, ldc: n)
                    var results: [[Float]] = []
                    for threads in [1, 2, 3] {
                        var c = c0
                        Threading.withThreadCount(threads) {
                            GEMM.withBackend(.blas) {
                                sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.75, a: a, lda: lda,
                                      b: b, ldb: ldb, beta: beta, c: &c, ldc: n)
                            }
                        }
                        results.append(c)
                    }
                    let label = "\(m)x\(n)x\(k) tA \(transA) tB \(transB) beta \(beta)"
                    let worst = zip(results[0], expected).map { abs($0 - $1) }.max()!
                    XCTAssertLessThan(worst, 1e-5 * Float(k), label)
                    XCTAssertEqual(results[1], results[0], "\(label): 2 threads differ from 1 in some bit")
                    XCTAssertEqual(results[2], results[0], "\(label): 3 threads differ from 1 in some bit")
                }
            }
        }
        // Batched: four products of 64³ multiply-adds went to the BLAS one per thread on 2
        // threads, and to the packed kernels one after another on 1 thread.
        let (batch, m, n, k) = (4, 64, 64, 64)
        let a = rng.array(batch * m * k), b = rng.array(batch * k * n)
        var results: [[Float]] = []
        for threads in [1, 2] {
            var c = [Float](repeating: 0, count: batch * m * n)
            Threading.withThreadCount(threads) {
                sgemmBatched(transA: false, transB: true, m: m, n: n, k: k, alpha: 1, a: a, lda: k, strideA: m * k,
                             b: b, ldb: k, strideB: n * k, beta: 0, c: &c, ldc: n, strideC: m * n, batch: batch)
            }
            results.append(c)
        }
        XCTAssertEqual(results[1], results[0], "sgemmBatched: 2 threads differ from 1 in some bit")
    }

    func testBackendReporting() {
        let d = BLAS.backendDescription
        XCTAssertFalse(d.isEmpty)
        switch BLAS.backend {
        case .swift:
            XCTAssertEqual(d, "swift")
            XCTAssertNotNil(BLAS.loadFailureReason)
        case .openBLAS:
            XCTAssertTrue(d.hasPrefix("openblas ("), d)
            XCTAssertNil(BLAS.loadFailureReason)
        case .cblas:
            XCTAssertTrue(d.hasPrefix("cblas ("), d)
        }
        GEMM.withBackend(.swift) { XCTAssertEqual(GEMM.effectiveBackend, .swift) }
        XCTAssertEqual(GEMM.effectiveBackend, BLAS.backend)
    }

    func testBenchmarkRunsTinySize() {
        // Smoke test only (no timing assertions).
        let r = benchmarkGEMM(sizes: [16], threads: 1, backend: .swift, assumedGFLOPs: 0.001)
        XCTAssertEqual(r.count, 1)
        XCTAssertEqual(r[0].n, 16)
        XCTAssertGreaterThan(r[0].gflops, 0)
    }
}
