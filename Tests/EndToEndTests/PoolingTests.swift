import XCTest
@testable import EndToEnd
import EndToEndKernels

final class PoolingTests: XCTestCase {
    /// 1x1x4x4 holding 1...16 row by row.
    let grid = Tensor(shape: [1, 1, 4, 4], scalars: (1...16).map(Float.init))

    func assertValues(_ t: Tensor, _ expected: [Double], file: StaticString = #filePath, line: UInt = #line) {
        let got = t.scalars
        XCTAssertEqual(got.count, expected.count, file: file, line: line)
        for (a, b) in zip(got, expected) { XCTAssertEqual(Double(a), b, accuracy: 1e-5, file: file, line: line) }
    }

    func testMaxPool2dHandComputed() {
        let y = grid.maxPool2d(kernelSize: (2, 2))
        XCTAssertEqual(y.shape, [1, 1, 2, 2])
        XCTAssertEqual(y.scalars, [6, 8, 14, 16])
        // 3x3 windows, stride 2, padding 1 (padding acts as -inf, so negatives still win).
        XCTAssertEqual(grid.maxPool2d(kernelSize: 3, stride: 2, padding: 1).scalars, [6, 8, 14, 16])
        XCTAssertEqual((-grid).maxPool2d(kernelSize: 3, stride: 2, padding: 1).scalars, [-1, -2, -5, -6])
        // Overlapping, non-square: kernel (2, 3), stride (1, 1).
        XCTAssertEqual(grid.maxPool2d(kernelSize: (2, 3), stride: (1, 1)).scalars, [7, 8, 11, 12, 15, 16])
    }

    func testMaxPool2dGradientGoesToFirstMaximum() {
        let x = Tensor(shape: [1, 1, 2, 4], scalars: [1, 3, 2, 2,
                                                      3, 0, 2, 1]).requiringGrad()
        let y = x.maxPool2d(kernelSize: 2)
        XCTAssertEqual(y.scalars, [3, 2])
        (y * Tensor(shape: [1, 1, 1, 2], scalars: [10, 20])).sum().backward()
        XCTAssertEqual(x.grad?.scalars, [0, 10, 20, 0,
                                         0, 0, 0, 0])
        // Overlapping windows accumulate into the shared maximum.
        let z = Tensor(shape: [1, 1, 1, 4], scalars: [0, 5, 1, 2]).requiringGrad()
        z.maxPool2d(kernelSize: (1, 2), stride: (1, 1)).sum().backward()
        XCTAssertEqual(z.grad?.scalars, [0, 2, 0, 1])
    }

    func testAvgPool2dHandComputed() {
        XCTAssertEqual(grid.avgPool2d(kernelSize: 2).scalars, [3.5, 5.5, 11.5, 13.5])
        // Padding 1, 3x3 stride 2: the top-left window sees 1, 2, 5, 6 (sum 14).
        assertValues(grid.avgPool2d(kernelSize: 3, stride: 2, padding: 1), [14 / 9, 30 / 9, 57 / 9, 99 / 9])
        assertValues(grid.avgPool2d(kernelSize: 3, stride: 2, padding: 1, countIncludePad: false), [14 / 4, 30 / 6, 57 / 6, 99 / 9])
    }

    func testAvgPool2dGradient() {
        let x = Tensor.ones([1, 1, 3, 3]).requiringGrad()
        x.avgPool2d(kernelSize: (2, 2), stride: (1, 1)).sum().backward()
        // Each element's gradient is (number of windows covering it) / 4.
        XCTAssertEqual(x.grad?.scalars, [0.25, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.25])
    }

    func testPool1dHandComputed() {
        let x = Tensor(shape: [1, 2, 5], scalars: [1, 5, 2, 4, 3,
                                                   -1, -2, -3, -4, -5])
        XCTAssertEqual(x.maxPool1d(kernelSize: 2).scalars, [5, 4, -1, -3])
        XCTAssertEqual(x.maxPool1d(kernelSize: 3, stride: 1, padding: 1).scalars, [5, 5, 5, 4, 4, -1, -1, -2, -3, -4])
        XCTAssertEqual(x.maxPool1d(kernelSize: 2).shape, [1, 2, 2])
        XCTAssertEqual(x.avgPool1d(kernelSize: 2).scalars, [3, 3, -1.5, -3.5])
        assertValues(x.avgPool1d(kernelSize: 3, stride: 2, padding: 1), [6 / 3, 11 / 3, 7 / 3, -3 / 3, -9 / 3, -9 / 3])
        assertValues(x.avgPool1d(kernelSize: 3, stride: 2, padding: 1, countIncludePad: false), [6 / 2, 11 / 3, 7 / 2, -3 / 2, -9 / 3, -9 / 2])
    }

