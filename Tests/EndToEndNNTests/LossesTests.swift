import EndToEnd
import Foundation
import XCTest
@testable import EndToEndNN

/// Every loss and reduction against PyTorch's value and gradient.
final class LossesTests: XCTestCase {
    struct Arr: Decodable { let shape: [Int]; let values: [Float]; var tensor: Tensor { Tensor(shape: shape, scalars: values) } }
    struct Case: Decodable { let x: Arr; let value: Arr; let grad: Arr }
    struct Losses: Decodable {
        let tgt, bin_t, pm, q: Arr
        let labels: [Int]
        let cw: [Float]
        let cases: [String: Case]
        enum K: String, CodingKey { case tgt, bin_t, pm, q, labels, cw }
        init(from d: Decoder) throws {
            let c = try d.container(keyedBy: K.self)
            tgt = try c.decode(Arr.self, forKey: .tgt); bin_t = try c.decode(Arr.self, forKey: .bin_t)
            pm = try c.decode(Arr.self, forKey: .pm); q = try c.decode(Arr.self, forKey: .q)
            labels = try c.decode([Int].self, forKey: .labels); cw = try c.decode([Float].self, forKey: .cw)
            cases = try d.singleValueContainer().decode([String: AnyCase].self).compactMapValues(\.value)
        }
    }
    struct AnyCase: Decodable { let value: Case?; init(from d: Decoder) throws { value = try? Case(from: d) } }
    struct File: Decodable { let losses: Losses }

    static let losses: Losses = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/nn.json")
        return try! JSONDecoder().decode(File.self, from: Data(contentsOf: url)).losses
    }()

    func testEveryLossAndReductionMatchesPyTorch() {
        let l = Self.losses
        let labels = IntTensor(l.labels), cw = Tensor(l.cw)
        let fns: [String: (Tensor, Reduction) -> Tensor] = [
            "mse": { Loss.mse($0, l.tgt.tensor, reduction: $1) },
            "l1": { Loss.l1($0, l.tgt.tensor, reduction: $1) },
            "huber": { Loss.huber($0, l.tgt.tensor * 2, delta: 0.7, reduction: $1) },
            "hinge": { Loss.hinge($0, l.pm.tensor, reduction: $1) },
            "kl": { Loss.klDivergence($0, l.q.tensor, reduction: $1) },
            "bce_logits": { Loss.binaryCrossEntropyWithLogits($0, l.bin_t.tensor, reduction: $1) },
            "bce_logits_posweight": { Loss.binaryCrossEntropyWithLogits($0, l.bin_t.tensor, positiveWeight: Tensor([1, 2, 3, 4, 5]), reduction: $1) },
            "cross_entropy": { Loss.crossEntropy($0, labels, reduction: $1) },
            "cross_entropy_weight": { Loss.crossEntropy($0, labels, weight: cw, reduction: $1) },
            "cross_entropy_smooth": { Loss.crossEntropy($0, labels, labelSmoothing: 0.2, reduction: $1) },
            "cross_entropy_weight_smooth": { Loss.crossEntropy($0, labels, weight: cw, labelSmoothing: 0.1, reduction: $1) },
            "nll": { Loss.nllLoss($0.logSoftmax(axis: 1), labels, weight: cw, reduction: $1) },
        ]
        var checked = 0
        for (name, f) in fns {
            for r in Reduction.allCases {
                guard let c = l.cases["\(name)/\(r.rawValue)"] else { XCTFail("missing fixture \(name)/\(r)"); continue }
                let x = c.x.tensor.requiringGrad()
                let v = f(x, r)
                XCTAssertEqual(v.shape, c.value.shape, "\(name)/\(r) shape")
                for (a, b) in zip(v.scalars, c.value.values) { XCTAssertEqual(a, b, accuracy: 1e-5 + 1e-4 * Swift.abs(b), "\(name)/\(r) value") }
                let w = v.count > 1 ? Tensor.linspace(-1, 1, count: v.count).reshaped(v.shape) : Tensor.ones(v.shape)
                (v * w).sum().backward()
                for (a, b) in zip(x.grad!.scalars, c.grad.values) { XCTAssertEqual(a, b, accuracy: 1e-5 + 1e-4 * Swift.abs(b), "\(name)/\(r) grad") }
                checked += 1
            }
        }
        XCTAssertEqual(checked, 36)
        let bm = l.cases["kl/batchmean"]!
        XCTAssertEqual(Loss.klDivergence(bm.x.tensor, l.q.tensor, batchMean: true).item, bm.value.values[0], accuracy: 1e-5)
    }
}
