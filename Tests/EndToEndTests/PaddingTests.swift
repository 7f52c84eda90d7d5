import XCTest
@testable import EndToEnd

final class PaddingTests: XCTestCase {
    func testConstant() {
        XCTAssertEqual(Tensor([1, 2, 3]).padded([(1, 2)]).scalars, [0, 1, 2, 3, 0, 0])
        let x = Tensor([[1, 2], [3, 4]])
        let p = x.padded([(1, 0), (0, 1)], value: 9)
        XCTAssertEqual(p.shape, [3, 3])
        XCTAssertEqual(p.scalars, [9, 9, 9, 1, 2, 9, 3, 4, 9])
        XCTAssertEqual(x.padded([(1, 1)]).scalars, [0, 1, 2, 0, 0, 3, 4, 0], "fewer pairs pad the last dimensions")
        XCTAssertEqual(x.T.padded([(0, 1)]).scalars, [1, 3, 0, 2, 4, 0], "non-contiguous input")
        XCTAssertEqual(x.padded([(0, 0)]).scalars, x.scalars)
    }

    func testReflectAndReplicate() {
        XCTAssertEqual(Tensor([1, 2, 3, 4]).padded([(2, 1)], mode: .reflect).scalars, [3, 2, 1, 2, 3, 4, 3])
        XCTAssertEqual(Tensor([1, 2, 3]).padded([(2, 1)], mode: .replicate).scalars, [1, 1, 1, 2, 3, 3])
        let r = Tensor([[1, 2, 3], [4, 5, 6]]).padded([(1, 1), (1, 0)], mode: .reflect)
        XCTAssertEqual(r.shape, [4, 4])
        XCTAssertEqual(r.scalars, [5, 4, 5, 6, 2, 1, 2, 3, 5, 4, 5, 6, 2, 1, 2, 3])
    }

    func testGradients() {
        let a = Tensor([1, 2, 3]).requiringGrad()
        a.padded([(2, 1)], mode: .replicate).sum().backward()
        XCTAssertEqual(a.grad!.scalars, [3, 1, 2])
        let b = Tensor([1, 2, 3, 4]).requiringGrad()
        b.padded([(2, 1)], mode: .reflect).sum().backward()
        XCTAssertEqual(b.grad!.scalars, [1, 2, 3, 1])
        let c = Tensor([[1, 2], [3, 4]]).requiringGrad()
        (c.padded([(1, 0), (0, 1)], value: 5) * Tensor.arange(9).reshaped([3, 3])).sum().backward()
        XCTAssertEqual(c.grad!.scalars, [3, 4, 6, 7])
    }

    func testLargeConstantPad() {
        var rng = RandomGenerator(seed: 9)
        let x = Tensor.normal([4, 64, 300], using: &rng)
        let p = x.padded([(1, 1), (2, 3)], value: 0.5)
        XCTAssertEqual(p.shape, [4, 66, 305])
        XCTAssertEqual(p.sliced(axis: 1, 1..<65).sliced(axis: 2, 2..<302).scalars, x.scalars)
        let border = Float(p.count - x.count) * 0.5
        XCTAssertEqual(p.sum().item, x.sum().item + border, accuracy: 1e-1)
    }

    func testGradChecks() {
        var rng = RandomGenerator(seed: 17)
        assertGradChecksPass(GradCheckCatalog.indexingCases(&rng).filter { $0.op == "padded" }, atLeast: 4)
    }

    func testErrorMessages() {
        XCTAssertTrue(indexingErrorMessage { try Tensor.validatePadding(shape: [2, 3], padding: [(0, -1)], mode: .constant) }
            .contains("pad: negative padding [(0, -1)] is not supported (dimension 1 of shape [2, 3])"))
        XCTAssertTrue(indexingErrorMessage { try Tensor.validatePadding(shape: [3], padding: [(1, 1), (1, 1)], mode: .constant) }
            .contains("2 padding pairs"))
        XCTAssertTrue(indexingErrorMessage { try Tensor.validatePadding(shape: [2, 3], padding: [(3, 0)], mode: .reflect) }
            .contains("reflect padding [(3, 0)] must be smaller than dimension 1 of size 3"))
        XCTAssertEqual(indexingErrorMessage { try Tensor.validatePadding(shape: [2, 3], padding: [(2, 2)], mode: .reflect) }, "")
    }
}
