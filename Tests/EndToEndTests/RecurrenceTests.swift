import XCTest
@testable import EndToEnd
import EndToEndKernels

/// The fused `Tensor.lstm` op: finite-difference gradients, agreement with the same cell
/// written out step by step in elementary ops, both layouts, and shape errors.
final class RecurrenceTests: XCTestCase {
    func testGradCheckCases() {
        var rng = RandomGenerator(seed: 23)
        assertGradChecksPass(GradCheckCatalog.recurrenceCases(&rng), atLeast: 4)
    }

    /// The cell from its definition, one step at a time, seq-first `[T, B, F]`.
    func reference(_ x: Tensor, _ wih: Tensor, _ whh: Tensor, _ b: Tensor, h0: Tensor, c0: Tensor) -> (Tensor, Tensor, Tensor) {
        let H = whh.shape[1]
        var h = h0, c = c0, outs: [Tensor] = []
        for t in 0..<x.shape[0] {
            let gates = x[t].matmul(wih.T) + h.matmul(whh.T) + b
            let i = gates.sliced(axis: 1, 0..<H).sigmoid(), f = gates.sliced(axis: 1, H..<(2 * H)).sigmoid()
            let g = gates.sliced(axis: 1, (2 * H)..<(3 * H)).tanh(), o = gates.sliced(axis: 1, (3 * H)..<(4 * H)).sigmoid()
            c = f * c + i * g
            h = o * c.tanh()
            outs.append(h)
        }
        return (Tensor.stack(outs), h, c)
    }

    func testMatchesStepByStepDefinitionInBothLayouts() {
        let (T, B, F, H) = (5, 3, 4, 6)
        let x = Tensor.randn([T, B, F], seed: 1), wih = Tensor.randn([4 * H, F], seed: 2) * 0.4
        let whh = Tensor.randn([4 * H, H], seed: 3) * 0.4, bih = Tensor.randn([4 * H], seed: 4), bhh = Tensor.randn([4 * H], seed: 5)
        let h0 = Tensor.randn([B, H], seed: 6), c0 = Tensor.randn([B, H], seed: 7)
        let (ro, rh, rc) = reference(x, wih, whh, bih + bhh, h0: h0, c0: c0)
        let seq = Tensor.lstm(x, weightIH: wih, weightHH: whh, biasIH: bih, biasHH: bhh, h0: h0, c0: c0)
        let bf = Tensor.lstm(x.transposed(0, 1).contiguous(), weightIH: wih, weightHH: whh, biasIH: bih, biasHH: bhh,
                             h0: h0, c0: c0, batchFirst: true)
        for (got, want) in [(seq.output, ro), (seq.h, rh), (seq.c, rc), (bf.output.transposed(0, 1), ro), (bf.h, rh), (bf.c, rc)] {
            XCTAssertEqual(got.shape, want.shape)
            for (a, b) in zip(got.scalars, want.scalars) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        }
    }

    func testGradientsMatchStepByStepDefinition() {
        let (T, B, F, H) = (4, 2, 3, 5)
        let x = Tensor.randn([B, T, F], seed: 11).requiringGrad(), wih = (Tensor.randn([4 * H, F], seed: 12) * 0.4).requiringGrad()
        let whh = (Tensor.randn([4 * H, H], seed: 13) * 0.4).requiringGrad(), b = Tensor.randn([4 * H], seed: 14).requiringGrad()
        let zero = Tensor.zeros([B, H])
        let w = Tensor.randn([B, T, H], seed: 15)
        let fused = Tensor.lstm(x, weightIH: wih, weightHH: whh, biasIH: b, biasHH: nil, batchFirst: true)
        ((fused.output * w).sum() + fused.c.sum()).backward()
        let got = [x, wih, whh, b].map { $0.grad!.scalars }
        let leaves = [x, wih, whh, b].map { $0.detached().requiringGrad() }
        let (ro, _, rc) = reference(leaves[0].transposed(0, 1), leaves[1], leaves[2], leaves[3], h0: zero, c0: zero)
        ((ro.transposed(0, 1) * w).sum() + rc.sum()).backward()
        for (g, leaf) in zip(got, leaves) {
            for (a, e) in zip(g, leaf.grad!.scalars) { XCTAssertEqual(a, e, accuracy: 1e-4) }
        }
    }

