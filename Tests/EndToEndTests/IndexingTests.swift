import XCTest
@testable import EndToEnd

/// The message a throwing validator reports, or "" if it accepts its arguments.
func indexingErrorMessage(_ body: () throws -> Void) -> String {
    do { try body(); return "" } catch { return (error as? TensorError)?.description ?? "\(error)" }
}

final class IndexingTests: XCTestCase {
    let w = Tensor.arange(12).reshaped([4, 3])

    func testIndexSelectEmbeddingLookup() {
        let ids = IntTensor(shape: [2, 2], scalars: [1, 3, 0, 1])
        let e = w.indexSelect(axis: 0, ids)
        XCTAssertEqual(e.shape, [2, 2, 3])
        XCTAssertEqual(e.scalars, [3, 4, 5, 9, 10, 11, 0, 1, 2, 3, 4, 5])
        let cols = w.indexSelect(axis: 1, IntTensor([2, 0]))
        XCTAssertEqual(cols.shape, [4, 2])
        XCTAssertEqual(cols.scalars, [2, 0, 5, 3, 8, 6, 11, 9])
        XCTAssertEqual(w.T.indexSelect(axis: 0, IntTensor([1])).scalars, [1, 4, 7, 10], "non-contiguous input")
        XCTAssertEqual(w.indexSelect(axis: 0, IntTensor([Int]())).shape, [0, 3])
    }

    func testIndexSelectGradientAccumulatesRepeats() {
        let x = w.requiringGrad()
        x.indexSelect(axis: 0, IntTensor([2, 0, 2])).sum().backward()
        XCTAssertEqual(x.grad!.scalars, [1, 1, 1, 0, 0, 0, 2, 2, 2, 0, 0, 0])
    }

    /// Large shapes take the parallel paths; compare with naive loops.
    func testIndexSelectLargeMatchesNaive() {
        var rng = RandomGenerator(seed: 3)
        for (shape, axis) in [([50, 2048], 0), ([8, 50, 256], 1)] {
            let x = Tensor.normal(shape, using: &rng).requiringGrad()
            let idx = (0..<40).map { _ in Int(rng.nextUniform() * 50) % 50 }
            let outer = axis == 0 ? 1 : shape[0], inner = shape.last!
            let out = x.indexSelect(axis: axis, IntTensor(idx))
            let weights = Tensor.normal(out.shape, using: &rng)
            (out * weights).sum().backward()
            let xs = x.scalars, os = out.scalars, ws = weights.scalars
            var expectedGrad = [Float](repeating: 0, count: xs.count)
            var expectedOut = [Float](repeating: 0, count: os.count)
            for o in 0..<outer {
                for (j, i) in idx.enumerated() {
                    for c in 0..<inner {
                        expectedOut[(o * idx.count + j) * inner + c] = xs[(o * 50 + i) * inner + c]
                        expectedGrad[(o * 50 + i) * inner + c] += ws[(o * idx.count + j) * inner + c]
                    }
                }
            }
            XCTAssertEqual(os, expectedOut)
            let grad = x.grad!.scalars
            let maxDiff = zip(grad, expectedGrad).map { Swift.abs($0 - $1) }.max() ?? 0
            XCTAssertLessThan(maxDiff, 1e-4)
        }
    }

    func testGather() {
        let x = Tensor([[1, 2], [3, 4]])
        XCTAssertEqual(x.gather(axis: 1, IntTensor(shape: [2, 2], scalars: [0, 0, 1, 0])).scalars, [1, 1, 4, 3])
        XCTAssertEqual(x.gather(axis: 0, IntTensor(shape: [2, 2], scalars: [0, 1, 1, 0])).scalars, [1, 4, 3, 2])
        let small = x.gather(axis: 1, IntTensor(shape: [1, 1], scalars: [1]))
        XCTAssertEqual(small.shape, [1, 1])
        XCTAssertEqual(small.item, 2)
        let p = x.requiringGrad()
        p.gather(axis: 1, IntTensor(shape: [2, 2], scalars: [0, 0, 1, 0])).sum().backward()
        XCTAssertEqual(p.grad!.scalars, [2, 0, 1, 1])
    }

