import Foundation
import XCTest
@testable import EndToEnd

/// Random chains of 2-6 ops (shapes, broadcasting, strided inputs, 61 ops) against PyTorch
/// float64, from Fixtures/opchains.json written by scripts/make_opchain_fixtures.py: every
/// output and every input gradient must agree to 1e-4.
final class OpChainPropertyTests: XCTestCase {
    struct Input: Decodable { let shape: [Int]; let values: [Float]; let view: String }
    struct Output: Decodable { let shape: [Int]; let values: [Double] }
    struct Op: Decodable {
        let op: String
        let input: Int?, bias: Int?
        let mask: [Float]?, axes: [Int]?, keep: Bool?, axis: Int?, times: [Int]?, index: IntOrList?
        let index_shape: [Int]?, start: Int?, end: Int?, step: Int?, shape: [Int]?, chunks: Int?, part: Int?
        let a: Int?, b: Int?, order: [Int]?, targets: [Int32]?, padding: Int?
    }
    /// `index` is a list for index_select and gather, a number for select.
    enum IntOrList: Decodable {
        case one(Int), list([Int])
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let i = try? c.decode(Int.self) { self = .one(i) } else { self = .list(try c.decode([Int].self)) }
        }
        var list: [Int] { if case .list(let l) = self { return l }; return [] }
        var one: Int { if case .one(let i) = self { return i }; return 0 }
    }
    struct Chain: Decodable { let inputs: [Input]; let ops: [Op]; let weights: [Float]; let output: Output; let grads: [[Double]] }
    struct File: Decodable { let generator: String; let chains: [Chain] }

    static let fixtures: File = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/opchains.json")
        return try! JSONDecoder().decode(File.self, from: Data(contentsOf: url))
    }()

    static func view(_ spec: Input, _ t: Tensor) -> Tensor {
        switch spec.view {
        case "transpose": return t.transposed(0, 1)
        case "slice": return t.sliced(axis: 0, 0..<spec.shape[0], step: 2)
        default: return t
        }
    }

    /// One op of a chain, as the generator's PyTorch code applies it.
    static func apply(_ o: Op, _ x: Tensor, _ inputs: [Tensor], _ specs: [Input]) -> Tensor {
        func fresh(_ i: Int?) -> Tensor { view(specs[i!], inputs[i!]) }
        func mask(_ m: [Float]) -> Tensor { Tensor(shape: [m.count], scalars: m) }
        switch o.op {
        case "abs": return x.abs()
        case "exp": return x.exp()
        case "square": return x.square()
        case "neg": return -x
        case "tanh": return x.tanh()
        case "sigmoid": return x.sigmoid()
        case "relu": return x.relu()
        case "gelu": return x.gelu()
        case "gelu_tanh": return x.gelu(approximate: true)
        case "softplus": return x.softplus()
        case "log": return x.log()
        case "sqrt": return x.sqrt()
        case "contiguous": return x.contiguous()
        case "leaky_relu": return x.leakyRelu(negativeSlope: 0.1)
        case "clamp": return x.clamped(min: -1.1, max: 0.9)
        case "pow_scalar": return x.pow(1.7)
        case "add": return x + fresh(o.input)
        case "sub": return x - fresh(o.input)
        case "mul": return x * fresh(o.input)
        case "div": return x / fresh(o.input)
        case "maximum": return x.maximum(fresh(o.input))
        case "minimum": return x.minimum(fresh(o.input))
        case "pow": return x.pow(fresh(o.input))
        case "div_by": return fresh(o.input) / x
        case "pow_tensor_exp": return (fresh(o.input).abs() + 0.5).pow(x.clamped(min: -2, max: 2))
        case "where": return Tensor.where(mask(o.mask!), x, fresh(o.input))
        case "masked_fill": return x.maskedFill(mask(o.mask!), -2)
        case "sum": return x.sum(axes: o.axes!, keepDims: o.keep!)
        case "mean": return x.mean(axes: o.axes!, keepDims: o.keep!)
        case "max": return x.max(axes: o.axes!, keepDims: o.keep!)
        case "min": return x.min(axes: o.axes!, keepDims: o.keep!)
        case "logsumexp": return x.logSumExp(axes: o.axes!, keepDims: o.keep!)
        case "variance": return x.variance(axes: o.axes!, keepDims: o.keep!)
        case "std": return x.standardDeviation(axes: o.axes!, keepDims: o.keep!)
        case "softmax": return x.softmax(axis: o.axis!)
        case "log_softmax": return x.logSoftmax(axis: o.axis!)
        case "unsqueeze": return x.unsqueezed(axis: o.axis!)
        case "squeeze": return x.squeezed()
        case "repeat": return x.repeated(o.times!)
        case "concat": return Tensor.concat([x, fresh(o.input)], axis: o.axis!)
        case "stack": return Tensor.stack([x, fresh(o.input)], axis: o.axis!)
        case "index_select": return x.indexSelect(axis: o.axis!, IntTensor(o.index!.list))
        case "gather": return x.gather(axis: o.axis!, IntTensor(shape: o.index_shape!, scalars: o.index!.list.map { Int32($0) }))
        case "slice": return x.sliced(axis: o.axis!, o.start!..<o.end!, step: o.step!)
        case "flatten": return x.flattened()
        case "reshape": return x.reshaped(o.shape!)
        case "expand": return x.expanded(to: o.shape!)
        case "chunk": return x.chunked(o.chunks!, axis: o.axis!)[o.part!]
        case "transpose": return x.transposed(o.a!, o.b!)
        case "permute": return x.permuted(o.order!)
        case "select": return x[o.index!.one]
        case "matmul": return x.matmul(fresh(o.input))
        case "linear": return x.linear(weight: fresh(o.input), bias: fresh(o.bias))
        case "cross_entropy": return x.softmaxCrossEntropy(IntTensor(o.targets!))
        case "conv1d": return x.conv1d(fresh(o.input), padding: o.padding!)
        case "conv2d": return x.conv2d(fresh(o.input), padding: o.padding!)
        case "max_pool1d": return x.maxPool1d(kernelSize: 2)
        case "avg_pool1d": return x.avgPool1d(kernelSize: 2)
        case "max_pool2d": return x.maxPool2d(kernelSize: 2)
        case "avg_pool2d": return x.avgPool2d(kernelSize: 2)
        case "global_avg_pool2d": return x.globalAvgPool2d()
        default: fatalError("opchains.json names an op this test does not know: \(o.op)")
        }
    }

    static func close(_ a: Float, _ b: Double) -> Bool { Swift.abs(Double(a) - b) <= 1e-4 * Swift.max(1, Swift.abs(b)) }

    func testChainsMatchPyTorch() {
        let chains = Self.fixtures.chains
        XCTAssertGreaterThanOrEqual(chains.count, 300)
        var agreed = 0
        for (n, c) in chains.enumerated() {
            let inputs = c.inputs.map { Tensor(shape: $0.shape, scalars: $0.values).requiringGrad() }
            var x = Self.view(c.inputs[0], inputs[0])
            for o in c.ops { x = Self.apply(o, x, inputs, c.inputs) }
            let names = c.ops.map(\.op).joined(separator: " → ")
            guard x.shape == c.output.shape else { XCTFail("chain \(n) (\(names)): shape \(x.shape) vs \(c.output.shape)"); continue }
            (x * Tensor(shape: x.shape, scalars: c.weights)).sum().backward()
            var bad: String?
            for (v, e) in zip(x.scalars, c.output.values) where !Self.close(v, e) { bad = "output \(v) vs \(e)"; break }
            for (i, t) in inputs.enumerated() where bad == nil {
                let g = (t.grad ?? Tensor.zeros(t.shape)).scalars
                for (v, e) in zip(g, c.grads[i]) where !Self.close(v, e) { bad = "gradient of input \(i): \(v) vs \(e)"; break }
            }
            if let bad { XCTFail("chain \(n) (\(names)): \(bad)") } else { agreed += 1 }
        }
        print("op chains: \(agreed) of \(chains.count) agree with PyTorch to 1e-4")
    }

    /// The ops the fixtures cover, so that a regenerated file cannot silently drop one.
    func testEveryOpIsCovered() {
        let used = Set(Self.fixtures.chains.flatMap { $0.ops.map(\.op) })
        XCTAssertGreaterThanOrEqual(used.count, 60, "\(used.sorted())")
    }
}
