import XCTest
@testable import EndToEnd
import EndToEndKernels

/// `packedSelfAttention` against the same attention composed from elementary ops (slices,
/// permutes, batched matmul, maskedFill, softmax), plus thread-count independence, the
/// inference path, finite differences and shape errors.
final class SelfAttentionOpTests: XCTestCase {
    /// The composition `MultiHeadAttention` used before the fused op.
    func reference(_ qkv: Tensor, heads: Int, causal: Bool) -> Tensor {
        let (b, l, e) = (qkv.shape[0], qkv.shape[1], qkv.shape[2] / 3), d = e / heads
        func head(_ part: Int) -> Tensor {
            qkv.sliced(axis: 2, part * e..<(part + 1) * e).reshaped([b, l, heads, d]).permuted(0, 2, 1, 3)
        }
        var scores = (head(0) * (1 / Float(d).squareRoot())).matmul(head(1).transposed())
        if causal {
            let mask = Tensor(shape: [l, l]) { p, _ in
                for i in 0..<l { for j in 0..<l { p[i * l + j] = j > i ? 1 : 0 } }
            }
            scores = scores.maskedFill(mask, -.infinity)
        }
        return scores.softmax(axis: -1).matmul(head(2)).permuted(0, 2, 1, 3).reshaped([b, l, e])
    }

    /// Values and input gradients within float rounding of the composition: lengths below,
    /// at and across the 32-row causal blocks, one head and several, a strided input view.
    func testMatchesTheComposedAttention() {
        let cases: [(b: Int, l: Int, e: Int, heads: Int, causal: Bool)] = [
            (2, 5, 6, 2, true), (1, 1, 4, 1, true), (3, 32, 8, 2, true), (2, 70, 12, 3, true),
            (2, 37, 8, 4, false), (1, 64, 16, 1, false),
        ]
        for (i, c) in cases.enumerated() {
            let x = Tensor.randn([c.b, c.l, 3 * c.e], seed: UInt64(10 + i)).requiringGrad()
            let probe = Tensor.randn([c.b, c.l, c.e], seed: UInt64(30 + i))
            let y = x.packedSelfAttention(heads: c.heads, causal: c.causal)
            (y * probe).sum().backward()
            let leaf = x.detached().requiringGrad()
            let ref = reference(leaf, heads: c.heads, causal: c.causal)
            (ref * probe).sum().backward()
            assertClose(y.scalars, ref.scalars, "case \(i) values")
            assertClose(x.grad!.scalars, leaf.grad!.scalars, "case \(i) gradient")
        }
        // A transposed [L, B, 3E] tensor viewed as [B, L, 3E] is copied, not misread.
        let seqFirst = Tensor.randn([9, 2, 12], seed: 50).requiringGrad()
        let view = seqFirst.transposed(0, 1)
        let y = view.packedSelfAttention(heads: 2, causal: true)
        (y * y).sum().backward()
        let leaf = seqFirst.detached().requiringGrad()
        let ref = reference(leaf.transposed(0, 1).contiguous(), heads: 2, causal: true)
        (ref * ref).sum().backward()
        assertClose(y.scalars, ref.scalars, "strided view values")
        assertClose(seqFirst.grad!.scalars, leaf.grad!.scalars, "strided view gradient")
    }

    /// Each head runs on one thread, so one and two threads give the same bits; without a
    /// gradient the op keeps no weights and gives the same values.
    func testThreadCountAndInferenceDoNotChangeTheBits() {
        let x = Tensor.randn([4, 48, 3 * 16], seed: 7).requiringGrad()
        let probe = Tensor.randn([4, 48, 16], seed: 8)
        func run(_ threads: Int) -> (y: [Float], g: [Float]) {
            Threading.withThreadCount(threads) {
                x.zeroGrad()
                let y = x.packedSelfAttention(heads: 4, causal: true)
                (y * probe).sum().backward()
                return (y.scalars, x.grad!.scalars)
            }
        }
        let one = run(1), two = run(2)
        XCTAssertEqual(one.y, two.y)
        XCTAssertEqual(one.g, two.g)
        let inference = withNoGrad { x.packedSelfAttention(heads: 4, causal: true) }
        XCTAssertFalse(inference.requiresGrad)
        XCTAssertEqual(inference.scalars, one.y)
    }

    func testGradCheckCases() {
        var rng = RandomGenerator(seed: 37)
        assertGradChecksPass(GradCheckCatalog.attentionCases(&rng), atLeast: 3)
    }

    func testShapeErrorsNameTheProblem() {
        XCTAssertEqual(Tensor.packedSelfAttentionShapeError([2, 5, 12], heads: 3)?.message,
                       "input of shape [2, 5, 12] must be [batch, length, 3·embed] with embed divisible by 3 heads")
        XCTAssertEqual(Tensor.packedSelfAttentionShapeError([5, 12], heads: 2)?.message,
                       "input of shape [5, 12] must be [batch, length, 3·embed] with embed divisible by 2 heads")
        XCTAssertEqual(Tensor.packedSelfAttentionShapeError([2, 5, 12], heads: 0)?.message, "heads must be positive, got 0")
        XCTAssertNil(Tensor.packedSelfAttentionShapeError([2, 5, 12], heads: 2))
    }

    func assertClose(_ a: [Float], _ b: [Float], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, what, file: file, line: line)
        let scale = b.map { Swift.abs($0) }.max() ?? 1
        for (i, (x, y)) in zip(a, b).enumerated() where !(Swift.abs(x - y) <= 2e-5 * Swift.max(Swift.abs(y), 0.1 * scale)) {
            XCTFail("\(what)[\(i)]: \(x) vs \(y)", file: file, line: line); return
        }
    }
}
