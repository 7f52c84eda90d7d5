import EndToEnd
import Foundation
import XCTest
@testable import EndToEndNN

/// Every loss and reduction against PyTorch's value and gradient
/// (Fixtures/nn.safetensors: `losses/<loss>/<reduction>/{x,value,grad}`).
final class LossesTests: XCTestCase {
    /// One loss and reduction: the prediction PyTorch used, the loss value and its gradient.
    struct Case { let x, value, grad: Tensor }

    static var file: Fixture { Fixtures.nn }

    static func lossCase(_ key: String) throws -> Case {
        let f = file
        return Case(x: try f.tensor("losses/\(key)/x"), value: try f.tensor("losses/\(key)/value"),
                    grad: try f.tensor("losses/\(key)/grad"))
    }

    func testEveryLossAndReductionMatchesPyTorch() throws {
        let fx = Self.file
        let tgt = try fx.tensor("losses/tgt"), pm = try fx.tensor("losses/pm"), q = try fx.tensor("losses/q")
        let binT = try fx.tensor("losses/bin_t")
        let labels = try fx.intTensor("losses/labels"), cw = try fx.tensor("losses/cw")
        let fns: [String: (Tensor, Reduction) -> Tensor] = [
            "mse": { Loss.mse($0, tgt, reduction: $1) },
            "l1": { Loss.l1($0, tgt, reduction: $1) },
            "huber": { Loss.huber($0, tgt * 2, delta: 0.7, reduction: $1) },
            "hinge": { Loss.hinge($0, pm, reduction: $1) },
            "kl": { Loss.klDivergence($0, q, reduction: $1) },
            "bce_logits": { Loss.binaryCrossEntropyWithLogits($0, binT, reduction: $1) },
            "bce_logits_posweight": { Loss.binaryCrossEntropyWithLogits($0, binT, positiveWeight: Tensor([1, 2, 3, 4, 5]), reduction: $1) },
            "cross_entropy": { Loss.crossEntropy($0, labels, reduction: $1) },
            "cross_entropy_weight": { Loss.crossEntropy($0, labels, weight: cw, reduction: $1) },
            "cross_entropy_smooth": { Loss.crossEntropy($0, labels, labelSmoothing: 0.2, reduction: $1) },
            "cross_entropy_weight_smooth": { Loss.crossEntropy($0, labels, weight: cw, labelSmoothing: 0.1, reduction: $1) },
            "nll": { Loss.nllLoss($0.logSoftmax(axis: 1), labels, weight: cw, reduction: $1) },
        ]
        var checked = 0
        for (name, f) in fns {
            for r in Reduction.allCases {
                let c: Case
                do { c = try Self.lossCase("\(name)/\(r.rawValue)") } catch { XCTFail("missing fixture \(name)/\(r): \(error)"); continue }
                let x = c.x.requiringGrad()
                let v = f(x, r)
                XCTAssertEqual(v.shape, c.value.shape, "\(name)/\(r) shape")
                for (a, b) in zip(v.scalars, c.value.scalars) { XCTAssertEqual(a, b, accuracy: 1e-5 + 1e-4 * Swift.abs(b), "\(name)/\(r) value") }
                let w = v.count > 1 ? Tensor.linspace(-1, 1, count: v.count).reshaped(v.shape) : Tensor.ones(v.shape)
                (v * w).sum().backward()
                for (a, b) in zip(x.grad!.scalars, c.grad.scalars) { XCTAssertEqual(a, b, accuracy: 1e-5 + 1e-4 * Swift.abs(b), "\(name)/\(r) grad") }
                checked += 1
            }
        }
        XCTAssertEqual(checked, 36)
        let bm = try Self.lossCase("kl/batchmean")
        XCTAssertEqual(Loss.klDivergence(bm.x, q, batchMean: true).item, bm.value.scalars[0], accuracy: 1e-5)
    }
}
