import XCTest
@testable import EndToEnd

final class TensorTests: XCTestCase {
    func testCreation() {
        XCTAssertEqual(Tensor.zeros([2, 3]).scalars, [Float](repeating: 0, count: 6))
        XCTAssertEqual(Tensor.ones([2]).scalars, [1, 1])
        XCTAssertEqual(Tensor.full([1, 2], 7).scalars, [7, 7])
        XCTAssertEqual(Tensor.arange(0, 1, step: 0.25).scalars, [0, 0.25, 0.5, 0.75])
        XCTAssertEqual(Tensor.arange(3).scalars, [0, 1, 2])
        XCTAssertEqual(Tensor.arange(5, 0, step: -2).scalars, [5, 3, 1])
        XCTAssertEqual(Tensor.linspace(0, 1, count: 3).scalars, [0, 0.5, 1])
        XCTAssertEqual(Tensor.eye(2).scalars, [1, 0, 0, 1])
        let m = Tensor([[1, 2, 3], [4, 5, 6]])
        XCTAssertEqual(m.shape, [2, 3])
        XCTAssertEqual(m[1, 2], 6)
        XCTAssertEqual(m[-1, 0], 4)
        XCTAssertEqual(Tensor(3).shape, [])
        XCTAssertEqual(Tensor(3).item, 3)
        XCTAssertEqual(Tensor.zeros([0, 3]).count, 0)
    }

    func testCopyOnWrite() {
        let a = Tensor([1, 2, 3])
        var b = a
        b.withUnsafeMutableData { p, _ in p[0] = 10 }
        XCTAssertEqual(a.scalars, [1, 2, 3], "writing to a copy must not change the original")
        XCTAssertEqual(b.scalars, [10, 2, 3])
        // A uniquely held tensor is written in place, without copying.
        var c = Tensor([1, 2])
        let before = c.storage.pointer
        c.withUnsafeMutableData { p, _ in p[1] = 5 }
        XCTAssertEqual(c.storage.pointer, before)
    }

    func testViewsShareStorage() {
        let a = Tensor.arange(12).reshaped([3, 4])
        let t = a.transposed()
        XCTAssertTrue(t.storage === a.storage)
        XCTAssertEqual(t.shape, [4, 3])
        XCTAssertFalse(t.isContiguous)
        XCTAssertEqual(t.scalars, [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11])
        let s = a.sliced(axis: 1, 1..<3)
        XCTAssertTrue(s.storage === a.storage)
        XCTAssertEqual(s.scalars, [1, 2, 5, 6, 9, 10])
        XCTAssertEqual(a.sliced(axis: 1, 0..<4, step: 3).scalars, [0, 3, 4, 7, 8, 11])
        let e = Tensor([1, 2]).reshaped([2, 1]).expanded(to: [2, 3])
        XCTAssertEqual(e.strides, [1, 0])
        XCTAssertEqual(e.scalars, [1, 1, 1, 2, 2, 2])
        XCTAssertEqual(a[1].scalars, [4, 5, 6, 7])
        XCTAssertEqual(a.permuted([1, 0]).scalars, t.scalars)
        XCTAssertEqual(Tensor.zeros([1, 3, 1]).squeezed().shape, [3])
        XCTAssertEqual(Tensor.zeros([3]).unsqueezed(axis: 0).shape, [1, 3])
        XCTAssertEqual(Tensor.zeros([3]).unsqueezed(axis: -1).shape, [3, 1])
        XCTAssertEqual(Tensor.zeros([2, 3, 4]).flattened(startAxis: 1).shape, [2, 12])
        // Reshaping a non-contiguous view copies and keeps the logical order.
        XCTAssertEqual(t.reshaped([12]).scalars, t.scalars)
        XCTAssertEqual(a.reshaped([-1, 6]).shape, [2, 6])
    }

    func testBroadcastingArithmetic() {
        let a = Tensor([[1, 2, 3], [4, 5, 6]])
        XCTAssertEqual((a + Tensor([10, 20, 30])).scalars, [11, 22, 33, 14, 25, 36])
        XCTAssertEqual((a * Tensor([[2], [3]])).scalars, [2, 4, 6, 12, 15, 18])
        XCTAssertEqual((Tensor([[1], [2]]) - Tensor([1, 2, 3])).shape, [2, 3])
        XCTAssertEqual((a / 2).scalars, [0.5, 1, 1.5, 2, 2.5, 3])
        XCTAssertEqual((1 - a).scalars, [0, -1, -2, -3, -4, -5])
        XCTAssertEqual(a.transposed().contiguous().scalars, [1, 4, 2, 5, 3, 6])
        XCTAssertEqual((a.transposed() + Tensor([1, 1])).scalars, [2, 5, 3, 6, 4, 7])
        XCTAssertEqual(Tensor([2, 3]).pow(Tensor([3, 2])).scalars, [8, 9])
    }