    func testGlobalAvgPool2d() {
        let x = Tensor(shape: [2, 2, 1, 3], scalars: [1, 2, 3, 4, 5, 6, 7, 8, 9, -3, 0, 3]).requiringGrad()
        let y = x.globalAvgPool2d()
        XCTAssertEqual(y.shape, [2, 2])
        assertValues(y, [2, 5, 8, 0])
        y.sum().backward()
        assertValues(x.grad ?? Tensor.zeros([0]), [Double](repeating: 1.0 / 3, count: 12))
    }

    func testPoolingMatchesNaiveOnRandomInputs() {
        var rng = RandomGenerator(seed: 21)
        for (k, s, p) in [((2, 2), (2, 2), (0, 0)), ((3, 3), (2, 2), (1, 1)), ((3, 2), (1, 2), (1, 0)), ((1, 1), (2, 3), (0, 0))] {
            let x = Tensor.normal([2, 3, 7, 6], using: &rng)
            let xs = x.scalars
            let oh = (7 + 2 * p.0 - k.0) / s.0 + 1, ow = (6 + 2 * p.1 - k.1) / s.1 + 1
            var wantMax: [Float] = [], wantAvg: [Float] = []
            for pl in 0..<6 {
                for i in 0..<oh {
                    for j in 0..<ow {
                        var m = -Float.infinity, sum: Float = 0
                        for a in 0..<k.0 {
                            for b in 0..<k.1 {
                                let h = i * s.0 - p.0 + a, w = j * s.1 - p.1 + b
                                if h < 0 || h >= 7 || w < 0 || w >= 6 { continue }
                                m = max(m, xs[pl * 42 + h * 6 + w]); sum += xs[pl * 42 + h * 6 + w]
                            }
                        }
                        wantMax.append(m); wantAvg.append(sum / Float(k.0 * k.1))
                    }
                }
            }
            XCTAssertEqual(x.maxPool2d(kernelSize: k, stride: s, padding: p).scalars, wantMax)
            let got = x.avgPool2d(kernelSize: k, stride: s, padding: p).scalars
            for i in 0..<got.count { XCTAssertEqual(got[i], wantAvg[i], accuracy: 1e-5) }
        }
    }

    // MARK: validation messages

    func poolError(_ op: String, _ x: [Int], kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) -> String? {
        do { _ = try Tensor.pool2dGeometry(op: op, input: x, kernelSize: kernel, stride: stride, padding: padding); return nil } catch { return error.description }
    }

    /// The C 2 x 2 kernel against the reference loop: values, the gradient's routing (first
    /// maximum on ties, NaN wins), on widths with vector tails.
    func testMaxPool2x2CKernelMatchesTheReferenceLoop() throws {
        try XCTSkipIf(CPUKernels.instructionSet == nil, "this CPU has neither AVX-512 nor AVX2 + FMA")
        for (h, w) in [(2, 2), (6, 35), (9, 64), (4, 17)] {
            var values = Tensor.randn([3, 2, h, w], seed: UInt64(h * w)).scalars.map { ($0 * 2).rounded() / 2 }  // many ties
            values[5] = .nan
            values[values.count - 3] = .nan
            func run(_ fast: Bool) -> ([Float], [Float]) {
                let saved = CPUKernels.isEnabled
                CPUKernels.isEnabled = fast
                defer { CPUKernels.isEnabled = saved }
                let x = Tensor(shape: [3, 2, h, w], scalars: values).requiringGrad()
                let y = x.maxPool2d(kernelSize: 2)
                (y * Tensor.randn(y.shape, seed: 9)).sum().backward()
                return (y.scalars, x.grad!.scalars)
            }
            let (fy, fg) = run(true), (ry, rg) = run(false)
            XCTAssertEqual(fy.map(\.bitPattern), ry.map(\.bitPattern), "values \(h)x\(w)")
            XCTAssertEqual(fg.map(\.bitPattern), rg.map(\.bitPattern), "gradients \(h)x\(w)")
        }
    }

