import Foundation
import XCTest
@testable import EndToEnd
import EndToEndKernels

final class ConvolutionTests: XCTestCase {
    /// Direct (seven nested loops) 2-D convolution, the definition the fast path must match.
    static func naiveConv2d(_ x: Tensor, _ w: Tensor, _ b: Tensor?, stride: (Int, Int), padding: (Int, Int),
                            dilation: (Int, Int), groups: Int) -> Tensor {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, cg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        let og = o / groups
        let oh = (h + 2 * padding.0 - dilation.0 * (kh - 1) - 1) / stride.0 + 1
        let ow = (wd + 2 * padding.1 - dilation.1 * (kw - 1) - 1) / stride.1 + 1
        let xs = x.scalars, ws = w.scalars, bs = b?.scalars
        var out = [Float](repeating: 0, count: n * o * oh * ow)
        for ni in 0..<n {
            for oc in 0..<o {
                let grp = oc / og
                for i in 0..<oh {
                    for j in 0..<ow {
                        var s: Double = Double(bs?[oc] ?? 0)
                        for ci in 0..<cg {
                            let cin = grp * cg + ci
                            for a in 0..<kh {
                                for bb in 0..<kw {
                                    let ih = i * stride.0 - padding.0 + a * dilation.0
                                    let iw = j * stride.1 - padding.1 + bb * dilation.1
                                    if ih < 0 || ih >= h || iw < 0 || iw >= wd { continue }
                                    s += Double(xs[((ni * c + cin) * h + ih) * wd + iw]) * Double(ws[((oc * cg + ci) * kh + a) * kw + bb])
                                }
                            }
                        }
                        out[((ni * o + oc) * oh + i) * ow + j] = Float(s)
                    }
                }
            }
        }
        return Tensor(shape: [n, o, oh, ow], scalars: out)
    }