    /// The C kernels (packed recurrent weight, vector tanh and sigmoid) against the reference
    /// path (BLAS and Swift), outputs and every gradient, on sizes with row and panel tails, in
    /// each kernel family the CPU has (AVX2 also on an AVX-512 CPU) and on 1 and 2 threads. The
    /// second size has more than 96 rows and a weight gradient whose K, (T − 1)·B, spans two of
    /// the AVX2 kernel's K blocks of 256, so the row split and the K blocking both run.
    func testCKernelsMatchTheReferencePath() throws {
        try XCTSkipIf(CPUKernels.instructionSet == nil, "this CPU has neither AVX-512 nor AVX2 + FMA")
        let families = kernelFamiliesOfThisCPU
        // H = 37 and 21 take the per-row cell; H = 128 and 32 (whole panels of hidden units) the
        // fused step, with and without initial states, in both layouts, and over a single step.
        // At B · H ≥ 2,048 the 4 panels of 128 units split over 2 and 3 threads.
        for (T, B, F, H, batchFirst, states) in [(7, 11, 5, 37, true, true), (30, 12, 9, 21, true, true),
                                                  (5, 16, 6, 128, true, true), (4, 20, 7, 128, false, false),
                                                  (1, 3, 4, 32, true, false), (1, 4, 3, 32, false, true)] {
            let label = "T \(T) B \(B) H \(H) batchFirst \(batchFirst) states \(states)"
            // The weight and bias gradients (results 4 to 7) are sums over T · B steps and rows,
            // added in another order by each path: float rounding's bound for a sum of K terms
            // is K · 2^-24 of their magnitudes, twice that here (T 30 × B 12 differed by 1.2e-5
            // on an AVX2-only Zen 3, where the reference's OpenBLAS is its Haswell kernel).
            func tolerance(_ result: Int) -> Float { (4...7).contains(result) ? max(1e-5, Float(2 * T * B) * 0x1p-24) : 1e-5 }
            let reference = lstmResults(T: T, B: B, F: F, H: H, batchFirst: batchFirst, states: states, fast: false, avx2: false, threads: 1)
            for avx2 in families {
                let one = lstmResults(T: T, B: B, F: F, H: H, batchFirst: batchFirst, states: states, fast: true, avx2: avx2, threads: 1)
                for threads in [1, 2, 3] {
                    let fast = threads == 1 ? one
                        : lstmResults(T: T, B: B, F: F, H: H, batchFirst: batchFirst, states: states, fast: true, avx2: avx2, threads: threads)
                    for (i, (f, r)) in zip(fast, reference).enumerated() {
                        let worst = zip(f, r).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
                        XCTAssertLessThan(worst, tolerance(i), "\(label) avx2 \(avx2) threads \(threads): result \(i) (output, c, h, then the gradients of x, W_ih, W_hh, b_ih, b_hh, h0, c0)")
                    }
                    // The threads split the hidden units or the batch rows, never a sum.
                    XCTAssertEqual(fast, one, "\(label) avx2 \(avx2): \(threads) threads differ from one in some bit")
                }
            }
        }
    }

    /// Output, final c and h, then every gradient of one LSTM call and backward.
    private func lstmResults(T: Int, B: Int, F: Int, H: Int, batchFirst: Bool, states: Bool, fast: Bool, avx2: Bool,
                             threads: Int) -> [[Float]] {
        withCPUKernels(enabled: fast, avx2: avx2, threads: threads) {
            let x = Tensor.randn(batchFirst ? [B, T, F] : [T, B, F], seed: 21).requiringGrad()
            let wih = (Tensor.randn([4 * H, F], seed: 22) * 0.3).requiringGrad()
            let whh = (Tensor.randn([4 * H, H], seed: 23) * 0.3).requiringGrad(), b = Tensor.randn([4 * H], seed: 24).requiringGrad()
            let b2 = Tensor.randn([4 * H], seed: 28).requiringGrad()
            let h0 = states ? Tensor.randn([B, H], seed: 25).requiringGrad() : nil
            let c0 = states ? Tensor.randn([B, H], seed: 26).requiringGrad() : nil
            let r = Tensor.lstm(x, weightIH: wih, weightHH: whh, biasIH: b, biasHH: b2, h0: h0, c0: c0, batchFirst: batchFirst)
            ((r.output * Tensor.randn(r.output.shape, seed: 27)).sum() + r.c.sum() + (r.h * 0.5).sum()).backward()
            return [r.output.scalars, r.c.scalars, r.h.scalars] + ([x, wih, whh, b, b2] + [h0, c0].compactMap { $0 }).map { $0.grad!.scalars }
        }
    }

    func testShapeErrorsNameTheArgument() {
        let x = Tensor.zeros([2, 3, 4])
        XCTAssertEqual(Tensor.lstmShapeError(x, weightIH: Tensor.zeros([8, 5]), weightHH: Tensor.zeros([8, 2]), biasIH: nil, biasHH: nil, h0: nil, c0: nil, batchFirst: false)?.message,
                       "weightIH must be [4H, 4] for input features 4, got [8, 5]")
        XCTAssertEqual(Tensor.lstmShapeError(x, weightIH: Tensor.zeros([8, 4]), weightHH: Tensor.zeros([8, 2]), biasIH: nil, biasHH: nil, h0: Tensor.zeros([2, 2]), c0: nil, batchFirst: false)?.message,
                       "h0 must be [3, 2], got [2, 2]")
        XCTAssertNil(Tensor.lstmShapeError(x, weightIH: Tensor.zeros([8, 4]), weightHH: Tensor.zeros([8, 2]), biasIH: Tensor.zeros([8]), biasHH: nil, h0: nil, c0: nil, batchFirst: false))
    }
}