    /// The C row-window kernel against the reference loop: 1-D pools of 4, 2 and 3 (windows
    /// that leave a remainder of the row unread, vector tails of 1 to 15 windows) and a 2-D pool
    /// with a window one row high; values and the gradient's routing, ties and NaN included,
    /// bit for bit.
    func testMaxPoolRowsCKernelMatchesTheReferenceLoop() throws {
        try XCTSkipIf(CPUKernels.instructionSet != "avx512f", "the row-window kernel is AVX-512 only")
        for (shape, kernel) in [([3, 2, 1993], 4), ([2, 3, 70], 2), ([2, 2, 50], 3), ([1, 1, 4], 4), ([2, 2, 3, 40], 5)] {
            let count = shape.reduce(1, *)
            var values = Tensor.randn(shape, seed: UInt64(count)).scalars.map { ($0 * 2).rounded() / 2 }  // many ties
            values[1] = .nan
            values[count - 2] = .nan
            func run(_ fast: Bool) -> ([Float], [Float]) {
                let saved = CPUKernels.isEnabled
                CPUKernels.isEnabled = fast
                defer { CPUKernels.isEnabled = saved }
                let x = Tensor(shape: shape, scalars: values).requiringGrad()
                let y = shape.count == 3 ? x.maxPool1d(kernelSize: kernel)
                    : x.maxPool2d(kernelSize: (1, kernel), stride: (1, kernel))
                (y * Tensor.randn(y.shape, seed: 9)).sum().backward()
                return (y.scalars, x.grad!.scalars)
            }
            let (fy, fg) = run(true), (ry, rg) = run(false)
            XCTAssertEqual(fy.map(\.bitPattern), ry.map(\.bitPattern), "values \(shape) kernel \(kernel)")
            XCTAssertEqual(fg.map(\.bitPattern), rg.map(\.bitPattern), "gradients \(shape) kernel \(kernel)")
        }
    }

    func testPool2dValidationMessages() {
        XCTAssertEqual(poolError("maxPool2d", [1, 4, 4], kernel: (2, 2)), "maxPool2d: input must be 4-D [N, C, H, W], got [1, 4, 4]")
        XCTAssertEqual(poolError("avgPool2d", [1, 1, 4, 4], kernel: (3, 3), padding: (2, 1)),
                       "avgPool2d: padding (2, 1) must be at most half the kernel size (3, 3) (input [1, 1, 4, 4])")
        XCTAssertEqual(poolError("maxPool2d", [1, 1, 4, 4], kernel: (5, 2)),
                       "maxPool2d: kernel size (5, 2) is larger than the padded input 4x4 (input [1, 1, 4, 4], padding (0, 0))")
        XCTAssertNil(poolError("maxPool2d", [1, 1, 4, 4], kernel: (6, 2), padding: (1, 0)))
        XCTAssertEqual(poolError("maxPool2d", [1, 1, 4, 4], kernel: (2, 2), stride: (0, 2)),
                       "maxPool2d: stride must be positive, got (0, 2) (input [1, 1, 4, 4])")
        XCTAssertEqual(poolError("avgPool2d", [1, 1, 4, 4], kernel: (0, 2)),
                       "avgPool2d: kernel size must be positive, got (0, 2) (input [1, 1, 4, 4])")
        XCTAssertEqual(poolError("avgPool2d", [1, 1, 4, 4], kernel: (2, 2), padding: (-1, 0)),
                       "avgPool2d: padding must be non-negative, got (-1, 0) (input [1, 1, 4, 4])")
    }

    func testPool1dAndGlobalValidationMessages() {
        func err(_ x: [Int], kernel: Int, stride: Int? = nil, padding: Int = 0) -> String? {
            do { _ = try Tensor.pool1dGeometry(op: "maxPool1d", input: x, kernelSize: kernel, stride: stride, padding: padding); return nil } catch { return error.description }
        }
        XCTAssertEqual(err([1, 1, 4, 4], kernel: 2), "maxPool1d: input must be 3-D [N, C, L], got [1, 1, 4, 4]")
        XCTAssertEqual(err([1, 1, 4], kernel: 5), "maxPool1d: kernel size 5 is larger than the padded input 4 (input [1, 1, 4], padding 0)")
        XCTAssertEqual(err([1, 1, 4], kernel: 2, padding: 2), "maxPool1d: padding 2 must be at most half the kernel size 2 (input [1, 1, 4])")
        XCTAssertEqual(err([1, 1, 4], kernel: 2, stride: -1), "maxPool1d: stride must be positive, got -1 (input [1, 1, 4])")
        do {
            _ = try Tensor.globalAvgPool2dGeometry(input: [2, 3, 4])
            XCTFail("expected an error")
        } catch {
            XCTAssertEqual(error.description, "globalAvgPool2d: input must be 4-D [N, C, H, W], got [2, 3, 4]")
        }
    }
}