    func testBroadcastErrorsNameOpAndShapes() {
        XCTAssertThrowsError(try Shape.broadcast([2, 3], [4, 3], op: "add")) { e in
            let msg = (e as! TensorError).description
            XCTAssertTrue(msg.contains("add"))
            XCTAssertTrue(msg.contains("[2, 3]") && msg.contains("[4, 3]"), msg)
        }
        XCTAssertEqual(try Shape.broadcast([3, 1], [1, 4], op: "x"), [3, 4])
        XCTAssertEqual(try Shape.broadcast([], [2], op: "x"), [2])
        XCTAssertThrowsError(try Shape.normalizeAxis(3, rank: 2, op: "sum", shape: [2, 2])) { e in
            XCTAssertTrue((e as! TensorError).description.contains("sum: axis 3 is out of range"))
        }
        XCTAssertThrowsError(try Shape.resolveReshape([5, -1], from: [2, 3])) { e in
            XCTAssertTrue((e as! TensorError).description.contains("[2, 3]"))
        }
        XCTAssertThrowsError(try Shape.normalizeAxes([0, 0], rank: 2, op: "mean", shape: [2, 2]))
    }

    func testRandomIsDeterministic() {
        XCTAssertEqual(Tensor.randn([5], seed: 42).scalars, Tensor.randn([5], seed: 42).scalars)
        XCTAssertNotEqual(Tensor.randn([5], seed: 42).scalars, Tensor.randn([5], seed: 43).scalars)
        // Fixed values: the generator is pure integer arithmetic, the same on every machine.
        var rng = RandomGenerator(seed: 1)
        let first = (0..<3).map { _ in rng.next() }
        var rng2 = RandomGenerator(seed: 1)
        XCTAssertEqual(first, (0..<3).map { _ in rng2.next() })
        let u = Tensor.rand([10_000], seed: 3)
        XCTAssertEqual(u.mean().item, 0.5, accuracy: 0.02)
        XCTAssertTrue(u.scalars.allSatisfy { $0 >= 0 && $0 < 1 })
        let n = Tensor.randn([20_000], seed: 4)
        XCTAssertEqual(n.mean().item, 0, accuracy: 0.03)
        XCTAssertEqual(n.variance().item, 1, accuracy: 0.05)
        let b = Tensor.bernoulli([10_000], p: 0.3, seed: 5)
        XCTAssertEqual(b.mean().item, 0.3, accuracy: 0.02)
        XCTAssertTrue(b.scalars.allSatisfy { $0 == 0 || $0 == 1 })
        Random.seed(9); let g1 = Tensor.randn([3]).scalars
        Random.seed(9); let g2 = Tensor.randn([3]).scalars
        XCTAssertEqual(g1, g2)
        var r = RandomGenerator(seed: 0)
        XCTAssertEqual(r.permutation(10).sorted(), Array(0..<10))
    }

    func testIntTensor() {
        let t = IntTensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        XCTAssertEqual(t[1, 0], 3)
        XCTAssertEqual(t.reshaped([-1]).shape, [4])
        XCTAssertEqual(t[1..<2].scalars, [3, 4])
        XCTAssertEqual(t.gathering(rows: [1, 0]).scalars, [3, 4, 1, 2])
        XCTAssertEqual(t.asFloat.scalars, [1, 2, 3, 4])
    }

    func testDescription() {
        XCTAssertTrue(Tensor([[1, 2], [3, 4]]).description.contains("shape: [2, 2]"))
        XCTAssertEqual(Tensor(2).description, "Tensor(2.)")
        XCTAssertTrue(Tensor.zeros([100]).description.contains("..."))
    }

    func testLargeElementwiseUsesAllElements() {
        // Large enough to be split across threads.
        let n = 300_001
        let a = Tensor.arange(n)
        let s = (a * 2 + 1).sum().item
        XCTAssertEqual(Double(s), Double(n) * Double(n), accuracy: Double(n) * Double(n) * 1e-6)
        let big = Tensor.ones([513, 1025])
        XCTAssertEqual(big.sum(axes: [0]).scalars, [Float](repeating: 513, count: 1025))
        XCTAssertEqual(big.sum(axes: [1]).scalars, [Float](repeating: 1025, count: 513))
    }
}
