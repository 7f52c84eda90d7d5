import XCTest
@testable import EndToEndKernels

/// The packed-panel C kernels against the reference `sgemm`, on every tail case of the
/// 32-column panels, of the AVX-512 kernel's pairs of panels and of the kernels' row blocks
/// (6, 4 and 2 rows for both instruction sets).
final class PackedMatrixTests: XCTestCase {
    func testProductsEqualTheReferenceGEMM() throws {
        try XCTSkipIf(CPUKernels.instructionSet == nil, "this CPU has neither AVX-512 nor AVX2 + FMA")
        let families = kernelFamiliesOfThisCPU
        let saved = CPUKernels.limitedToAVX2
        defer { CPUKernels.limitedToAVX2 = saved }
        // Row tails of the kernels (blocks of 6, 4 and 2; 7 and 8 left over go as 4 + 3 and
        // 4 + 4), panel tails of 32 and half-panel tails of 16, odd panel counts (the AVX-512
        // pair's one-panel kernel: 3, 5 and 7 panels), K beyond one K block of 128 and 256 (the
        // kernels' copied transposed A), more than 96 rows (split over threads by rows instead
        // of panels), and 7 panels split over 2 threads by pairs.
        let shapes = [(1, 1, 1), (3, 5, 7), (7, 40, 5), (8, 16, 9), (8, 32, 16), (9, 33, 17), (32, 1024, 256), (32, 256, 1024),
                      (17, 47, 3), (2, 64, 1), (100, 70, 300), (151, 48, 513), (6, 64, 8), (13, 96, 20), (11, 81, 33),
                      (5, 130, 7), (14, 200, 130), (40, 224, 64)]
        for avx2 in families {
            CPUKernels.limitedToAVX2 = avx2
            for (m, n, k) in shapes {
                for (transposed, transposedA) in [(false, false), (true, false), (false, true), (true, true)] {
                    for accumulate in [false, true] {
                        for threads in [1, 2] {
                            let a = kernelTestValues(m * k, seed: 1), b = kernelTestValues(k * n, seed: 2), c0 = kernelTestValues(m * n, seed: 3)
                            let ldb = transposed ? k : n, lda = transposedA ? m : k
                            let want = reference(transA: transposedA, transB: transposed, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                                                 c0: c0, accumulate: accumulate)
                            var got = c0
                            a.withUnsafeBufferPointer { pa in
                                b.withUnsafeBufferPointer { pb in
                                    let packed = PackedMatrix(k: k, n: n, b: pb.baseAddress!, ldb: ldb, transposed: transposed)!
                                    got.withUnsafeMutableBufferPointer { pc in
                                        Threading.withThreadCount(threads) {
                                            packed.multiply(m: m, a: pa.baseAddress!, lda: lda, transposedA: transposedA, c: pc.baseAddress!, ldc: n,
                                                            accumulate: accumulate)
                                        }
                                    }
                                }
                            }
                            assertClose(got, want, k: k, "avx2 \(avx2) m \(m) n \(n) k \(k) transposed \(transposed) A transposed \(transposedA) accumulate \(accumulate) threads \(threads)")
                        }
                    }
                }
            }
        }
    }

    /// `A` in the blocked order that the convolution's unfolding writes (`[⌈m / 8⌉][k][8]`, rows
    /// past `m` zero), read by AVX-512 as two 4-row halves per block against pairs of panels:
    /// blocks with 1 to 8 real rows, odd and even panel counts, accumulation, 1 and 2 threads.
    func testBlockedAEqualsTheReferenceGEMM() throws {
        try XCTSkipIf(CPUKernels.instructionSet != "avx512f", "the blocked-A product is AVX-512 only")
        let r = PackedMatrix.blockedRows
        for (m, n, k) in [(1, 32, 3), (3, 64, 25), (5, 81, 9), (8, 96, 800), (13, 130, 17), (21, 64, 64), (203, 224, 40)] {
            let a = kernelTestValues(m * k, seed: 11), b = kernelTestValues(k * n, seed: 12), c0 = kernelTestValues(m * n, seed: 13)
            var blocked = [Float](repeating: 0, count: (m + r - 1) / r * r * k)
            for i in 0..<m { for kk in 0..<k { blocked[((i / r) * k + kk) * r + i % r] = a[i * k + kk] } }
            for accumulate in [false, true] {
                for threads in [1, 2] {
                    let want = reference(transA: false, transB: false, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c0: c0,
                                         accumulate: accumulate)
                    var got = c0
                    b.withUnsafeBufferPointer { pb in
                        let packed = PackedMatrix(k: k, n: n, b: pb.baseAddress!, ldb: n, transposed: false)!
                        blocked.withUnsafeBufferPointer { pa in
                            got.withUnsafeMutableBufferPointer { pc in
                                Threading.withThreadCount(threads) {
                                    XCTAssertTrue(packed.multiply(blockedA: pa.baseAddress!, m: m, c: pc.baseAddress!, ldc: n, accumulate: accumulate))
                                }
                            }
                        }
                    }
                    assertClose(got, want, k: k, "m \(m) n \(n) k \(k) accumulate \(accumulate) threads \(threads)")
                }
            }
        }
    }

