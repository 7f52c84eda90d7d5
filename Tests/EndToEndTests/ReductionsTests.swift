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
}
