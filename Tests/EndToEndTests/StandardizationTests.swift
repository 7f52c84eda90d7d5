import XCTest
@testable import EndToEnd
import EndToEndKernels

/// The affine standardization (batch normalization's γ and β in the op) against
/// `standardized · scale + shift` composed by broadcasting: values to the bit, gradients within
/// float rounding (the composed path rounds `g · γ` before its sums), the same bits on one
/// thread and two.
final class StandardizationTests: XCTestCase {
    func testAffineEqualsStandardizedTimesScalePlusShift() {
        // Batch-norm layouts [N, C, L] (one below and one above the parallel threshold) and
        // [N, C].
        let cases: [[Int]] = [[4, 3, 50], [32, 16, 200], [64, 8]]
        for (i, shape) in cases.enumerated() {
            let (n, c) = (shape[0], shape[1]), inner = shape.count == 3 ? shape[2] : 1
            let probe = Tensor.randn(shape, seed: UInt64(30 + i))
            func fused(threads: Int) -> [[Float]] {
                Threading.withThreadCount(threads) {
                    let x = (Tensor.randn(shape, seed: UInt64(i)) * 3 + 1).requiringGrad()
                    let w = Tensor.randn([c], seed: UInt64(10 + i)).requiringGrad(), b = Tensor.randn([c], seed: UInt64(20 + i)).requiringGrad()
                    let y = x.standardized(outer: n, groups: c, inner: inner, epsilon: 1e-5, scale: w, shift: b).output
                    (y * probe).sum().backward()
                    return [y.scalars, x.grad!.scalars, w.grad!.scalars, b.grad!.scalars]
                }
            }
            let x = (Tensor.randn(shape, seed: UInt64(i)) * 3 + 1).requiringGrad()
            let w = Tensor.randn([c], seed: UInt64(10 + i)).requiringGrad(), b = Tensor.randn([c], seed: UInt64(20 + i)).requiringGrad()
            var stat = [Int](repeating: 1, count: shape.count)
            stat[1] = c
            let ref = x.standardized(outer: n, groups: c, inner: inner, epsilon: 1e-5).output * w.reshaped(stat) + b.reshaped(stat)
            (ref * probe).sum().backward()
            let one = fused(threads: 1)
            XCTAssertEqual(one[0].map(\.bitPattern), ref.scalars.map(\.bitPattern), "case \(i) values")
            for (k, (got, want)) in zip(one.dropFirst(), [x.grad!.scalars, w.grad!.scalars, b.grad!.scalars]).enumerated() {
                let scale = want.map { Swift.abs($0) }.max() ?? 1
                let worst = zip(got, want).map { Swift.abs($0 - $1) }.max() ?? 0
                XCTAssertLessThan(worst, 2e-5 * Swift.max(1, scale), "case \(i) gradient \(k) (of x, scale, shift)")
            }
            XCTAssertEqual(fused(threads: 2).map { $0.map(\.bitPattern) }, one.map { $0.map(\.bitPattern) }, "case \(i): 2 threads")
        }
    }

    func testAffineWithoutGradientsKeepsNothing() {
        let x = Tensor.randn([5, 2, 7], seed: 3), w = Tensor.randn([2], seed: 4), b = Tensor.randn([2], seed: 5)
        let y = x.standardized(outer: 5, groups: 2, inner: 7, epsilon: 1e-5, scale: w, shift: b).output
        XCTAssertFalse(y.requiresGrad)
        let ref = x.standardized(outer: 5, groups: 2, inner: 7, epsilon: 1e-5).output * w.reshaped([1, 2, 1]) + b.reshaped([1, 2, 1])
        XCTAssertEqual(y.scalars, ref.scalars)
    }
}