    func assertClose(_ a: Tensor, _ b: Tensor, tol: Float = 1e-4, _ msg: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.shape, b.shape, msg, file: file, line: line)
        guard a.shape == b.shape else { return }
        let x = a.scalars, y = b.scalars
        var worst: Float = 0
        for i in 0..<x.count { worst = max(worst, abs(x[i] - y[i]) / max(1, abs(y[i]))) }
        XCTAssertLessThanOrEqual(worst, tol, msg, file: file, line: line)
    }

    func testConv2dMatchesNaiveOnRandomConfigurations() {
        var rng = RandomGenerator(seed: 42)
        func r(_ lo: Int, _ hi: Int) -> Int { lo + Int(rng.nextUniform() * Float(hi - lo + 1)) % (hi - lo + 1) }
        var tested = 0
        while tested < 60 {
            let groups = [1, 1, 2, 3][r(0, 3)]
            let cg = r(1, 3), og = r(1, 3)
            let c = cg * groups, o = og * groups
            let kh = r(1, 4), kw = r(1, 4)
            let s = (r(1, 3), r(1, 3)), d = (r(1, 2), r(1, 2))
            let p = (r(0, 2), r(0, 2))
            let n = r(1, 3), h = r(1, 9), w = r(1, 9)
            guard d.0 * (kh - 1) + 1 <= h + 2 * p.0, d.1 * (kw - 1) + 1 <= w + 2 * p.1 else { continue }
            let x = Tensor.normal([n, c, h, w], using: &rng)
            let wt = Tensor.normal([o, cg, kh, kw], using: &rng)
            let b: Tensor? = r(0, 1) == 0 ? Tensor.normal([o], using: &rng) : nil
            let got = x.conv2d(wt, bias: b, stride: s, padding: p, dilation: d, groups: groups)
            let want = Self.naiveConv2d(x, wt, b, stride: s, padding: p, dilation: d, groups: groups)
            assertClose(got, want, "x \(x.shape) w \(wt.shape) stride \(s) padding \(p) dilation \(d) groups \(groups) bias \(b != nil)")
            tested += 1
        }
    }

    func testConv2dHandComputed() {
        // 1x1x3x3 input 1...9, 2x2 kernel of ones: each output sums a 2x2 window.
        let x = Tensor(shape: [1, 1, 3, 3], scalars: (1...9).map(Float.init))
        let y = x.conv2d(Tensor.ones([1, 1, 2, 2]), bias: Tensor([0.5]))
        XCTAssertEqual(y.shape, [1, 1, 2, 2])
        XCTAssertEqual(y.scalars, [12.5, 16.5, 24.5, 28.5])
        // Padding 1, stride 2: corners see only the input's corners' neighbourhoods.
        let z = x.conv2d(Tensor.ones([1, 1, 2, 2]), stride: 2, padding: 1)
        XCTAssertEqual(z.scalars, [1, 5, 11, 28])
    }

    func testConv2dNonContiguousInputsAndLargerBatch() {
        var rng = RandomGenerator(seed: 3)
        let x = Tensor.normal([5, 7, 4, 6], using: &rng).permuted([0, 3, 2, 1])  // [5, 6, 4, 7]
        let w = Tensor.normal([3, 4, 6, 2], using: &rng).permuted([0, 2, 3, 1])  // [3, 6, 2, 4]
        let got = x.conv2d(w, stride: (1, 2), padding: (1, 1))
        let want = Self.naiveConv2d(x.contiguous(), w.contiguous(), nil, stride: (1, 2), padding: (1, 1), dilation: (1, 1), groups: 1)
        assertClose(got, want, "non-contiguous")
        let xb = Tensor.normal([64, 1, 28, 28], using: &rng), wb = Tensor.normal([8, 1, 5, 5], using: &rng)
        assertClose(xb.conv2d(wb, bias: Tensor.ones([8])),
                    Self.naiveConv2d(xb, wb, Tensor.ones([8]), stride: (1, 1), padding: (0, 0), dilation: (1, 1), groups: 1), "batch 64")
    }

    func testConv1dMatchesNaive() {
        var rng = RandomGenerator(seed: 9)
        for (n, c, l, o, k, s, p, d, groups) in [(2, 3, 10, 4, 3, 1, 0, 1, 1), (1, 4, 9, 6, 2, 2, 1, 3, 2), (3, 2, 5, 2, 5, 1, 2, 1, 2), (2, 1, 4, 3, 1, 3, 0, 1, 1)] {
            let x = Tensor.normal([n, c, l], using: &rng), w = Tensor.normal([o, c / groups, k], using: &rng)
            let b = Tensor.normal([o], using: &rng)
            let got = x.conv1d(w, bias: b, stride: s, padding: p, dilation: d, groups: groups)
            let want = Self.naiveConv2d(x.reshaped([n, c, 1, l]), w.reshaped([o, c / groups, 1, k]), b, stride: (1, s),
                                        padding: (0, p), dilation: (1, d), groups: groups)
            assertClose(got, want.reshaped([n, o, want.shape[3]]), "conv1d x \(x.shape) w \(w.shape) s \(s) p \(p) d \(d) g \(groups)")
        }
    }

    /// Convolutions the packed kernels take as `colsᵀ · Wᵀ` (forward) and `cols · dYᵀ` (the
    /// weight gradient): output and every gradient against the reference path (C kernels off:
    /// `W · cols` through the BLAS or Swift), both kernel families, one and two threads.
    func testTransposedProductsMatchTheReferencePath() throws {
        try XCTSkipIf(CPUKernels.instructionSet == nil, "this CPU has neither AVX-512 nor AVX2 + FMA")
        // (x, weight, stride, padding): 2-D with bias and padding, strided, one sample, and 1-D;
        // output positions 243, 70, 16 and 160 (row blocks of 8 with and without a partial one).
        let cases: [([Int], [Int], (Int, Int), (Int, Int))] = [
            ([3, 4, 9, 9], [32, 4, 3, 3], (1, 1), (1, 1)), ([2, 3, 11, 7], [64, 3, 2, 3], (2, 1), (0, 1)),
            ([1, 5, 6, 6], [32, 5, 3, 3], (1, 1), (0, 0)), ([4, 16, 1, 40], [32, 16, 1, 5], (1, 1), (0, 2)),
        ]
        for (xs, ws, stride, padding) in cases {
            func run(_ fast: Bool, avx2: Bool, threads: Int) -> [[Float]] {
                withCPUKernels(enabled: fast, avx2: avx2, threads: threads) {
                    var rng = RandomGenerator(seed: 41)
                    let x = Tensor.normal(xs, using: &rng).requiringGrad(), w = Tensor.normal(ws, using: &rng).requiringGrad()
                    let b = Tensor.normal([ws[0]], using: &rng).requiringGrad()
                    let y = x.conv2d(w, bias: b, stride: stride, padding: padding)
                    (y * Tensor.normal(y.shape, using: &rng)).sum().backward()
                    return [y.scalars, x.grad!.scalars, w.grad!.scalars, b.grad!.scalars]
                }
            }
            let oH = (xs[2] + 2 * padding.0 - ws[2]) / stride.0 + 1, oW = (xs[3] + 2 * padding.1 - ws[3]) / stride.1 + 1
            let m = xs[0] * oH * oW
            XCTAssertTrue(GEMM.packedRouteTakes(m: m, n: ws[0], k: ws[1] * ws[2] * ws[3]), "x \(xs) w \(ws) does not reach the new path")
            if CPUKernels.instructionSet == "avx512f" {
                // AVX-512 unfolds the columns straight into the kernel's order (no copy of A).
                let shape = ConvolutionShape(n: xs[0], c: xs[1], h: xs[2], w: xs[3], kH: ws[2], kW: ws[3], sH: stride.0, sW: stride.1,
                                             pH: padding.0, pW: padding.1, dH: 1, dW: 1, oH: oH, oW: oW)
                XCTAssertTrue(CPUKernels.blockedColumnsAvailable(for: shape), "x \(xs) w \(ws) does not reach the blocked columns")
            }
            assertFastPathsMatchTheReference(run, "x \(xs) w \(ws)")
        }
    }

    /// The C im2col and col2im against the Swift loops, element for element (both copy the same
    /// values and add in the same order): padding wider than the kernel's reach, dilation,
    /// vertical strides, rows of 1 to 52 floats (8-lane chunks with masked tails), and a
    /// horizontal stride of 2, which the C kernels decline (the strided path runs on both
    /// sides; `testStridedUnfoldMatchesTheDefinition` checks it).
    func testUnfoldKernelsMatchTheReferenceLoops() throws {
        try XCTSkipIf(CPUKernels.instructionSet == nil, "this CPU has neither AVX-512 nor AVX2 + FMA")
        // (x [N, C, H, W], kernel, stride, padding, dilation)
        let cases: [([Int], (Int, Int), (Int, Int), (Int, Int), (Int, Int))] = [
            ([64, 1, 28, 28], (5, 5), (1, 1), (0, 0), (1, 1)), ([4, 32, 12, 12], (5, 5), (1, 1), (0, 0), (1, 1)),
            ([3, 4, 9, 11], (3, 3), (1, 1), (1, 1), (1, 1)), ([2, 3, 10, 37], (3, 5), (2, 1), (2, 3), (1, 2)),
            ([2, 2, 5, 40], (2, 7), (1, 1), (0, 9), (2, 1)), ([1, 2, 1, 100], (1, 9), (1, 1), (0, 4), (1, 1)),
            ([2, 1, 6, 6], (7, 7), (1, 1), (3, 3), (1, 1)), ([2, 3, 9, 9], (3, 3), (2, 2), (1, 1), (1, 1)),
            ([1, 1, 3, 1], (2, 1), (1, 1), (0, 0), (1, 1)),
        ]
        for (xs, kernel, stride, padding, dilation) in cases {
            let g = Self.unfoldGeometry(xs, kernel, stride, padding, dilation)
            var rng = RandomGenerator(seed: 43)
            let x = Tensor.normal(xs, using: &rng), cols = Tensor.normal([g.rows, g.np], using: &rng)
            func run(_ fast: Bool, avx2: Bool, threads: Int) -> (unfolded: [Float], folded: [Float]) {
                withCPUKernels(enabled: fast, avx2: avx2, threads: threads) {
                    // Filled with NaN first: every element must be written.
                    var u = [Float](repeating: .nan, count: g.rows * g.np), f = [Float](repeating: .nan, count: x.count)
                    x.withContiguousData { p in u.withUnsafeMutableBufferPointer { Tensor.im2col(p, g, $0.baseAddress!) } }
                    cols.withContiguousData { p in f.withUnsafeMutableBufferPointer { Tensor.col2im(p, g, $0.baseAddress!) } }
                    return (u, f)
                }
            }
            let reference = run(false, avx2: false, threads: 1)
            XCTAssertFalse(reference.unfolded.contains { $0.isNaN } || reference.folded.contains { $0.isNaN }, "x \(xs): the reference left an element unwritten")
            for avx2 in kernelFamiliesOfThisCPU {
                for threads in [1, 2] {
                    let fast = run(true, avx2: avx2, threads: threads)
                    XCTAssertEqual(fast.unfolded, reference.unfolded, "im2col, x \(xs) kernel \(kernel) stride \(stride) padding \(padding) dilation \(dilation), avx2 \(avx2), threads \(threads)")
                    XCTAssertEqual(fast.folded, reference.folded, "col2im, x \(xs) kernel \(kernel) stride \(stride) padding \(padding) dilation \(dilation), avx2 \(avx2), threads \(threads)")
                }
            }
        }
    }

    /// One-channel 1-D convolutions with a stride and no padding, whose products read the input
    /// in place as overlapping windows (no column matrix): output and every gradient, with and
    /// without the fused ReLU, against the reference path (C kernels off), both kernel
    /// families, one and two threads. Kernel 64 / stride 8 is the voice network's first layer;
    /// kernel 3 / stride 4 leaves gaps between windows; 40 channels span two panels, one partial.
    func testWindowsInPlaceMatchTheReferencePath() throws {
        try XCTSkipIf(CPUKernels.instructionSet == nil, "this CPU has neither AVX-512 nor AVX2 + FMA")
        let cases: [([Int], [Int], Int, Bool)] = [
            ([3, 1, 1000], [16, 1, 64], 8, true), ([2, 1, 50], [32, 1, 5], 3, false),
            ([2, 1, 40], [8, 1, 3], 4, true), ([1, 1, 17], [40, 1, 2], 2, false),
        ]
        for (xs, ws, stride, relu) in cases {
            let g = try Tensor.conv1dGeometry(input: xs, weight: ws, bias: [ws[0]], stride: stride, padding: 0, dilation: 1, groups: 1)
            XCTAssertTrue(g.windowsInPlace, "x \(xs) w \(ws) stride \(stride) does not reach the in-place path")
            func run(_ fast: Bool, avx2: Bool, threads: Int) -> [[Float]] {
                withCPUKernels(enabled: fast, avx2: avx2, threads: threads) {
                    var rng = RandomGenerator(seed: 47)
                    let x = Tensor.normal(xs, using: &rng).requiringGrad(), w = Tensor.normal(ws, using: &rng).requiringGrad()
                    let b = Tensor.normal([ws[0]], using: &rng).requiringGrad()
                    let y = relu ? x.conv1dReLU(w, bias: b, stride: stride) : x.conv1d(w, bias: b, stride: stride)
                    (y * Tensor.normal(y.shape, using: &rng)).sum().backward()
                    return [y.scalars, x.grad!.scalars, w.grad!.scalars, b.grad!.scalars]
                }
            }
            assertFastPathsMatchTheReference(run, "x \(xs) w \(ws) stride \(stride)")
        }
    }

    /// The column matrix of horizontally strided convolutions (the transposition path) against
    /// its definition, element for element: the voice network's first layer (kernel 64, stride
    /// 8), vertical and horizontal strides and padding together, padding wider than the stride,
    /// a kernel wider than the input, and kernels narrower than 8 or dilated (the element-wise
    /// loop), on 1 and 2 threads.
    func testStridedUnfoldMatchesTheDefinition() {
        // (x [N, C, H, W], kernel, stride, padding, dilation)
        let cases: [([Int], (Int, Int), (Int, Int), (Int, Int), (Int, Int))] = [
            ([2, 1, 1, 1000], (1, 64), (1, 8), (0, 0), (1, 1)), ([2, 3, 10, 37], (3, 5), (2, 3), (2, 3), (1, 1)),
            ([1, 2, 5, 19], (2, 8), (1, 2), (1, 9), (1, 1)), ([2, 1, 1, 7], (1, 9), (1, 2), (0, 1), (1, 1)),
            ([1, 2, 4, 30], (1, 3), (1, 4), (0, 2), (1, 3)), ([3, 2, 1, 50], (1, 8), (1, 8), (0, 0), (1, 1)),
            ([2, 3, 7, 40], (3, 10), (2, 3), (1, 2), (1, 1)),
        ]
        for (xs, kernel, stride, padding, dilation) in cases {
            let g = Self.unfoldGeometry(xs, kernel, stride, padding, dilation)
            var rng = RandomGenerator(seed: 44)
            let x = Tensor.normal(xs, using: &rng), xv = x.scalars
            var want = [Float](repeating: 0, count: g.rows * g.np)
            for c in 0..<g.c {
                for i in 0..<g.kH {
                    for j in 0..<g.kW {
                        let r = (c * g.kH + i) * g.kW + j
                        for n in 0..<g.n {
                            for oh in 0..<g.oH {
                                for ow in 0..<g.oW {
                                    let ih = oh * g.sH - g.pH + i * g.dH, iw = ow * g.sW - g.pW + j * g.dW
                                    let inside = ih >= 0 && ih < g.h && iw >= 0 && iw < g.w
                                    want[r * g.np + (n * g.oH + oh) * g.oW + ow] = inside ? xv[((n * g.c + c) * g.h + ih) * g.w + iw] : 0
                                }
                            }
                        }
                    }
                }
            }
            for threads in [1, 2] {
                var got = [Float](repeating: .nan, count: g.rows * g.np)
                Threading.withThreadCount(threads) {
                    x.withContiguousData { p in got.withUnsafeMutableBufferPointer { Tensor.im2col(p, g, $0.baseAddress!) } }
                }
                XCTAssertEqual(got, want, "x \(xs) kernel \(kernel) stride \(stride) padding \(padding) dilation \(dilation), threads \(threads)")
            }
        }
    }

    /// The geometry of unfolding `x` (`[N, C, H, W]`) with this kernel, stride, padding and
    /// dilation (one output channel).
    private static func unfoldGeometry(_ xs: [Int], _ kernel: (Int, Int), _ stride: (Int, Int), _ padding: (Int, Int),
                                       _ dilation: (Int, Int)) -> ConvGeometry {
        let oH = (xs[2] + 2 * padding.0 - dilation.0 * (kernel.0 - 1) - 1) / stride.0 + 1
        let oW = (xs[3] + 2 * padding.1 - dilation.1 * (kernel.1 - 1) - 1) / stride.1 + 1
        return ConvGeometry(n: xs[0], c: xs[1], h: xs[2], w: xs[3], outC: 1, groups: 1, kH: kernel.0, kW: kernel.1,
                            sH: stride.0, sW: stride.1, pH: padding.0, pW: padding.1, dH: dilation.0, dW: dilation.1,
                            oH: oH, oW: oW)
    }

    /// `run(fast, avx2, threads)` (the output, then the gradients of x, W and b) with the C
    /// kernels on, for each kernel family of this CPU on one and two threads, within 2e-5 of the
    /// reference path (kernels off, one thread).
    private func assertFastPathsMatchTheReference(_ run: (Bool, Bool, Int) -> [[Float]], _ what: String, line: UInt = #line) {
        let reference = run(false, false, 1)
        for avx2 in kernelFamiliesOfThisCPU {
            for threads in [1, 2] {
                for (i, (f, r)) in zip(run(true, avx2, threads), reference).enumerated() {
                    let worst = zip(f, r).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
                    XCTAssertLessThan(worst, 2e-5, "\(what) avx2 \(avx2) threads \(threads): result \(i) (output, then the gradients of x, W, b)",
                                      line: line)
                }
            }
        }
    }

    func testIntConvenienceOverloadsMatchTuples() {
        var rng = RandomGenerator(seed: 5)
        let x = Tensor.normal([2, 2, 7, 7], using: &rng), w = Tensor.normal([2, 2, 3, 3], using: &rng)
        XCTAssertEqual(x.conv2d(w, stride: 2, padding: 1, dilation: 2).scalars,
                       x.conv2d(w, stride: (2, 2), padding: (1, 1), dilation: (2, 2)).scalars)
        XCTAssertEqual(x.conv2d(w, padding: 1).shape, [2, 2, 7, 7])
        XCTAssertEqual(x.conv2d(w).shape, [2, 2, 5, 5])
    }

    func testGradientsOnlyForInputsThatNeedThem() {
        var rng = RandomGenerator(seed: 11)
        let x = Tensor.normal([2, 2, 5, 5], using: &rng)
        let w = Tensor.normal([3, 2, 3, 3], using: &rng).requiringGrad()
        let b = Tensor.zeros([3]).requiringGrad()
        x.conv2d(w, bias: b, padding: 1).sum().backward()
        XCTAssertEqual(w.grad?.shape, [3, 2, 3, 3])
        // d(sum)/db = number of output positions per channel, summed over the batch.
        XCTAssertEqual(b.grad?.scalars, [50, 50, 50])
        XCTAssertFalse(x.requiresGrad)
        // No recording at all when nothing requires a gradient.
        XCTAssertFalse(x.conv2d(w.detached()).requiresGrad)
    }

    func testGradCheckCases() {
        var rng = RandomGenerator(seed: 17)
        let cases = GradCheckCatalog.convolutionCases(&rng)
        let ops = Set(cases.map(\.op))
        for op in ["conv1d", "conv2d", "maxPool2d", "avgPool2d", "maxPool1d", "avgPool1d", "globalAvgPool2d",
                   "conv2dReLU", "conv1dReLU"] {
            XCTAssertTrue(ops.contains(op), "missing \(op)")
        }
        assertGradChecksPass(cases, atLeast: 24)
    }

    /// The fused convolution + ReLU against the two ops, to the bit: values and every gradient,
    /// on each forward route (the blocked AVX-512 columns and the packed product with 32 and
    /// 64 output channels, a single sample, groups, the BLAS) and with a strided input.
    func testConvReLUEqualsConvThenReLUToTheBit() {
        // (input, weight, bias, stride, padding, groups)
        let specs: [([Int], [Int], Bool, Int, Int, Int)] = [
            ([4, 1, 12, 12], [32, 1, 5, 5], true, 1, 0, 1),   // LeNet's first layer: one panel
            ([3, 32, 8, 8], [64, 32, 5, 5], true, 1, 2, 1),   // its second: a pair of panels
            ([1, 3, 9, 9], [8, 3, 3, 3], true, 1, 1, 1),      // one sample
            ([2, 4, 6, 6], [6, 2, 3, 3], false, 2, 1, 2),     // groups
            ([2, 3, 7, 5], [5, 3, 2, 2], true, 1, 0, 1),      // small: the BLAS
        ]
        for (i, (xs, ws, hasBias, s, p, groups)) in specs.enumerated() {
            let x = Tensor.randn(xs, seed: UInt64(10 + i)).requiringGrad(), w = (Tensor.randn(ws, seed: UInt64(20 + i)) * 0.3).requiringGrad()
            let b = hasBias ? Tensor.randn([ws[0]], seed: UInt64(30 + i)).requiringGrad() : nil
            let fused = x.conv2dReLU(w, bias: b, stride: (s, s), padding: (p, p), groups: groups)
            let probe = Tensor.randn(fused.shape, seed: UInt64(40 + i))
            (fused * probe).sum().backward()
            let leaves = ([x, w] + (b.map { [$0] } ?? [])).map { $0.detached().requiringGrad() }
            let ref = leaves[0].conv2d(leaves[1], bias: hasBias ? leaves[2] : nil, stride: (s, s), padding: (p, p), groups: groups).relu()
            (ref * probe).sum().backward()
            XCTAssertEqual(fused.shape, ref.shape)
            XCTAssertEqual(fused.scalars, ref.scalars, "spec \(i): values")
            XCTAssertTrue(fused.scalars.contains(0) && fused.scalars.contains { $0 > 0 }, "spec \(i): the ReLU should cut some outputs")
            for (k, (a, e)) in zip([x, w] + (b.map { [$0] } ?? []), leaves).enumerated() {
                XCTAssertEqual(a.grad!.scalars, e.grad!.scalars, "spec \(i): gradient \(k)")
            }
        }
        // A strided (permuted) input and the 1-D form.
        let x = Tensor.randn([2, 9, 3], seed: 50).requiringGrad(), w = Tensor.randn([4, 3, 3], seed: 51).requiringGrad()
        let fused = x.permuted([0, 2, 1]).conv1dReLU(w, padding: 1)
        fused.sum().backward()
        let (xl, wl) = (x.detached().requiringGrad(), w.detached().requiringGrad())
        let ref = xl.permuted([0, 2, 1]).conv1d(wl, padding: 1).relu()
        ref.sum().backward()
        XCTAssertEqual(fused.scalars, ref.scalars)
        XCTAssertEqual(x.grad!.scalars, xl.grad!.scalars)
        XCTAssertEqual(w.grad!.scalars, wl.grad!.scalars)
    }

    /// Timing of the benchmark's two conv layers (batch 64), only when `E2E_CONV_BENCH` is
    /// set; run in release: `swift test -c release -Xswiftc -enable-testing --filter ConvolutionTests/testBenchmarkTiming`.
    func testBenchmarkTiming() throws {
        guard ProcessInfo.processInfo.environment["E2E_CONV_BENCH"] != nil else { throw XCTSkip("set E2E_CONV_BENCH to time") }
        var rng = RandomGenerator(seed: 1)
        let x = Tensor.normal([64, 1, 28, 28], using: &rng)
        let w1 = (Tensor.normal([32, 1, 5, 5], using: &rng) * 0.2).requiringGrad(), b1 = Tensor.zeros([32]).requiringGrad()
        let w2 = (Tensor.normal([64, 32, 5, 5], using: &rng) * 0.05).requiringGrad(), b2 = Tensor.zeros([64]).requiringGrad()
        func time(_ label: String, _ reps: Int = 20, _ body: () -> Void) {
            body()
            var best = Double.infinity, total = 0.0
            for _ in 0..<reps {
                let t0 = DispatchTime.now().uptimeNanoseconds
                body()
                let ms = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
                best = min(best, ms); total += ms
            }
            print(String(format: "TIMING %@: best %.2f ms, mean %.2f ms", label, best, total / Double(reps)))
        }
        let h1 = withNoGrad { x.conv2d(w1, bias: b1).relu().maxPool2d(kernelSize: 2) }
        time("conv1 forward [64,1,28,28] -> [64,32,24,24]") { _ = withNoGrad { x.conv2d(w1, bias: b1) } }
        time("conv2 forward [64,32,12,12] -> [64,64,8,8]") { _ = withNoGrad { h1.conv2d(w2, bias: b2) } }
        time("conv1 forward+backward (weight, bias)") {
            x.conv2d(w1, bias: b1).sum().backward()
            w1.zeroGrad(); b1.zeroGrad()
        }
        let h1g = h1.requiringGrad()
        time("conv2 forward+backward (input, weight, bias)") {
            h1g.conv2d(w2, bias: b2).sum().backward()
            w2.zeroGrad(); b2.zeroGrad(); h1g.zeroGrad()
        }
        time("conv1-relu-pool-conv2-pool forward+backward") {
            let y = x.conv2d(w1, bias: b1).relu().maxPool2d(kernelSize: 2).conv2d(w2, bias: b2).maxPool2d(kernelSize: 2)
            y.sum().backward()
            for t in [w1, b1, w2, b2] { t.zeroGrad() }
        }
        time("maxPool2d 2x2 forward+backward [64,32,12,12]") {
            let p = h1g.maxPool2d(kernelSize: 2)
            p.sum().backward()
            h1g.zeroGrad()
        }
    }

    // MARK: validation messages

    func conv2dError(_ x: [Int], _ w: [Int], bias: [Int]? = nil, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                     dilation: (Int, Int) = (1, 1), groups: Int = 1) -> String? {
        do {
            _ = try Tensor.conv2dGeometry(input: x, weight: w, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
            return nil
        } catch {
            return error.description
        }
    }

    func testConv2dValidationMessages() {
        XCTAssertEqual(conv2dError([2, 3, 8], [4, 3, 3, 3]), "conv2d: input must be 4-D [N, C, H, W], got [2, 3, 8]")
        XCTAssertEqual(conv2dError([2, 3, 8, 8], [4, 3, 3]),
                       "conv2d: weight must be 4-D [outC, C / groups, kH, kW], got [4, 3, 3] for input [2, 3, 8, 8]")
        XCTAssertEqual(conv2dError([2, 3, 8, 8], [4, 2, 3, 3]),
                       "conv2d: input [2, 3, 8, 8] has 3 channels but weight [4, 2, 3, 3] expects 2 (2 per group × groups 1)")
        XCTAssertEqual(conv2dError([2, 6, 8, 8], [4, 2, 3, 3], groups: 4),
                       "conv2d: input [2, 6, 8, 8] has 6 channels, which is not divisible by groups 4 (weight [4, 2, 3, 3])")
        XCTAssertEqual(conv2dError([2, 6, 8, 8], [5, 3, 3, 3], groups: 2),
                       "conv2d: weight [5, 3, 3, 3] has 5 output channels, which is not divisible by groups 2 (input [2, 6, 8, 8])")
        XCTAssertEqual(conv2dError([2, 3, 4, 4], [4, 3, 5, 5]),
                       "conv2d: kernel of (dilated) size 5x5 is larger than the padded input 4x4 (input [2, 3, 4, 4], weight [4, 3, 5, 5], padding (0, 0), dilation (1, 1))")
        XCTAssertEqual(conv2dError([2, 3, 4, 4], [4, 3, 3, 3], dilation: (2, 1)),
                       "conv2d: kernel of (dilated) size 5x3 is larger than the padded input 4x4 (input [2, 3, 4, 4], weight [4, 3, 3, 3], padding (0, 0), dilation (2, 1))")
        XCTAssertNil(conv2dError([2, 3, 4, 4], [4, 3, 5, 5], padding: (1, 1)))
        XCTAssertEqual(conv2dError([2, 3, 8, 8], [4, 3, 3, 3], stride: (0, 1)),
                       "conv2d: stride must be positive, got (0, 1) (input [2, 3, 8, 8], weight [4, 3, 3, 3])")
        XCTAssertEqual(conv2dError([2, 3, 8, 8], [4, 3, 3, 3], dilation: (1, -1)),
                       "conv2d: dilation must be positive, got (1, -1) (input [2, 3, 8, 8], weight [4, 3, 3, 3])")
        XCTAssertEqual(conv2dError([2, 3, 8, 8], [4, 3, 3, 3], padding: (-1, 0)),
                       "conv2d: padding must be non-negative, got (-1, 0) (input [2, 3, 8, 8], weight [4, 3, 3, 3])")
        XCTAssertEqual(conv2dError([2, 3, 8, 8], [4, 3, 3, 3], groups: 0),
                       "conv2d: groups must be positive, got 0 (input [2, 3, 8, 8], weight [4, 3, 3, 3])")
        XCTAssertEqual(conv2dError([2, 3, 8, 8], [4, 3, 3, 3], bias: [3]),
                       "conv2d: bias [3] must be [4], one value per output channel of weight [4, 3, 3, 3] (input [2, 3, 8, 8])")
        XCTAssertEqual(conv2dError([2, 3, 8, 8], [4, 3, 0, 3]), "conv2d: weight [4, 3, 0, 3] has an empty dimension (input [2, 3, 8, 8])")
    }

    func testConv1dValidationMessages() {
        func err(_ x: [Int], _ w: [Int], stride: Int = 1, padding: Int = 0, dilation: Int = 1, groups: Int = 1) -> String? {
            do {
                _ = try Tensor.conv1dGeometry(input: x, weight: w, bias: nil, stride: stride, padding: padding, dilation: dilation, groups: groups)
                return nil
            } catch { return error.description }
        }
        XCTAssertEqual(err([2, 3, 8, 8], [4, 3, 3]), "conv1d: input must be 3-D [N, C, L], got [2, 3, 8, 8]")
        XCTAssertEqual(err([2, 3, 8], [4, 3, 3, 3]), "conv1d: weight must be 3-D [outC, C / groups, k], got [4, 3, 3, 3] for input [2, 3, 8]")
        XCTAssertEqual(err([2, 3, 8], [4, 2, 3]), "conv1d: input [2, 3, 8] has 3 channels but weight [4, 2, 3] expects 2 (2 per group × groups 1)")
        XCTAssertEqual(err([2, 3, 4], [4, 3, 3], dilation: 2),
                       "conv1d: kernel of (dilated) size 5 is larger than the padded input 4 (input [2, 3, 4], weight [4, 3, 3], padding 0, dilation 2)")
        XCTAssertEqual(err([2, 3, 8], [4, 3, 3], stride: 0), "conv1d: stride must be positive, got 0 (input [2, 3, 8], weight [4, 3, 3])")
    }
}
