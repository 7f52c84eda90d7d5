import XCTest
@testable import EndToEnd
import EndToEndKernels

final class AutodiffTests: XCTestCase {
    func testBackwardOnScalar() {
        let x = Tensor([1, 2, 3]).requiringGrad()
        (x * x).sum().backward()
        XCTAssertEqual(x.grad!.scalars, [2, 4, 6])
    }

    func testGradientsAccumulateUntilCleared() {
        let x = Tensor([1, 2]).requiringGrad()
        (x * 3).sum().backward()
        (x * 3).sum().backward()
        XCTAssertEqual(x.grad!.scalars, [6, 6])
        x.zeroGrad()
        XCTAssertNil(x.grad)
        (x * 2).sum().backward()
        XCTAssertEqual(x.grad!.scalars, [2, 2])
    }

    func testReusedTensorAccumulatesAcrossPaths() {
        let x = Tensor([2]).requiringGrad()
        let y = x * x + x.exp() + x
        y.sum().backward()
        XCTAssertEqual(x.grad!.item, 2 * 2 + Foundation.exp(2) + 1, accuracy: 1e-4)
    }

    /// The identity fused ops rely on: the same view of the same storage with the same record.
    func testIsSameTensor() {
        let x = Tensor.randn([2, 3], seed: 1).requiringGrad()
        let alias = x
        XCTAssertTrue(x.isSameTensor(as: alias))
        XCTAssertFalse(x.isSameTensor(as: x.detached()), "a detached alias carries no gradient")
        XCTAssertFalse(x.isSameTensor(as: x * 1), "equal values in another tensor")
        XCTAssertFalse(x.isSameTensor(as: x.T), "another view of the storage")
        XCTAssertFalse(x.isSameTensor(as: x.sliced(axis: 1, 0..<2)))
    }

    /// A slice's gradient (the upstream gradient at the slice, zeros elsewhere) on every axis,
    /// through the one-pass fill for unstrided slices and the strided assignment for stepped
    /// ones and permuted gradients, against a loop over the elements; on 1 and 2 threads, with
    /// a slice large enough to be split.
    func testSliceGradientPlacesTheUpstreamGradient() {
        for (shape, axis, range, step) in [([3, 4, 5], 0, 1..<3, 1), ([3, 4, 5], 1, 0..<4, 1), ([3, 4, 5], 2, 2..<5, 1),
                                           ([3, 4, 5], 1, 1..<4, 2), ([2, 300, 400], 1, 7..<291, 1), ([90_000], 0, 100..<70_000, 1)] {
            for threads in [1, 2] {
                for permutedUpstream in [false, true] where shape.count == 3 || !permutedUpstream {
                    let x = Tensor.randn(shape, seed: 3).requiringGrad()
                    let s = x.sliced(axis: axis, range, step: step)
                    // Through a permutation the upstream gradient reaches the slice's backward as a
                    // strided view.
                    let y = permutedUpstream ? s.permuted([2, 1, 0]) : s
                    let u = Tensor.randn(y.shape, seed: 4)
                    Threading.withThreadCount(threads) { (y * u).sum().backward() }
                    let got = x.grad!.scalars
                    let gs = (permutedUpstream ? u.permuted([2, 1, 0]) : u).contiguousCopy().scalars
                    var want = [Float](repeating: 0, count: got.count)
                    let inner = shape[(axis + 1)...].reduce(1, *), outer = shape[..<axis].reduce(1, *)
                    let picked = Array(stride(from: range.lowerBound, to: range.upperBound, by: step))
                    for o in 0..<outer {
                        for (k, i) in picked.enumerated() {
                            for e in 0..<inner {
                                want[(o * shape[axis] + i) * inner + e] = gs[(o * picked.count + k) * inner + e]
                            }
                        }
                    }
                    XCTAssertEqual(got, want, "shape \(shape) axis \(axis) range \(range) step \(step) threads \(threads) permuted \(permutedUpstream)")
                }
            }
        }
    }

