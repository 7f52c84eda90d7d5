import EndToEnd
import Foundation
import XCTest
@testable import EndToEndNN

/// Normalization, dropout and embedding layers: PyTorch parity and behaviour
/// (Fixtures/nn.safetensors: `layers/<case>/{x,y,w,grad_x,y_eval}`, `layers/<case>/{params,grads,buffers}/<name>`).
final class LayersTests: XCTestCase {
    /// One layer case as PyTorch recorded it (the input `layers/<case>/x` is read by the test).
    struct Case {
        let params: [String: Tensor]; let y, w: Tensor; let grads: [String: Tensor]
        let grad_x: Tensor?; let buffers: [String: Tensor]?; let y_eval: Tensor?
    }
    static var file: Fixture { Fixtures.nn }

    static func layerCase(_ name: String) throws -> Case {
        let f = file, p = "layers/\(name)"
        let buffers = try f.group("\(p)/buffers")
        return Case(params: try f.group("\(p)/params"),
                    y: try f.tensor("\(p)/y"), w: try f.tensor("\(p)/w"), grads: try f.group("\(p)/grads"),
                    grad_x: try f.optionalTensor("\(p)/grad_x"), buffers: buffers.isEmpty ? nil : buffers,
                    y_eval: try f.optionalTensor("\(p)/y_eval"))
    }

    func assertClose(_ a: Tensor, _ b: Tensor, _ what: String) {
        XCTAssertEqual(a.shape, b.shape, what)
        for (i, (x, y)) in zip(a.scalars, b.scalars).enumerated() where Swift.abs(x - y) > 1e-5 + 1e-4 * Swift.abs(y) {
            XCTFail("\(what)[\(i)]: \(x) vs PyTorch \(y)"); return
        }
    }

    /// Sets parameters by name, runs forward/backward, and compares everything PyTorch recorded.
    func check(_ name: String, _ module: Module, input: Tensor, intInput: Bool = false) throws {
        let c = try Self.layerCase(name)
        let params = Dictionary(uniqueKeysWithValues: module.namedParameters())
        for (n, v) in c.params { params[n]!.assign(v) }
        let x = intInput ? input : input.requiringGrad()
        let y = module(x)
        assertClose(y, c.y, "\(name) forward")
        (y * c.w).sum().backward()
        for (n, g) in c.grads { assertClose(params[n]!.grad!, g, "\(name) grad \(n)") }
        if let gx = c.grad_x { assertClose(x.grad!, gx, "\(name) grad input") }
        if let bufs = c.buffers {
            let mine = Dictionary(uniqueKeysWithValues: module.namedBuffers())
            for (n, b) in bufs { assertClose(mine[n]!.value, b, "\(name) buffer \(n)") }
            module.eval()
            assertClose(module(input), try XCTUnwrap(c.y_eval, "fixture nn.safetensors has no tensor 'layers/\(name)/y_eval'"), "\(name) eval")
        }
    }

    func x(_ n: String) throws -> Tensor { try Self.file.tensor("layers/\(n)/x") }

    func testNormalizationMatchesPyTorch() throws {
        try check("batchnorm1d", BatchNorm1d(3), input: x("batchnorm1d"))
        try check("batchnorm1d_seq", BatchNorm1d(3), input: x("batchnorm1d_seq"))
        try check("batchnorm2d", BatchNorm2d(2), input: x("batchnorm2d"))
        try check("layernorm", LayerNorm([3, 4]), input: x("layernorm"))
    }

    func testConvolutionAndPoolingMatchPyTorch() throws {
        try check("conv2d", Conv2d(2, 4, kernelSize: 3, stride: 2, padding: 1), input: x("conv2d"))
        try check("conv2d_groups", Conv2d(4, 6, kernelSize: (3, 2), dilation: (1, 2), groups: 2, bias: false), input: x("conv2d_groups"))
        try check("conv1d", Conv1d(3, 2, kernelSize: 3, padding: 2), input: x("conv1d"))
        try check("maxpool2d", MaxPool2d(2), input: x("maxpool2d"))
        try check("avgpool2d", AvgPool2d(3, stride: 2, padding: 1, countIncludePad: false), input: x("avgpool2d"))
        let names = Conv2d(2, 4, kernelSize: 3).namedParameters().map(\.0)
        XCTAssertEqual(names, ["weight", "bias"])
    }

    func testEmbeddingMatchesPyTorch() throws {
        let c = try Self.layerCase("embedding")
        let emb = Embedding(7, 3)
        emb.weight.assign(try Self.file.tensor("layers/embedding/params/weight"))
        let ids = try Self.file.intTensor("layers/embedding/x")
        let y = emb(ids)
        assertClose(y, c.y, "embedding forward")
        (y * c.w).sum().backward()
        assertClose(emb.weight.grad!, try Self.file.tensor("layers/embedding/grads/weight"), "embedding grad")
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
