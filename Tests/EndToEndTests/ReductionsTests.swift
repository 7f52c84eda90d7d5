import XCTest
@testable import EndToEnd

final class ReductionsTests: XCTestCase {
    let a = Tensor(shape: [2, 3], scalars: [1, 5, 3, 4, 2, 6])

    func testSumMeanOverAxes() {
        XCTAssertEqual(a.sum().item, 21)
        XCTAssertEqual(a.sum(axis: 0).scalars, [5, 7, 9])
        XCTAssertEqual(a.sum(axis: 1).scalars, [9, 12])
        XCTAssertEqual(a.sum(axis: -1, keepDims: true).shape, [2, 1])
        XCTAssertEqual(a.mean(axis: 0).scalars, [2.5, 3.5, 4.5])
        let t = Tensor.arange(24).reshaped([2, 3, 4])
        XCTAssertEqual(t.sum(axes: [0, 2]).scalars, [60, 92, 124])
        XCTAssertEqual(t.transposed(0, 2).sum(axes: [1]).shape, [4, 2])
        XCTAssertEqual(t.transposed(0, 2).sum(axes: [1]).scalars, [12, 48, 15, 51, 18, 54, 21, 57])
    }

    func testVarianceMaxMinArg() {
        XCTAssertEqual(Tensor([1, 2, 3, 4]).variance().item, 5.0 / 3.0, accuracy: 1e-6)
        XCTAssertEqual(Tensor([1, 2, 3, 4]).variance(correction: 0).item, 1.25, accuracy: 1e-6)
        XCTAssertEqual(a.max(axis: 1).scalars, [5, 6])
        XCTAssertEqual(a.min(axis: 0).scalars, [1, 2, 3])
        XCTAssertEqual(a.max().item, 6)
        XCTAssertEqual(a.argmax(axis: 1).scalars, [1, 2])
        XCTAssertEqual(a.argmin(axis: 0).scalars, [0, 1, 0])
        XCTAssertEqual(Tensor([3, 7, 7]).argmax(axis: 0).scalars, [1], "first index on ties")
        XCTAssertEqual(a.argmax(), 5)
    }

    func testMaxGradientSharedOnTies() {
        let x = Tensor([1, 3, 3]).requiringGrad()
        x.max().backward()
        XCTAssertEqual(x.grad!.scalars, [0, 0.5, 0.5])
    }

    func testSoftmaxAndLogSumExpAreStable() {
        let big = Tensor([1000, 1001, 1002])
        let s = big.softmax().scalars
        XCTAssertEqual(s.reduce(0, +), 1, accuracy: 1e-6)
        XCTAssertEqual(s[2], 0.66524, accuracy: 1e-4)
        XCTAssertEqual(big.logSumExp().item, 1002.40761, accuracy: 1e-3)
        XCTAssertEqual(big.logSoftmax().scalars[0], -2.40761, accuracy: 1e-4)
        let negInf = Tensor([-Float.infinity, -Float.infinity])
        XCTAssertEqual(negInf.logSumExp().item, -Float.infinity)
        let sm = Tensor.randn([3, 4, 5], seed: 1).softmax(axis: 1)
        for v in sm.sum(axis: 1).scalars { XCTAssertEqual(v, 1, accuracy: 1e-5) }
    }

    func testLongSumsAreAccurate() {
        let n = 1 << 22
        let x = Tensor.full([n], 0.1)
        XCTAssertEqual(Double(x.sum().item), Double(n) * 0.1, accuracy: Double(n) * 0.1 * 1e-6)
    }

    /// `axes: []` reduces every axis, as `nil` does and as PyTorch's `dim=[]` does.
    func testEmptyAxesReduceEverything() {
        let x = Tensor(shape: [2, 3], scalars: [1, 5, 3, 4, 2, 6])
        XCTAssertEqual(x.sum(axes: []).item, 21)
        XCTAssertEqual(x.sum(axes: [], keepDims: true).shape, [1, 1])
        XCTAssertEqual(x.mean(axes: []).item, 3.5)
        XCTAssertEqual(x.max(axes: []).item, 6)
        XCTAssertEqual(x.min(axes: []).item, 1)
        XCTAssertEqual(x.variance(axes: []).item, 3.5, accuracy: 1e-6)
        XCTAssertEqual(x.standardDeviation(axes: []).item, Float(3.5).squareRoot(), accuracy: 1e-6 as Float)
        XCTAssertEqual(x.logSumExp(axes: []).item, x.logSumExp().item)
        // Gradients: d sum = 1 everywhere, d mean = 1/6, d max = one-hot at the maximum.
        let v = x.requiringGrad()
        v.sum(axes: []).backward()
        XCTAssertEqual(v.grad!.scalars, [Float](repeating: 1, count: 6))
        let m = x.requiringGrad()
        m.mean(axes: []).backward()
        for g in m.grad!.scalars { XCTAssertEqual(g, 1 / 6, accuracy: 1e-7) }
        let e = x.requiringGrad()
        e.max(axes: []).backward()
        XCTAssertEqual(e.grad!.scalars, [0, 0, 0, 0, 0, 1])
    }

    /// Where all reduced elements are equal the standard deviation is 0 and so is its
    /// gradient (PyTorch's choice), not NaN; other rows keep their gradient.
    func testStandardDeviationGradientIsZeroWhereTheStdIsZero() {
        let x = Tensor(shape: [2, 3], scalars: [2, 2, 2, 1, 2, 4]).requiringGrad()
        let s = x.standardDeviation(axes: [1])
        XCTAssertEqual(s.scalars[0], 0)
        s.sum().backward()
        let g = x.grad!.scalars
        XCTAssertEqual(Array(g[0..<3]), [0, 0, 0])
        XCTAssertTrue(g.allSatisfy { $0.isFinite })
        // Row 1: d std / d x_i = (x_i - mean) / ((n - 1) std); mean 7/3, std sqrt(7/3).
        let std = (7.0 / 3).squareRoot(), mean = 7.0 / 3
        for (i, v) in [1.0, 2, 4].enumerated() { XCTAssertEqual(Double(g[3 + i]), (v - mean) / (2 * std), accuracy: 1e-5) }
        // The whole tensor constant: every gradient 0.
        let c = Tensor.full([4], 3).requiringGrad()
        c.standardDeviation().backward()
        XCTAssertEqual(c.grad!.scalars, [0, 0, 0, 0])
    }
}
