import EndToEnd
import Foundation
import XCTest
@testable import EndToEndNN

/// Normalization, dropout and embedding layers: PyTorch parity and behaviour.
final class LayersTests: XCTestCase {
    struct Arr: Decodable { let shape: [Int]; let values: [Float]; var tensor: Tensor { Tensor(shape: shape, scalars: values) } }
    struct Case: Decodable {
        let params: [String: Arr]; let x, y, w: Arr; let grads: [String: Arr]
        let grad_x: Arr?; let buffers: [String: Arr]?; let y_eval: Arr?
    }
    struct File: Decodable { let layers: [String: Case] }
    static let cases: [String: Case] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/nn.json")
        return try! JSONDecoder().decode(File.self, from: Data(contentsOf: url)).layers
    }()

    func assertClose(_ a: Tensor, _ b: Arr, _ what: String) {
        XCTAssertEqual(a.shape, b.shape, what)
        for (i, (x, y)) in zip(a.scalars, b.values).enumerated() where Swift.abs(x - y) > 1e-5 + 1e-4 * Swift.abs(y) {
            XCTFail("\(what)[\(i)]: \(x) vs PyTorch \(y)"); return
        }
    }

    /// Sets parameters by name, runs forward/backward, and compares everything PyTorch recorded.
    func check(_ name: String, _ module: Module, input: Tensor, intInput: Bool = false) {
        let c = Self.cases[name]!
        let params = Dictionary(uniqueKeysWithValues: module.namedParameters())
        for (n, v) in c.params { params[n]!.assign(v.tensor) }
        let x = intInput ? input : input.requiringGrad()
        let y = module(x)
        assertClose(y, c.y, "\(name) forward")
        (y * c.w.tensor).sum().backward()
        for (n, g) in c.grads { assertClose(params[n]!.grad!, g, "\(name) grad \(n)") }
        if let gx = c.grad_x { assertClose(x.grad!, gx, "\(name) grad input") }
        if let bufs = c.buffers {
            let mine = Dictionary(uniqueKeysWithValues: module.namedBuffers())
            for (n, b) in bufs { assertClose(mine[n]!.value, b, "\(name) buffer \(n)") }
            module.eval()
            assertClose(module(input), c.y_eval!, "\(name) eval")
        }
    }

    func testNormalizationMatchesPyTorch() {
        check("batchnorm1d", BatchNorm1d(3), input: Self.cases["batchnorm1d"]!.x.tensor)
        check("batchnorm1d_seq", BatchNorm1d(3), input: Self.cases["batchnorm1d_seq"]!.x.tensor)
        check("batchnorm2d", BatchNorm2d(2), input: Self.cases["batchnorm2d"]!.x.tensor)
        check("layernorm", LayerNorm([3, 4]), input: Self.cases["layernorm"]!.x.tensor)
    }

    func testConvolutionAndPoolingMatchPyTorch() {
        func x(_ n: String) -> Tensor { Self.cases[n]!.x.tensor }
        check("conv2d", Conv2d(2, 4, kernelSize: 3, stride: 2, padding: 1), input: x("conv2d"))
        check("conv2d_groups", Conv2d(4, 6, kernelSize: (3, 2), dilation: (1, 2), groups: 2, bias: false), input: x("conv2d_groups"))
        check("conv1d", Conv1d(3, 2, kernelSize: 3, padding: 2), input: x("conv1d"))
        check("maxpool2d", MaxPool2d(2), input: x("maxpool2d"))
        check("avgpool2d", AvgPool2d(3, stride: 2, padding: 1, countIncludePad: false), input: x("avgpool2d"))
        let names = Conv2d(2, 4, kernelSize: 3).namedParameters().map(\.0)
        XCTAssertEqual(names, ["weight", "bias"])
    }

    func testEmbeddingMatchesPyTorch() {
        let c = Self.cases["embedding"]!
        let emb = Embedding(7, 3)
        emb.weight.assign(c.params["weight"]!.tensor)
        let ids = IntTensor(shape: c.x.shape, scalars: c.x.values.map { Int32($0) })
        let y = emb(ids)
        assertClose(y, c.y, "embedding forward")
        (y * c.w.tensor).sum().backward()
        assertClose(emb.weight.grad!, c.grads["weight"]!, "embedding grad")
    }

    func testDropout() {
        Random.seed(1)
        let d = Dropout(0.25)
        let x = Tensor.ones([100_000])
        let y = d(x)
        let zeros = y.scalars.filter { $0 == 0 }.count
        XCTAssertEqual(Double(zeros) / 100_000, 0.25, accuracy: 0.01)
        XCTAssertEqual(y.mean().item, 1, accuracy: 0.02, "kept values are scaled by 1/(1-p)")
        d.eval()
        XCTAssertEqual(d(x).scalars, x.scalars)
    }
}
