import XCTest
@testable import EndToEnd
import EndToEndKernels

/// `layerNorm` against `standardized · weight + bias` composed from ops: the output and the
/// input gradient to the bit, the weight and bias gradients within float rounding (they are
/// summed in another order), the same bits on one thread and two, finite differences and
/// shape errors.
final class LayerNormalizationTests: XCTestCase {
    func testEqualsStandardizedTimesWeightPlusBias() {
        // Rows below and past a 32-row block, one and two trailing dimensions, a strided input.
        let cases: [(x: [Int], w: [Int])] = [([3, 5], [5]), ([70, 24], [24]), ([2, 3, 2, 4], [2, 4]), ([600, 128], [128])]
        for (i, c) in cases.enumerated() {
            let x = (Tensor.randn(c.x, seed: UInt64(i)) * 3 + 1).requiringGrad()
            let w = Tensor.randn(c.w, seed: UInt64(10 + i)).requiringGrad(), b = Tensor.randn(c.w, seed: UInt64(20 + i)).requiringGrad()
            let probe = Tensor.randn(c.x, seed: UInt64(30 + i))
            let y = x.layerNorm(weight: w, bias: b, epsilon: 1e-5)
            (y * probe).sum().backward()
            let leaves = [x, w, b].map { $0.detached().requiringGrad() }
            let d = w.count
            let ref = leaves[0].standardized(outer: 1, groups: x.count / d, inner: d, epsilon: 1e-5).output * leaves[1] + leaves[2]
            (ref * probe).sum().backward()
            XCTAssertEqual(y.scalars, ref.scalars, "case \(i) values")
            XCTAssertEqual(x.grad!.scalars, leaves[0].grad!.scalars, "case \(i) input gradient")
            // The weight and bias gradients are column sums over the rows, here in blocks of
            // 32 rows: against the same sums in Double, within a float's rounding of the sum of
            // the terms' magnitudes, as the composed path's are.
            let xh = x.detached().standardized(outer: 1, groups: x.count / d, inner: d, epsilon: 1e-5).output.scalars
            let g = probe.scalars, rows = x.count / d
            for (k, name) in [(1, "weight"), (2, "bias")] {
                for j in 0..<d {
                    let terms = (0..<rows).map { r in Double(g[r * d + j]) * (k == 1 ? Double(xh[r * d + j]) : 1) }
                    let exact = terms.reduce(0, +), bound = 4e-7 * terms.reduce(0) { $0 + Swift.abs($1) } + 1e-6
                    XCTAssertEqual(Double([x, w, b][k].grad!.scalars[j]), exact, accuracy: bound, "case \(i) \(name) gradient [\(j)]")
                    XCTAssertEqual(Double(leaves[k].grad!.scalars[j]), exact, accuracy: bound, "case \(i) composed \(name) gradient [\(j)]")
                }
            }
        }
        let t = Tensor.randn([6, 4], seed: 40).requiringGrad(), w = Tensor.randn([6], seed: 41), b = Tensor.randn([6], seed: 42)
        let y = t.T.layerNorm(weight: w, bias: b, epsilon: 1e-3)
        y.sum().backward()
        let leaf = t.detached().requiringGrad()
        let ref = leaf.T.contiguous().layerNorm(weight: w, bias: b, epsilon: 1e-3)
        ref.sum().backward()
        XCTAssertEqual(y.scalars, ref.scalars, "a transposed view is read as its values")
        XCTAssertEqual(t.grad!.scalars, leaf.grad!.scalars)
    }

    func testOneAndTwoThreadsGiveTheSameBits() {
        let x = Tensor.randn([300, 96], seed: 5).requiringGrad(), w = Tensor.randn([96], seed: 6).requiringGrad()
        let b = Tensor.randn([96], seed: 7).requiringGrad(), probe = Tensor.randn([300, 96], seed: 8)
        func run(_ threads: Int) -> [[Float]] {
            Threading.withThreadCount(threads) {
                for t in [x, w, b] { t.zeroGrad() }
                let y = x.layerNorm(weight: w, bias: b, epsilon: 1e-5)
                (y * probe).sum().backward()
                return [y.scalars, x.grad!.scalars, w.grad!.scalars, b.grad!.scalars]
            }
        }
        XCTAssertEqual(run(1), run(2))
    }

    func testGradCheckCases() {
        var rng = RandomGenerator(seed: 41)
        assertGradChecksPass(GradCheckCatalog.layerNormCases(&rng), atLeast: 2)
    }

    func testShapeErrorsNameTheProblem() {
        XCTAssertEqual(Tensor.layerNormShapeError([4, 3], weight: [4], bias: [4], epsilon: 1e-5)?.message,
                       "input of shape [4, 3] must end with the weight's shape [4]")
        XCTAssertEqual(Tensor.layerNormShapeError([4, 3], weight: [3], bias: [4], epsilon: 1e-5)?.message,
                       "bias [4] must have the weight's shape [3]")
        XCTAssertEqual(Tensor.layerNormShapeError([4, 3], weight: [], bias: [], epsilon: 1e-5)?.message,
                       "weight must have at least one dimension and no empty one, got []")
        XCTAssertEqual(Tensor.layerNormShapeError([4, 3], weight: [3], bias: [3], epsilon: -1)?.message,
                       "epsilon must be finite and non-negative, got -1.0")
        XCTAssertNil(Tensor.layerNormShapeError([2, 4, 3], weight: [4, 3], bias: [4, 3], epsilon: 0))
    }
}
