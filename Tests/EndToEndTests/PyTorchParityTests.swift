import Foundation
import XCTest
@testable import EndToEnd

/// Forward values and gradients of core ops against PyTorch, from fixtures written by
/// scripts/make_core_fixtures.py.
final class PyTorchParityTests: XCTestCase {
    struct Array: Decodable { let shape: [Int]; let values: [Float] }
    struct Case: Decodable { let name: String; let inputs: [Array]; let output: Array; let weights: Array; let grads: [Array] }
    struct File: Decodable { let generator: String; let cases: [Case] }

    static let fixtures: File = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/core_ops.json")
        let data = try! Data(contentsOf: url)
        return try! JSONDecoder().decode(File.self, from: data)
    }()

    nonisolated(unsafe) static let ops: [String: ([Tensor]) -> Tensor] = [
        "add": { $0[0] + $0[1] }, "sub": { $0[0] - $0[1] }, "mul": { $0[0] * $0[1] }, "div": { $0[0] / $0[1] },
        "pow": { $0[0].pow($0[1]) }, "maximum": { $0[0].maximum($0[1]) }, "minimum": { $0[0].minimum($0[1]) },
        "neg": { -$0[0] }, "abs": { $0[0].abs() }, "exp": { $0[0].exp() }, "tanh": { $0[0].tanh() },
        "sigmoid": { $0[0].sigmoid() }, "relu": { $0[0].relu() }, "gelu": { $0[0].gelu() },
        "softplus": { $0[0].softplus() }, "gelu_tanh": { $0[0].gelu(approximate: true) },
        "leaky_relu": { $0[0].leakyRelu(negativeSlope: 0.1) }, "log": { $0[0].log() }, "sqrt": { $0[0].sqrt() },
        "clamp": { $0[0].clamped(min: -0.5, max: 0.7) }, "softplus_beta2": { $0[0].softplus(beta: 2, threshold: 5) },
        "sum_axes": { $0[0].sum(axes: [0, 2], keepDims: true) }, "mean_axis": { $0[0].mean(axis: 1) },
        "var_unbiased": { $0[0].variance(axes: [1]) }, "var_population": { $0[0].variance(axes: [0, 1], correction: 0) },
        "amax": { $0[0].max(axis: 1) }, "amin": { $0[0].min(axis: 0) }, "logsumexp": { $0[0].logSumExp(axes: [-1]) },
        "softmax": { $0[0].softmax(axis: -1) }, "softmax_axis0": { $0[0].softmax(axis: 0) },
        "log_softmax": { $0[0].logSoftmax(axis: 1) }, "matmul": { $0[0].matmul($0[1]) },
        "matmul_batched_broadcast": { $0[0].matmul($0[1]) }, "matmul_vec": { $0[0].matmul($0[1]) },
        "where": { Tensor.where(Tensor([1, 0, 1]), $0[0], $0[1]) },
    ]

    func assertClose(_ a: Tensor, _ b: Array, _ what: String, rtol: Float = 1e-4, atol: Float = 1e-5) {
        XCTAssertEqual(a.shape, b.shape, "\(what): shape")
        guard a.shape == b.shape else { return }
        let av = a.scalars
        for i in 0..<av.count {
            let diff = Swift.abs(av[i] - b.values[i])
            if diff > atol + rtol * Swift.abs(b.values[i]) {
                XCTFail("\(what)[\(i)]: \(av[i]) vs PyTorch \(b.values[i])")
                return
            }
        }
    }

    func testEveryFixtureCaseIsCovered() {
        for c in Self.fixtures.cases { XCTAssertNotNil(Self.ops[c.name], "no EndToEnd op mapped for fixture \(c.name)") }
        XCTAssertGreaterThanOrEqual(Self.fixtures.cases.count, 30)
    }

    func testForwardAndGradientsMatchPyTorch() {
        for c in Self.fixtures.cases {
            guard let f = Self.ops[c.name] else { continue }
            let inputs = c.inputs.map { Tensor(shape: $0.shape, scalars: $0.values).requiringGrad() }
            let out = f(inputs)
            assertClose(out, c.output, "\(c.name) forward")
            let w = Tensor(shape: c.weights.shape, scalars: c.weights.values)
            (out * w).sum().backward()
            for (i, g) in c.grads.enumerated() {
                assertClose(inputs[i].grad ?? Tensor.zeros(inputs[i].shape), g, "\(c.name) grad \(i)", rtol: 1e-4, atol: 1e-5)
            }
        }
    }
}
