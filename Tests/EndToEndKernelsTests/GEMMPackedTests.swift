import XCTest
@testable import EndToEndKernels

/// `sgemm`'s route through the packed C kernels (`sgemmPacked`) against the Swift reference:
/// every transpose, leading dimensions wider than the matrices, `beta` 0 (C write-only) and 1,
/// one and two threads, both kernel families; and the calls it must leave to the BLAS.
final class GEMMPackedTests: XCTestCase {
    /// Runs `sgemm` under `preference` (or `sgemmPacked` itself when `direct`) on padded
    /// operands; returns C (with its padding) and, for `direct`, whether the route took the call.
    func product(_ preference: GEMM.BackendPreference, direct: Bool = false, transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                 alpha: Float = 1, beta: Float, pad: Int, c0: [Float]? = nil) -> (c: [Float], taken: Bool) {
        let lda = (transA ? m : k) + pad, ldb = (transB ? k : n) + pad, ldc = n + pad
        let a = kernelTestValues((transA ? k : m) * lda, seed: 11), b = kernelTestValues((transB ? n : k) * ldb, seed: 12)
        var c = c0 ?? kernelTestValues(m * ldc, seed: 13)
        var taken = true
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    if direct {
                        taken = sgemmPacked(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: pa.baseAddress!, lda: lda,
                                            b: pb.baseAddress!, ldb: ldb, beta: beta, c: pc.baseAddress!, ldc: ldc)
                    } else {
                        GEMM.withBackend(preference) {
                            sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: pa.baseAddress!, lda: lda,
                                  b: pb.baseAddress!, ldb: ldb, beta: beta, c: pc.baseAddress!, ldc: ldc)
                        }
                    }
                }
            }
        }
        return (c, taken)
    }

    /// The packed route (`sgemmPacked`, on `threads`) takes the call and matches the Swift
    /// reference, and leaves C's padding columns unwritten.
    func assertRouteMatchesReference(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, beta: Float, pad: Int, threads: Int,
                                     _ label: String, line: UInt = #line) {
        let want = product(.swift, transA: transA, transB: transB, m: m, n: n, k: k, beta: beta, pad: pad).c
        let got = Threading.withThreadCount(threads) {
            product(.automatic, direct: true, transA: transA, transB: transB, m: m, n: n, k: k, beta: beta, pad: pad)
        }
        let what = "\(label) m \(m) n \(n) k \(k) transA \(transA) transB \(transB) beta \(beta) pad \(pad) threads \(threads)"
        XCTAssertTrue(got.taken, "the packed route declined " + what, line: line)
        let worst = zip(want, got.c).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
        XCTAssertLessThan(worst, 1e-5 * Float(max(1, k / 64)), what, line: line)
        // Padding columns of C are never written.
        let ldc = n + pad
        for i in 0..<m { for j in n..<ldc { XCTAssertEqual(got.c[i * ldc + j], want[i * ldc + j], "padding " + what, line: line) } }
    }

    func testThePackedRouteMatchesTheReferenceOnEveryTransposeAndStride() throws {
        try XCTSkipIf(CPUKernels.instructionSet == nil, "this CPU has neither AVX-512 nor AVX2 + FMA")
        let families = kernelFamiliesOfThisCPU
        let saved = CPUKernels.limitedToAVX2
        defer { CPUKernels.limitedToAVX2 = saved }
        // Shapes the route takes: 16 and 33 rows, 64+ rows with row and panel tails,
        // K across the copied-A blocks (128 with AVX-512, 256 with AVX2), a split by rows, and
        // 98 columns (3/4 of the AVX-512 panels filled).
        let shapes = [(16, 32, 40), (33, 512, 300), (64, 96, 33), (70, 64, 300), (129, 130, 129), (200, 56, 520), (100, 98, 70)]
        for avx2 in families {
            CPUKernels.limitedToAVX2 = avx2
            for (m, n, k) in shapes {
                for (transA, transB) in [(false, false), (false, true), (true, false), (true, true)] {
                    for beta: Float in [0, 1] {
                        for pad in [0, 3] {
                            for threads in [1, 2] {
                                assertRouteMatchesReference(transA: transA, transB: transB, m: m, n: n, k: k, beta: beta, pad: pad,
                                                            threads: threads, "avx2 \(avx2)")
                            }
                        }
                    }
                }
            }
        }
    }

    /// `C = A · Bᵀ` with a B much larger than A (a linear layer's forward product) is computed
    /// as `Cᵀ = B · Aᵀ`, packing A; it must match the reference as the direct route does.
    func testAWideTransposedBIsComputedAsTheTransposedProduct() throws {
        try XCTSkipIf(CPUKernels.instructionSet == nil, "this CPU has neither AVX-512 nor AVX2 + FMA")
        let saved = CPUKernels.limitedToAVX2
        defer { CPUKernels.limitedToAVX2 = saved }
        let shapes = [(64, 512, 784), (32, 300, 97), (64, 256, 512), (30, 700, 300)]
        for avx2 in kernelFamiliesOfThisCPU {
            CPUKernels.limitedToAVX2 = avx2
            for (m, n, k) in shapes {
                for beta: Float in [0, 1] {
                    XCTAssertTrue(swapPays(m: m, n: n, k: k, beta: beta), "m \(m) n \(n) k \(k) beta \(beta)")
                    for pad in [0, 3] {
                        for threads in [1, 2] {
                            assertRouteMatchesReference(transA: false, transB: true, m: m, n: n, k: k, beta: beta, pad: pad,
                                                        threads: threads, "avx2 \(avx2)")
                        }
                    }
                }
            }
        }
        // Square and tall products keep packing B: the swap would not save memory traffic.
        XCTAssertFalse(swapPays(m: 256, n: 256, k: 256, beta: 0))
        XCTAssertFalse(swapPays(m: 128, n: 256, k: 512, beta: 1))
        XCTAssertFalse(swapPays(m: 1 << 22, n: 64, k: 64, beta: 0))
    }

    /// A `B` beyond 2^21 elements with 128 rows or more of `A` is packed in blocks of its rows
    /// (2100 columns: blocks of 992 rows, so 1000 rows of `B` are two blocks, the second of 8),
    /// every block after the first accumulating into `C`.
    func testALargeBIsPackedInBlocksOfItsRows() throws {
        try XCTSkipIf(CPUKernels.instructionSet == nil, "this CPU has neither AVX-512 nor AVX2 + FMA")
        let (m, n, k) = (128, 2100, 1000)
        XCTAssertFalse(GEMM.packedRouteTakes(m: m, n: n, k: k), "B is too large to pack whole")
        XCTAssertEqual(kBlockedRoute(m: m, n: n, k: k, alpha: 1, beta: 0)?.kb, 992)
        XCTAssertNil(kBlockedRoute(m: kBlockedMinRows - 1, n: n, k: k, alpha: 1, beta: 0), "too few rows to pay for the packing")
        XCTAssertNil(kBlockedRoute(m: m, n: 64, k: 64, alpha: 1, beta: 0), "a B that fits is packed whole")
        for (transA, transB, beta, pad, threads) in [(false, false, Float(0), 0, 1), (true, true, 1, 3, 2), (true, false, 0, 0, 2),
                                                     (false, false, 1, 2, 2)] {
            assertRouteMatchesReference(transA: transA, transB: transB, m: m, n: n, k: k, beta: beta, pad: pad, threads: threads,
                                        "k-blocked transA \(transA) transB \(transB) beta \(beta) pad \(pad) threads \(threads)")
        }
    }

    func testBetaZeroIgnoresNaNInC() throws {
        try XCTSkipIf(CPUKernels.instructionSet == nil, "this CPU has neither AVX-512 nor AVX2 + FMA")
        let (m, n, k) = (64, 64, 20)
        let nans = [Float](repeating: .nan, count: m * n)
        let got = product(.automatic, direct: true, transA: false, transB: false, m: m, n: n, k: k, beta: 0, pad: 0, c0: nans)
        XCTAssertTrue(got.taken)
        XCTAssertFalse(got.c.contains { $0.isNaN }, "beta = 0 must not read C")
    }

    func testCallsOutsideTheRouteGoToTheBLASUntouched() throws {
        try XCTSkipIf(CPUKernels.instructionSet == nil, "this CPU has neither AVX-512 nor AVX2 + FMA")
        // beta not 0 or 1, under 16 rows, a narrow width (10 of 32 columns), a B beyond 2^21
        // elements with fewer than 128 rows of A.
        let declined: [(m: Int, n: Int, k: Int, alpha: Float, beta: Float)] = [
            (64, 64, 64, 1, 0.5), (15, 64, 64, 1, 0), (128, 10, 256, 1, 0),
            (64, 2048, 1025, 1, 0), (127, 2100, 1000, 1, 0),
        ]
        for s in declined {
            let c0 = kernelTestValues(s.m * s.n, seed: 5)
            let got = product(.automatic, direct: true, transA: false, transB: false, m: s.m, n: s.n, k: s.k, alpha: s.alpha,
                              beta: s.beta, pad: 0, c0: c0)
            XCTAssertFalse(got.taken, "the packed route took \(s)")
            XCTAssertEqual(got.c, c0, "a declined call wrote C: \(s)")
            // And sgemm still computes it (through the BLAS or Swift) as the reference does.
            let want = product(.swift, transA: false, transB: false, m: s.m, n: s.n, k: s.k, alpha: s.alpha, beta: s.beta, pad: 0, c0: c0).c
            let auto = product(.automatic, transA: false, transB: false, m: s.m, n: s.n, k: s.k, alpha: s.alpha, beta: s.beta, pad: 0, c0: c0).c
            let worst = zip(want, auto).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
            XCTAssertLessThan(worst, 1e-4, "\(s)")
        }
    }

    /// `alpha` other than 1 is folded into the packed operand, on every route: `B` packed whole,
    /// `A · Bᵀ` swapped (A packed), `B` in blocks of its rows; and through `OneThreadGEMM`
    /// (the attention's scaled products) as through `sgemm`.
    func testAlphaIsFoldedIntoThePackedOperand() throws {
        try XCTSkipIf(CPUKernels.instructionSet == nil, "this CPU has neither AVX-512 nor AVX2 + FMA")
        for (transA, transB, m, n, k) in [(false, false, 64, 64, 64), (false, true, 32, 128, 32), (true, false, 128, 32, 32),
                                          (false, true, 64, 512, 784), (false, false, 256, 1024, 2100)] {
            for (alpha, beta): (Float, Float) in [(0.1767767, 0), (-2, 1)] {
                let label = "tA \(transA) tB \(transB) \(m)x\(n)x\(k) alpha \(alpha) beta \(beta)"
                let c0 = kernelTestValues(m * n, seed: 6)
                let got = product(.automatic, direct: true, transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                                  beta: beta, pad: 0, c0: c0)
                XCTAssertTrue(got.taken, label)
                let want = product(.swift, transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta, pad: 0, c0: c0).c
                let worst = zip(want, got.c).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
                XCTAssertLessThan(worst, 1e-5 * Float(k).squareRoot() * 4, label)
                // OneThreadGEMM gives sgemm's bits.
                let lda = transA ? m : k, ldb = transB ? k : n
                let a = kernelTestValues((transA ? k : m) * lda, seed: 11), b = kernelTestValues((transB ? n : k) * ldb, seed: 12)
                var one = c0
                OneThreadGEMM()(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                                beta: beta, c: &one, ldc: n)
                XCTAssertEqual(one, got.c, "\(label): OneThreadGEMM differs from the packed route")
            }
        }
    }

    func testTheRouteIsReportedAndFollowsTheSwitches() {
        let saved = CPUKernels.isEnabled
        defer { CPUKernels.isEnabled = saved }
        CPUKernels.isEnabled = true
        XCTAssertEqual(GEMM.packedKernels, CPUKernels.instructionSet)
        if let isa = CPUKernels.instructionSet {
            XCTAssertTrue(GEMM.effectiveDescription.hasPrefix("packed \(isa), else "), GEMM.effectiveDescription)
        }
        GEMM.withBackend(.blas) {
            XCTAssertNil(GEMM.packedKernels)
            XCTAssertEqual(GEMM.effectiveDescription, GEMM.effectiveBackend.description)
        }
        GEMM.withBackend(.swift) { XCTAssertEqual(GEMM.effectiveDescription, "swift") }
        CPUKernels.isEnabled = false
        XCTAssertNil(GEMM.packedKernels)
        let c0 = kernelTestValues(64 * 64, seed: 9)
        XCTAssertFalse(product(.automatic, direct: true, transA: false, transB: false, m: 64, n: 64, k: 64, beta: 0, pad: 0, c0: c0).taken,
                       "the route ran with the C kernels switched off")
    }
}
