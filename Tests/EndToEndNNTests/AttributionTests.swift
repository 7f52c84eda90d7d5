import EndToEnd
import XCTest
@testable import EndToEndNN

/// Attribution methods: the input gradient they rest on against central finite
/// differences, exact values on a linear model, and integrated gradients' completeness.
final class AttributionTests: XCTestCase {
    /// A smooth MLP (tanh, no kinks) so that finite differences are accurate.
    func mlp() -> Module {
        Random.seed(3)
        return Sequential(Linear(5, 7), Tanh(), Linear(7, 3))
    }

    /// A small smooth CNN on [N, 1, 6, 6].
    func cnn() -> Module {
        Random.seed(4)
        return Sequential(Conv2d(1, 3, kernelSize: 3), Tanh(), AvgPool2d(2), Flatten(), Linear(12, 2))
    }

    /// Central differences of Σ_n f(x)[n, target] with respect to every element of x, in Double.
    func finiteDifferences(_ model: Module, _ x: Tensor, target: Int, eps: Float = 1e-2) -> [Double] {
        var out: [Double] = []
        let base = x.scalars
        func score(_ v: [Float]) -> Double {
            withNoGrad {
                let y = model(Tensor(shape: x.shape, scalars: v))
                return (0..<y.shape[0]).reduce(0.0) { $0 + Double(y[$1, target]) }
            }
        }
        for i in 0..<base.count {
            var plus = base, minus = base
            plus[i] += eps
            minus[i] -= eps
            out.append((score(plus) - score(minus)) / (2 * Double(eps)))
        }
        return out
    }

    func assertMatchesFiniteDifferences(_ model: Module, _ x: Tensor, target: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let g = try Attribution.inputGradient(model: { model($0) }, input: x, target: target)
        XCTAssertEqual(g.shape, x.shape, file: file, line: line)
        let fd = finiteDifferences(model, x, target: target)
        let scale = max(fd.map(abs).max() ?? 1, 1e-3)
        var worst = 0.0
        for (a, b) in zip(g.scalars, fd) { worst = max(worst, abs(Double(a) - b)) }
        XCTAssertLessThan(worst, 2e-2 * scale, "input gradient vs central differences, worst abs error \(worst)", file: file, line: line)
        XCTAssertGreaterThan(g.scalars.map(abs).max() ?? 0, 0, "a zero gradient checks nothing", file: file, line: line)
    }

    func testInputGradientOfMLPMatchesFiniteDifferences() throws {
        let x = Tensor.randn([2, 5], seed: 11)
        for t in 0..<3 { try assertMatchesFiniteDifferences(mlp(), x, target: t) }
    }

    func testInputGradientOfCNNMatchesFiniteDifferences() throws {
        let x = Tensor.randn([2, 1, 6, 6], seed: 12)
        try assertMatchesFiniteDifferences(cnn(), x, target: 1)
    }

    /// Each example's gradient is its own: explaining a batch equals explaining each example alone.
    func testBatchedGradientEqualsPerExampleGradient() throws {
        let model = mlp()
        let x = Tensor.randn([3, 5], seed: 13)
        let all = try Attribution.gradientTimesInput(model: { model($0) }, input: x, target: 2)
        for n in 0..<3 {
            let one = try Attribution.gradientTimesInput(model: { model($0) }, input: x.sliced(axis: 0, n..<(n + 1)), target: 2)
            for (a, b) in zip(all.sliced(axis: 0, n..<(n + 1)).scalars, one.scalars) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        }
    }

    /// For f(x) = W x + b, gradient × input is W[target] ⊙ x and integrated gradients from
    /// baseline x′ are W[target] ⊙ (x − x′), exactly.
    func testLinearModelHasExactAttributions() throws {
        let w = Tensor(shape: [2, 3], scalars: [1, -2, 0.5, 3, 0.25, -1])
        let model = Linear(weight: w, bias: Tensor([0.7, -0.3]))
        let x = Tensor(shape: [1, 3], scalars: [2, 1, -4])
        let gxi = try Attribution.gradientTimesInput(model: { model($0) }, input: x, target: 1)
        XCTAssertEqual(gxi.scalars, [6, 0.25, 4])
        let baseline = Tensor([1, 1, 1])
        let ig = try Attribution.integratedGradients(model: { model($0) }, input: x, target: 0, steps: 3, baseline: baseline)
        for (a, b) in zip(ig.scalars, [Float(1), 0, -2.5]) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }

    /// Completeness: the integrated gradients of each example sum to f(x) − f(x′).
    func testIntegratedGradientsAreComplete() throws {
        let model = mlp()
        let x = Tensor.randn([2, 5], seed: 14) * 2
        let ig = try Attribution.integratedGradients(model: { model($0) }, input: x, target: 0, steps: 64)
        let fx = withNoGrad { model(x) }, f0 = withNoGrad { model(Tensor.zeros([1, 5])) }
        for n in 0..<2 {
            let sum = ig.sliced(axis: 0, n..<(n + 1)).scalars.reduce(0, +)
            XCTAssertEqual(sum, fx[n, 0] - f0[0, 0], accuracy: 2e-3)
        }
        // With one step the rule is the gradient at the midpoint times (x − x′): check it too.
        let one = try Attribution.integratedGradients(model: { model($0) }, input: x, target: 0, steps: 1)
        let mid = try Attribution.inputGradient(model: { model($0) }, input: x * 0.5, target: 0)
        for (a, b) in zip(one.scalars, (x * mid).scalars) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }

    func testBadArgumentsThrow() {
        let model = mlp()
        let x = Tensor.randn([1, 5], seed: 15)
        XCTAssertThrowsError(try Attribution.gradientTimesInput(model: { model($0) }, input: x, target: 3)) { e in
            XCTAssertTrue("\(e)".contains("target class 3"), "\(e)")
        }
        XCTAssertThrowsError(try Attribution.integratedGradients(model: { model($0) }, input: x, target: 0, steps: 0))
        XCTAssertThrowsError(try Attribution.integratedGradients(model: { model($0) }, input: x, target: 0, baseline: Tensor.zeros([4])))
        XCTAssertThrowsError(try Attribution.inputGradient(model: { $0.sum(axis: 1) }, input: x, target: 0)) { e in
            XCTAssertTrue("\(e)".contains("must return scores"), "\(e)")
        }
    }
}
