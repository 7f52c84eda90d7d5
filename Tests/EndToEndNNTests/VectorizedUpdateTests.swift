import Foundation
import XCTest
@testable import EndToEnd
@testable import EndToEndNN
import EndToEndKernels

/// The SIMD optimizer updates against the update rules written out per element, on a
/// parameter of 19 elements (two full vectors and a tail of 3).
final class VectorizedUpdateTests: XCTestCase {
    var n = 19

    func run(_ make: (Parameter) -> Optimizer, gradients: [[Float]], start: [Float]) -> [Float] {
        let p = Parameter(Tensor(start))
        let opt = make(p)
        for g in gradients {
            p.grad = Tensor(g)
            opt.step()
        }
        return p.value.scalars
    }

    func data(_ seed: UInt64) -> (start: [Float], grads: [[Float]]) {
        var rng = RandomGenerator(seed: seed)
        let start = (0..<n).map { _ in rng.nextNormal() }
        let grads = (0..<3).map { _ in (0..<n).map { _ in rng.nextNormal() } }
        return (start, grads)
    }

    func testSGDMatchesScalarRule() {
        let (start, grads) = data(1)
        for (mu, damp, nest, wd) in [(Float(0), Float(0), false, Float(0.01)), (0.9, 0.1, false, 0.01), (0.9, 0, true, 0.02)] {
            let got = run({ SGD([$0], learningRate: 0.1, momentum: mu, dampening: damp, nesterov: nest, weightDecay: wd) },
                          gradients: grads, start: start)
            var p = start, b = [Float](repeating: 0, count: n)
            for (step, g) in grads.enumerated() {
                for i in 0..<n {
                    var gi = g[i] + wd * p[i]
                    if mu != 0 {
                        b[i] = step == 0 ? gi : mu * b[i] + (1 - damp) * gi
                        gi = nest ? gi + mu * b[i] : b[i]
                    }
                    p[i] -= 0.1 * gi
                }
            }
            for i in 0..<n { XCTAssertEqual(got[i], p[i], accuracy: 1e-6, "SGD momentum \(mu) nesterov \(nest) element \(i)") }
        }
    }

    func testAdamAndAdamWMatchScalarRule() {
        let (start, grads) = data(2)
        for decoupled in [false, true] {
            let (lr, b1, b2, eps, wd): (Float, Float, Float, Float, Float) = (0.01, 0.8, 0.95, 1e-5, 0.1)
            let got = run({ Adam([$0], learningRate: lr, beta1: b1, beta2: b2, epsilon: eps, weightDecay: wd, decoupledWeightDecay: decoupled) },
                          gradients: grads, start: start)
            var p = start, m = [Float](repeating: 0, count: n), v = m
            for (step, g) in grads.enumerated() {
                let t = Float(step + 1)
                let bc1 = 1 - Foundation.pow(b1, t), bc2 = 1 - Foundation.pow(b2, t)
                for i in 0..<n {
                    var gi = g[i]
                    if decoupled { p[i] *= 1 - lr * wd } else { gi += wd * p[i] }
                    m[i] = b1 * m[i] + (1 - b1) * gi
                    v[i] = b2 * v[i] + (1 - b2) * gi * gi
                    p[i] -= lr / bc1 * m[i] / (v[i].squareRoot() / bc2.squareRoot() + eps)
                }
            }
            for i in 0..<n { XCTAssertEqual(got[i], p[i], accuracy: 1e-5, "Adam decoupled \(decoupled) element \(i)") }
        }
    }

    /// Large tensors are split across threads; every chunk must follow the same rule.
    func testParallelChunksMatchScalarRule() {
        n = 2 * VectorizedUpdate.grain + 19
        Threading.withThreadCount(2) {
            testSGDMatchesScalarRule()
            testAdamAndAdamWMatchScalarRule()
        }
    }
}
