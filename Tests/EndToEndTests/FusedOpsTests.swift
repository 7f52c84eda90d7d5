import XCTest
@testable import EndToEnd
import EndToEndKernels

/// `linear` and `softmaxCrossEntropy` against the same computation composed from
/// elementary ops, plus finite-difference checks and shape errors.
final class FusedOpsTests: XCTestCase {
    func testGradCheckCases() {
        var rng = RandomGenerator(seed: 31)
        assertGradChecksPass(GradCheckCatalog.fusedCases(&rng), atLeast: 6)
    }

    func testLinearMatchesMatmulPlusBias() {
        let x = Tensor.randn([2, 3, 20], seed: 1).requiringGrad(), w = Tensor.randn([11, 20], seed: 2).requiringGrad()
        let b = Tensor.randn([11], seed: 3).requiringGrad(), probe = Tensor.randn([2, 3, 11], seed: 4)
        let y = x.linear(weight: w, bias: b)
        (y * probe).sum().backward()
        let leaves = [x, w, b].map { $0.detached().requiringGrad() }
        let ref = leaves[0].matmul(leaves[1].T) + leaves[2]
        (ref * probe).sum().backward()
        assertClose(y.scalars, ref.scalars)
        for (a, e) in zip([x, w, b], leaves) { assertClose(a.grad!.scalars, e.grad!.scalars) }
    }

    /// `linearReLU` against `linear` then `relu`, to the bit, on the packed route (128 rows)
    /// and a small product, with and without a bias.
    func testLinearReLUEqualsLinearThenReLUToTheBit() {
        for (i, (rows, inF, outF, hasBias)) in [(128, 96, 70, true), (3, 5, 4, false), (64, 33, 256, true)].enumerated() {
            let x = Tensor.randn([rows, inF], seed: UInt64(60 + i)).requiringGrad()
            let w = (Tensor.randn([outF, inF], seed: UInt64(70 + i)) * 0.2).requiringGrad()
            let b = hasBias ? Tensor.randn([outF], seed: UInt64(80 + i)).requiringGrad() : nil
            let fused = x.linearReLU(weight: w, bias: b)
            let probe = Tensor.randn(fused.shape, seed: UInt64(90 + i))
            (fused * probe).sum().backward()
            let leaves = ([x, w] + (b.map { [$0] } ?? [])).map { $0.detached().requiringGrad() }
            let ref = leaves[0].linear(weight: leaves[1], bias: hasBias ? leaves[2] : nil).relu()
            (ref * probe).sum().backward()
            XCTAssertEqual(fused.scalars, ref.scalars, "case \(i): values")
            XCTAssertTrue(fused.scalars.contains(0) && fused.scalars.contains { $0 > 0 }, "case \(i): the ReLU should cut some outputs")
            for (k, (a, e)) in zip([x, w] + (b.map { [$0] } ?? []), leaves).enumerated() {
                XCTAssertEqual(a.grad!.scalars, e.grad!.scalars, "case \(i): gradient \(k)")
            }
        }
    }

    /// The bias gradient is each column's sum, rows added first to last: equal to the bit to
    /// that loop, for a narrow matrix, one with a partial 8-column strip, and one wide and tall
    /// enough to split over threads.
    func testBiasGradientIsTheOrderedColumnSum() {
        for (rows, cols) in [(5, 3), (33, 70), (1000, 100)] {
            let g = Tensor.randn([rows, cols], seed: UInt64(rows))
            let b = Tensor.zeros([cols]).requiringGrad(), a = g.scalars
            let expected = (0..<cols).map { j in (0..<rows).reduce(Float(0)) { $0 + a[$1 * cols + j] } }
            for threads in [1, 2] {
                b.zeroGrad()
                Threading.withThreadCount(threads) { (Tensor.randn([rows, 4], seed: 2).linear(weight: Tensor.zeros([cols, 4]), bias: b) * g).sum().backward() }
                XCTAssertEqual(b.grad!.scalars, expected, "[\(rows), \(cols)], \(threads) thread(s)")
            }
        }
    }

    func testSoftmaxCrossEntropyMatchesComposedLoss() {
        let logits = (Tensor.randn([6, 13], seed: 5) * 3).requiringGrad()
        let t = IntTensor([0, 12, 3, 3, 7, 12])
        for mean in [true, false] {
            logits.zeroGrad()
            let fused = logits.softmaxCrossEntropy(t, mean: mean)
            (fused * 1.5).backward()
            let leaf = logits.detached().requiringGrad()
            let picked = -leaf.logSoftmax(axis: 1).gather(axis: 1, t.reshaped([-1, 1]))
            let ref = mean ? picked.mean() : picked.sum()
            (ref * 1.5).backward()
            XCTAssertEqual(fused.item, ref.item, accuracy: 1e-5)
            assertClose(logits.grad!.scalars, leaf.grad!.scalars)
        }
    }

    func testShapeErrorsNameTheProblem() {
        XCTAssertEqual(Tensor.linearShapeError([4, 3], weight: [5, 2], bias: nil)?.message,
                       "input of shape [4, 3] must end in 2 features for weight [5, 2]")
        XCTAssertEqual(Tensor.linearShapeError([4, 2], weight: [5, 2], bias: [4])?.message, "bias must be [5] for weight [5, 2], got [4]")
        XCTAssertNil(Tensor.linearShapeError([7, 4, 2], weight: [5, 2], bias: [5]))
        XCTAssertEqual(Tensor.softmaxCrossEntropyError([3, 4], targets: IntTensor([0, 4, 1]))?.message, "target 4 at position 1 is outside 0..<4")
        XCTAssertEqual(Tensor.softmaxCrossEntropyError([3, 4], targets: IntTensor([0, 1]))?.message,
                       "logits must be [N, C] and targets [N], got [3, 4] and [2]")
    }

    func assertClose(_ a: [Float], _ b: [Float], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-4 * Swift.max(1, Swift.abs(y)), file: file, line: line) }
    }
}
