import XCTest
@testable import EndToEnd

final class LinearAlgebraTests: XCTestCase {
    func naive(_ a: Tensor, _ b: Tensor) -> [Float] {
        let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
        var out = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { var s: Float = 0; for p in 0..<k { s += a[i, p] * b[p, j] }; out[i * n + j] = s } }
        return out
    }

    func assertClose(_ x: [Float], _ y: [Float], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(x.count, y.count, file: file, line: line)
        for (u, v) in zip(x, y) { XCTAssertEqual(u, v, accuracy: 1e-3 * max(1, Swift.abs(v)), file: file, line: line) }
    }

    func testMatmulShapes() {
        let a = Tensor.randn([5, 7], seed: 1), b = Tensor.randn([7, 3], seed: 2)
        assertClose(a.matmul(b).scalars, naive(a, b))
        assertClose(a.transposed().contiguous().transposed().matmul(b).scalars, naive(a, b))
        assertClose(b.transposed().matmul(a.transposed()).transposed().contiguous().scalars, naive(a, b))
        XCTAssertEqual(Tensor([1, 2, 3]).matmul(Tensor([4, 5, 6])).item, 32)
        XCTAssertEqual(Tensor([1, 2]).matmul(Tensor([[1, 2], [3, 4]])).scalars, [7, 10])
        XCTAssertEqual(Tensor([[1, 2], [3, 4]]).matmul(Tensor([1, 1])).scalars, [3, 7])
        let batched = Tensor.randn([2, 1, 4, 3], seed: 3).matmul(Tensor.randn([5, 3, 2], seed: 4))
        XCTAssertEqual(batched.shape, [2, 5, 4, 2])
        let x = Tensor.randn([2, 3, 4], seed: 5), w = Tensor.randn([4, 6], seed: 6)
        let y = x.matmul(w)
        assertClose(y[1].scalars, naive(x[1], w))
        XCTAssertEqual(Tensor.zeros([3, 0]).matmul(Tensor.zeros([0, 2])).scalars, [0, 0, 0, 0, 0, 0])
    }

    func testMatmulValidation() {
        XCTAssertThrowsError(try Shape.broadcast([2], [3], op: "matmul"))
    }

    func testGradientThroughLinearLayer() {
        let x = Tensor([[1, 2]]), w = Tensor([[1, 0, -1], [2, 1, 0]]).requiringGrad(), b = Tensor([0, 0, 1]).requiringGrad()
        let y = (x.matmul(w) + b).sum()
        y.backward()
        XCTAssertEqual(w.grad!.scalars, [1, 1, 1, 2, 2, 2])
        XCTAssertEqual(b.grad!.scalars, [1, 1, 1])
    }
}