    /// `C0 + op(A) · op(B)` (or `op(A) · op(B)`) by the Swift reference GEMM, C of row stride `n`.
    private func reference(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, a: [Float], lda: Int, b: [Float], ldb: Int,
                           c0: [Float], accumulate: Bool) -> [Float] {
        var c = c0
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    GEMM.withBackend(.swift) {
                        sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1, a: pa.baseAddress!, lda: lda,
                              b: pb.baseAddress!, ldb: ldb, beta: accumulate ? 1 : 0, c: pc.baseAddress!, ldc: n)
                    }
                }
            }
        }
        return c
    }

    /// Relative error within 1e-5 per 64 steps of the inner dimension: rounding grows with it,
    /// and the kernels and the reference sum in different orders.
    private func assertClose(_ got: [Float], _ want: [Float], k: Int, _ what: String, line: UInt = #line) {
        let worst = zip(want, got).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
        XCTAssertLessThan(worst, 1e-5 * Float(max(1, k / 64)), what, line: line)
    }

    func testLeadingDimensionsLargerThanTheMatrices() throws {
        try XCTSkipIf(CPUKernels.instructionSet == nil, "this CPU has neither AVX-512 nor AVX2 + FMA")
        // A and C inside wider rows (as the LSTM's gate rows are): the padding must not move.
        let (m, n, k, lda, ldc) = (5, 40, 9, 13, 50)
        let a = kernelTestValues(m * lda, seed: 4), b = kernelTestValues(k * n, seed: 5)
        var c = [Float](repeating: 7, count: m * ldc)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                let packed = PackedMatrix(k: k, n: n, b: pb.baseAddress!, ldb: n, transposed: false)!
                c.withUnsafeMutableBufferPointer { packed.multiply(m: m, a: pa.baseAddress!, lda: lda, c: $0.baseAddress!, ldc: ldc, accumulate: false) }
            }
        }
        for i in 0..<m {
            for j in 0..<n {
                let want = (0..<k).reduce(Float(0)) { $0 + a[i * lda + $1] * b[$1 * n + j] }
                XCTAssertEqual(c[i * ldc + j], want, accuracy: 1e-5)
            }
            for j in n..<ldc { XCTAssertEqual(c[i * ldc + j], 7, "padding column \(j) of row \(i) was written") }
        }
    }

    /// A `B` packed from pieces (a zero block, a block read with a wider row stride, and a
    /// narrow last block that is not whole panels) multiplies exactly as the same matrix
    /// assembled first and packed whole: the same panels, bit for bit, on 1 and 2 threads.
    func testPiecesPackTheAssembledMatrix() throws {
        try XCTSkipIf(CPUKernels.instructionSet == nil, "this CPU has neither AVX-512 nor AVX2 + FMA")
        let (m, k, n) = (13, 70, 84), (wide, narrow, ldWide) = (64, 20, 67)
        let top = 8
        let first = kernelTestValues((k - top) * ldWide, seed: 21), second = kernelTestValues(k * narrow, seed: 22)
        var whole = [Float](repeating: 0, count: k * n)
        for r in top..<k { for c in 0..<wide { whole[r * n + c] = first[(r - top) * ldWide + c] } }
        for r in 0..<k { for c in 0..<narrow { whole[r * n + wide + c] = second[r * narrow + c] } }
        let a = kernelTestValues(k * m, seed: 23)
        for transposedA in [false, true] {
            for threads in [1, 2] {
                var got = [Float](repeating: 0, count: m * n), want = got
                first.withUnsafeBufferPointer { p1 in
                    second.withUnsafeBufferPointer { p2 in
                        let pieces = [PackedMatrix.Piece(rows: 0..<top, columns: 0..<wide, b: nil, ldb: 0),
                                      PackedMatrix.Piece(rows: top..<k, columns: 0..<wide, b: p1.baseAddress!, ldb: ldWide),
                                      PackedMatrix.Piece(rows: 0..<k, columns: wide..<n, b: p2.baseAddress!, ldb: narrow)]
                        let packed = PackedMatrix(k: k, n: n, pieces: pieces)!
                        a.withUnsafeBufferPointer { pa in
                            got.withUnsafeMutableBufferPointer { pc in
                                Threading.withThreadCount(threads) {
                                    packed.multiply(m: m, a: pa.baseAddress!, lda: transposedA ? m : k, transposedA: transposedA,
                                                    c: pc.baseAddress!, ldc: n, accumulate: false)
                                }
                            }
                        }
                    }
                }
                whole.withUnsafeBufferPointer { pw in
                    let packed = PackedMatrix(k: k, n: n, b: pw.baseAddress!, ldb: n, transposed: false)!
                    a.withUnsafeBufferPointer { pa in
                        want.withUnsafeMutableBufferPointer { pc in
                            Threading.withThreadCount(threads) {
                                packed.multiply(m: m, a: pa.baseAddress!, lda: transposedA ? m : k, transposedA: transposedA,
                                                c: pc.baseAddress!, ldc: n, accumulate: false)
                            }
                        }
                    }
                }
                XCTAssertEqual(got, want, "transposed A \(transposedA), threads \(threads)")
                XCTAssertNotEqual(got.filter { $0 != 0 }.count, 0)
            }
        }
    }

    func testDisabledKernelsGiveNoPackedMatrix() {
        let b: [Float] = [1, 2, 3, 4]
        let saved = CPUKernels.isEnabled
        defer { CPUKernels.isEnabled = saved }
        CPUKernels.isEnabled = false
        XCTAssertNil(b.withUnsafeBufferPointer { PackedMatrix(k: 2, n: 2, b: $0.baseAddress!, ldb: 2, transposed: false) })
        CPUKernels.isEnabled = true
        XCTAssertEqual(b.withUnsafeBufferPointer { PackedMatrix(k: 2, n: 2, b: $0.baseAddress!, ldb: 2, transposed: false) } != nil,
                       CPUKernels.instructionSet != nil)
    }
}