    func testNoGradAndDetach() {
        let x = Tensor([1, 2]).requiringGrad()
        let y = withNoGrad { x * 2 }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertTrue(withNoGrad { withGrad { x * 2 } }.requiresGrad)
        XCTAssertFalse(GradMode.isEnabled == false)
        let z = (x.detached() * x).sum()
        z.backward()
        XCTAssertEqual(x.grad!.scalars, [1, 2], "detached factor is a constant")
        XCTAssertFalse(x.detached().requiresGrad)
    }

    func testBackwardErrors() {
        let x = Tensor([1, 2]).requiringGrad()
        let nonScalar = x * 2
        XCTAssertTrue(nonScalar.backwardError()!.description.contains("non-scalar tensor of shape [2]"))
        XCTAssertTrue(Tensor([1]).backwardError()!.description.contains("does not require a gradient"))
        XCTAssertTrue(nonScalar.backwardError(gradient: Tensor.ones([3]))!.description.contains("[3]"))
        XCTAssertNil(nonScalar.backwardError(gradient: Tensor.ones([2])))
        nonScalar.backward(Tensor([1, 10]))
        XCTAssertEqual(x.grad!.scalars, [2, 20])
    }

    func testGraphIsFreedAfterBackward() {
        weak var saved: TensorStorage?
        let x = Tensor.randn([100], seed: 0).requiringGrad()
        do {
            let h = (x * 2).tanh()
            saved = h.storage
            let loss = (h * h).sum()
            loss.backward()
            XCTAssertNil(loss.node?.backwardFn)
        }
        XCTAssertNil(saved, "tensors saved for backward must be released with the graph")
        XCTAssertNotNil(x.grad)
    }

    func testMemoryStaysFlatOverManySteps() {
        let w = Tensor.randn([64, 64], seed: 1).requiringGrad()
        let input = Tensor.randn([8, 64], seed: 2)
        weak var firstGrad: TensorStorage?
        for step in 0..<2000 {
            w.zeroGrad()
            input.matmul(w).tanh().square().mean().backward()
            if step == 0 { firstGrad = w.grad!.storage }
        }
        XCTAssertNil(firstGrad, "old gradients must be freed")
    }

    func testRetainGraphAllowsSecondBackward() {
        let x = Tensor([3]).requiringGrad()
        let y = (x * x).sum()
        y.backward(retainGraph: true)
        y.backward()
        XCTAssertEqual(x.grad!.item, 12)
    }

    func testRetainGrad() {
        let x = Tensor([1, 2]).requiringGrad()
        let h = x * 3
        h.retainGrad()
        (h * h).sum().backward()
        XCTAssertEqual(h.grad!.scalars, [6, 12])
    }

    func testValueAndGradient() {
        let w = Tensor([1, -2])
        let (v, g) = valueAndGradient(at: [w]) { p in (p[0] * p[0]).sum() }
        XCTAssertEqual(v.item, 5)
        XCTAssertEqual(g[0].scalars, [2, -4])
        XCTAssertFalse(w.requiresGrad)
        let (v1, g1) = valueAndGradient(at: Tensor([2])) { ($0 * $0 * $0).sum() }
        XCTAssertEqual(v1.item, 8)
        XCTAssertEqual(g1.scalars, [12])
        // Unused parameters get zero gradients.
        let gz = gradient(at: [Tensor([1]), Tensor([5, 5])]) { p in p[0].sum() }
        XCTAssertEqual(gz[1].scalars, [0, 0])
    }

    func testDeepGraphDoesNotOverflowStack() {
        let x = Tensor([1]).requiringGrad()
        var h = x
        for _ in 0..<20_000 { h = h * 1.0001 }
        h.sum().backward()
        XCTAssertEqual(x.grad!.item, Foundation.pow(1.0001, 20_000), accuracy: 0.1)
    }

    func testInPlaceAssignKeepsParameterIdentity() {
        var w = Tensor([1, 2]).requiringGrad()
        (w * 2).sum().backward()
        let g = w.grad!
        w.assign(w.detached() - g * 0.5)
        XCTAssertEqual(w.scalars, [0, 1])
        XCTAssertTrue(w.requiresGrad && w.isLeaf)
        XCTAssertEqual(w.grad!.scalars, [2, 2])
    }
}

import Foundation