    func testScatterAdd() {
        let index = IntTensor(shape: [2, 3], scalars: [0, 1, 0, 2, 2, 1])
        let src = Tensor([[1, 2, 3], [4, 5, 6]]).requiringGrad()
        let base = Tensor.zeros([2, 3]).requiringGrad()
        let out = base.scatterAdd(axis: 1, index, src)
        XCTAssertEqual(out.scalars, [4, 2, 0, 0, 6, 9])
        (out * Tensor([[1, 2, 3], [4, 5, 6]])).sum().backward()
        XCTAssertEqual(base.grad!.scalars, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(src.grad!.scalars, [1, 2, 1, 6, 6, 5])
        // Along axis 0, self unchanged where nothing is scattered.
        let r = Tensor.ones([3, 2]).scatterAdd(axis: 0, IntTensor(shape: [1, 2], scalars: [2, 2]), Tensor([[10, 20]]))
        XCTAssertEqual(r.scalars, [1, 1, 1, 1, 11, 21])
    }

    func testOneHot() {
        XCTAssertEqual(Tensor.oneHot(IntTensor([2, 0, 1]), classes: 3).scalars, [0, 0, 1, 1, 0, 0, 0, 1, 0])
        let t = Tensor.oneHot(IntTensor(shape: [2, 2], scalars: [3, 0, 1, 1]), classes: 4)
        XCTAssertEqual(t.shape, [2, 2, 4])
        XCTAssertEqual(t.sum(axes: [2]).scalars, [1, 1, 1, 1])
        XCTAssertEqual(t[0][0].scalars, [0, 0, 0, 1])
    }

    func testMaskedFill() {
        let x = Tensor([[1, 2, 3], [4, 5, 6]]).requiringGrad()
        let y = x.maskedFill(Tensor([1, 0, 1]), -9)
        XCTAssertEqual(y.scalars, [-9, 2, -9, -9, 5, -9])
        y.sum().backward()
        XCTAssertEqual(x.grad!.scalars, [0, 1, 0, 0, 1, 0])
        XCTAssertEqual(Tensor([1, 2]).maskedFill(Tensor([[0, 0]]).reshaped([2]), 7).scalars, [1, 2])
    }

    func testGradChecks() {
        var rng = RandomGenerator(seed: 11)
        assertGradChecksPass(GradCheckCatalog.indexingCases(&rng).filter { ["indexSelect", "gather", "scatterAdd", "maskedFill"].contains($0.op) }, atLeast: 10)
    }

    func testErrorMessages() {
        XCTAssertEqual(indexingErrorMessage { _ = try Tensor.validateIndexSelect(shape: [5, 3], axis: 0, indices: IntTensor([1, 7])) },
                       "indexSelect: index 7 is out of range for axis 0 of size 5 in shape [5, 3]")
        XCTAssertTrue(indexingErrorMessage { _ = try Tensor.validateIndexSelect(shape: [5, 3], axis: 1, indices: IntTensor([-1])) }
            .contains("index -1 is out of range for axis 1 of size 3"))
        XCTAssertTrue(indexingErrorMessage { _ = try Tensor.validateIndexSelect(shape: [5, 3], axis: 2, indices: IntTensor([0])) }
            .contains("indexSelect: axis 2 is out of range for a tensor of shape [5, 3]"))
        XCTAssertEqual(indexingErrorMessage { _ = try Tensor.validateIndexSelect(shape: [5, 3], axis: -1, indices: IntTensor([2, 0])) }, "")
        XCTAssertTrue(indexingErrorMessage { _ = try Tensor.validateGather(shape: [2, 3], axis: 1, index: IntTensor([0])) }
            .contains("gather: index of shape [1] must have the rank of the input [2, 3]"))
        XCTAssertTrue(indexingErrorMessage { _ = try Tensor.validateGather(shape: [2, 3], axis: 1, index: IntTensor(shape: [1, 1], scalars: [3])) }
            .contains("gather: index 3 is out of range for axis 1 of size 3 in shape [2, 3]"))
        XCTAssertTrue(indexingErrorMessage { _ = try Tensor.validateGather(shape: [2, 3], axis: 1, index: IntTensor(shape: [3, 1], scalars: [0, 0, 0])) }
            .contains("larger than the input [2, 3] in dimension 0"))
        XCTAssertTrue(indexingErrorMessage {
            _ = try Tensor.validateScatterAdd(shape: [2, 3], axis: 0, index: IntTensor(shape: [1, 2], scalars: [0, 2]), sourceShape: [1, 2])
        }.contains("scatterAdd: index 2 is out of range for axis 0 of size 2"))
        XCTAssertTrue(indexingErrorMessage {
            _ = try Tensor.validateScatterAdd(shape: [2, 3], axis: 0, index: IntTensor(shape: [1, 3], scalars: [0, 1, 0]), sourceShape: [1, 2])
        }.contains("larger than source [1, 2]"))
        XCTAssertTrue(indexingErrorMessage { try Tensor.validateOneHot(IntTensor([0, 3]), classes: 3) }
            .contains("oneHot: index 3 is out of range"))
        XCTAssertEqual(indexingErrorMessage { try Tensor.validateMaskedFill(shape: [2, 3], maskShape: [4]) },
                       "maskedFill: mask of shape [4] cannot be broadcast to the input shape [2, 3]")
    }
}
