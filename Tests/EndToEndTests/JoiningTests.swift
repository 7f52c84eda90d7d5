import XCTest
@testable import EndToEnd

final class JoiningTests: XCTestCase {
    func testConcatValues() {
        let a = Tensor([[1, 2], [3, 4]]), b = Tensor([[5, 6]]), c = Tensor([[7], [8]])
        let r0 = Tensor.concat([a, b])
        XCTAssertEqual(r0.shape, [3, 2])
        XCTAssertEqual(r0.scalars, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(Tensor.concat([a, c], axis: 1).scalars, [1, 2, 7, 3, 4, 8])
        XCTAssertEqual(Tensor.concat([a, Tensor.zeros([2, 0]), c], axis: -1).shape, [2, 3])
        XCTAssertEqual(Tensor.concat([a.T, b], axis: 0).scalars, [1, 3, 2, 4, 5, 6], "non-contiguous input")
        // Middle axis of a 3-D tensor.
        let x = Tensor.arange(12).reshaped([2, 2, 3]), y = Tensor.arange(6).reshaped([2, 1, 3]) + 100
        let m = Tensor.concat([x, y], axis: 1)
        XCTAssertEqual(m.shape, [2, 3, 3])
        XCTAssertEqual(m.scalars, [0, 1, 2, 3, 4, 5, 100, 101, 102, 6, 7, 8, 9, 10, 11, 103, 104, 105])
    }

    func testConcatLargeMatchesNaive() {
        var rng = RandomGenerator(seed: 5)
        let a = Tensor.normal([64, 600], using: &rng), b = Tensor.normal([64, 500], using: &rng)
        let r = Tensor.concat([a, b], axis: 1).scalars
        let av = a.scalars, bv = b.scalars
        var expected: [Float] = []
        for i in 0..<64 {
            expected.append(contentsOf: av[(i * 600)..<((i + 1) * 600)])
            expected.append(contentsOf: bv[(i * 500)..<((i + 1) * 500)])
        }
        XCTAssertEqual(r, expected)
    }

    func testConcatGradientSlices() {
        let a = Tensor([[1, 2], [3, 4]]).requiringGrad(), c = Tensor([[7], [8]]).requiringGrad()
        let w = Tensor([[1, 2, 3], [4, 5, 6]])
        (Tensor.concat([a, Tensor([[0], [0]]), c], axis: 1).sliced(axis: 1, 0..<3) * w).sum().backward()
        XCTAssertEqual(a.grad!.scalars, [1, 2, 4, 5])
        XCTAssertEqual(c.grad?.scalars, [0, 0], "c lies outside the kept slice")
    }

    func testStack() {
        let a = Tensor([1, 2]), b = Tensor([3, 4])
        XCTAssertEqual(Tensor.stack([a, b]).scalars, [1, 2, 3, 4])
        let s1 = Tensor.stack([a, b], axis: 1)
        XCTAssertEqual(s1.shape, [2, 2])
        XCTAssertEqual(s1.scalars, [1, 3, 2, 4])
        XCTAssertEqual(Tensor.stack([Tensor(1), Tensor(2)]).shape, [2], "scalars stack into a vector")
    }

    func testSplitAndChunk() {
        let x = Tensor.arange(10).reshaped([5, 2])
        let p = x.split(sizes: [2, 3])
        XCTAssertEqual(p.map(\.shape), [[2, 2], [3, 2]])
        XCTAssertEqual(p[1].scalars, [4, 5, 6, 7, 8, 9])
        XCTAssertEqual(Tensor.arange(6).split(parts: 3).map(\.scalars), [[0, 1], [2, 3], [4, 5]])
        XCTAssertEqual(Tensor.arange(5).chunked(3).map(\.scalars), [[0, 1], [2, 3], [4]])
        XCTAssertEqual(Tensor.arange(5).chunked(4).count, 3, "torch.chunk returns fewer pieces when needed")
        XCTAssertEqual(x.chunked(2, axis: 1).map(\.scalars), [[0, 2, 4, 6, 8], [1, 3, 5, 7, 9]])
    }

    func testRepeated() {
        XCTAssertEqual(Tensor([1, 2]).repeated([2, 2]).scalars, [1, 2, 1, 2, 1, 2, 1, 2])
        XCTAssertEqual(Tensor([1, 2]).repeated([2, 2]).shape, [2, 4])
        XCTAssertEqual(Tensor([[1], [2]]).repeated([1, 3]).scalars, [1, 1, 1, 2, 2, 2])
        let x = Tensor([1, 2]).requiringGrad()
        x.repeated([3]).sum().backward()
        XCTAssertEqual(x.grad!.scalars, [3, 3])
    }

    func testGradChecks() {
        var rng = RandomGenerator(seed: 13)
        assertGradChecksPass(GradCheckCatalog.indexingCases(&rng).filter { ["concat", "stack", "split", "chunk", "repeat"].contains($0.op) }, atLeast: 7)
    }

    func testErrorMessages() {
        XCTAssertEqual(indexingErrorMessage { _ = try Tensor.validateConcat([[2, 3], [2, 4], [3, 3]], axis: 0) },
                       "concat: shapes must match except along axis 0, got [2, 3], [2, 4], [3, 3]")
        XCTAssertEqual(indexingErrorMessage { _ = try Tensor.validateConcat([[2, 3], [2, 4]], axis: 1) }, "")
        XCTAssertTrue(indexingErrorMessage { _ = try Tensor.validateConcat([[2, 3], [2]], axis: 1) }.contains("[2, 3], [2]"))
        XCTAssertTrue(indexingErrorMessage { _ = try Tensor.validateConcat([[2, 3]], axis: 2) }.contains("concat: axis 2 is out of range"))
        XCTAssertTrue(indexingErrorMessage { _ = try Tensor.validateConcat([], axis: 0) }.contains("at least one"))
        XCTAssertEqual(indexingErrorMessage { _ = try Tensor.validateStack([[2], [3]], axis: 0) }, "stack: all shapes must be equal, got [2], [3]")
        XCTAssertTrue(indexingErrorMessage { _ = try Tensor.validateStack([[2], [2]], axis: 3) }.contains("stack: axis 3 is out of range"))
        XCTAssertEqual(indexingErrorMessage { _ = try Tensor.validateSplit(shape: [5, 2], sizes: [2, 2], axis: 0) },
                       "split: sizes [2, 2] do not add up to the size 5 of axis 0 in shape [5, 2]")
    }
}
