import EndToEnd
import Foundation
import XCTest
@testable import EndToEndNN

/// MultiHeadAttention and TransformerEncoderLayer against PyTorch
/// (fixtures from scripts/make_attention_fixtures.py), plus names, masks and shape errors.
final class AttentionTests: XCTestCase {
    struct Arr: Decodable { let shape: [Int]; let values: [Float]; var tensor: Tensor { Tensor(shape: shape, scalars: values) } }
    struct Case: Decodable {
        let params: [String: Arr]; let inputs: [String: Arr]; let masks: [String: Arr]
        let y: Arr; let w: Arr; let weights: Arr?; let ww: Arr?
        let grads: [String: Arr]; let input_grads: [String: Arr]
    }
    struct File: Decodable {
        let cases: [String: Case]; let state_dict_keys: [String: [String]]; let fully_masked_row_is_nan: Bool
    }
    static let file: File = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/attention.json")
        return try! JSONDecoder().decode(File.self, from: Data(contentsOf: url))
    }()

    /// Relative error ≤ 1e-4 against PyTorch's float64 values, element by element. Elements
    /// much smaller than the tensor's largest are measured relative to 1% of that largest
    /// magnitude: gradients such as the key-projection bias's are exactly zero in theory and
    /// float32 rounding of cancelling sums leaves ~1e-6 there.
    func assertClose(_ a: Tensor, _ b: Arr, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.shape, b.shape, what, file: file, line: line)
        let floor = 1e-2 * (b.values.map { Swift.abs($0) }.max() ?? 0)
        for (i, (x, y)) in zip(a.scalars, b.values).enumerated() where !(Swift.abs(x - y) <= 1e-4 * Swift.max(Swift.abs(y), floor)) {
            XCTFail("\(what)[\(i)]: \(x) vs PyTorch \(y)", file: file, line: line); return
        }
    }

    /// Loads the fixture's parameters by their PyTorch names (all of them, no more).
    func load(_ module: Module, _ c: Case) -> [String: Parameter] {
        let params = Dictionary(uniqueKeysWithValues: module.namedParameters())
        XCTAssertEqual(Set(params.keys), Set(c.params.keys), "parameter names match PyTorch's")
        for (n, v) in c.params { params[n]!.assign(v.tensor) }
        return params
    }

    enum MaskUse { case none, boolean, additive, causal }

    func checkMHA(_ name: String, batchFirst: Bool = true, mask: MaskUse = .none, average: Bool = true) {
        let c = Self.file.cases[name]!
        let mha = MultiHeadAttention(embedDim: 8, numHeads: 2, batchFirst: batchFirst)
        let params = load(mha, c)
        var inputs: [String: Tensor] = [:]
        for (n, a) in c.inputs { inputs[n] = a.tensor.requiringGrad() }
        let (q, k, v) = inputs["x"].map { ($0, $0, $0) } ?? (inputs["query"]!, inputs["key"]!, inputs["value"]!)
        let attn = c.masks["attn"]?.tensor
        let (y, weights) = mha(query: q, key: k, value: v, keyPaddingMask: c.masks["key_padding"]?.tensor,
                               attentionMask: mask == .boolean ? attn : nil, additiveMask: mask == .additive ? attn : nil,
                               causal: mask == .causal, averageWeights: average)
        assertClose(y, c.y, "\(name) output")
        assertClose(weights!, c.weights!, "\(name) attention weights")
        ((y * c.w.tensor).sum() + (weights! * c.ww!.tensor).sum()).backward()
        for (n, g) in c.grads { assertClose(params[n]!.grad!, g, "\(name) grad \(n)") }
        for (n, g) in c.input_grads { assertClose(inputs[n]!.grad!, g, "\(name) grad input \(n)") }
    }

    func testSelfAttentionMatchesPyTorch() { checkMHA("mha_self") }

    func testKeyPaddingMaskMatchesPyTorch() { checkMHA("mha_padding") }

    func testCausalMaskMatchesPyTorch() {
        checkMHA("mha_causal", mask: .causal)
        checkMHA("mha_causal", mask: .boolean)
    }

    func testCrossAttentionMatchesPyTorch() { checkMHA("mha_cross") }

    func testAdditiveMaskSequenceFirstPerHeadWeightsMatchPyTorch() {
        checkMHA("mha_additive_seqfirst", batchFirst: false, mask: .additive, average: false)
    }

    func checkEncoder(_ name: String, normFirst: Bool, activation: TransformerActivation, causal: Bool = false) {
        let c = Self.file.cases[name]!
        let layer = TransformerEncoderLayer(dModel: 8, numHeads: 2, feedForward: 16, dropout: 0.1,
                                            activation: activation, normFirst: normFirst)
        layer.eval()
        XCTAssertFalse(layer.selfAttention.isTraining, "eval reaches self_attn")
        let params = load(layer, c)
        let x = c.inputs["x"]!.tensor.requiringGrad()
        let y = causal
            ? layer(x, keyPaddingMask: c.masks["key_padding"]?.tensor, causal: true)
            : layer(x, mask: c.masks["attn"]?.tensor, keyPaddingMask: c.masks["key_padding"]?.tensor)
        assertClose(y, c.y, "\(name) output")
        (y * c.w.tensor).sum().backward()
        for (n, g) in c.grads { assertClose(params[n]!.grad!, g, "\(name) grad \(n)") }
        assertClose(x.grad!, c.input_grads["x"]!, "\(name) grad input")
    }

    func testPostNormEncoderLayerMatchesPyTorch() {
        checkEncoder("encoder_post", normFirst: false, activation: .relu)
        // forward(_:) is the unmasked call.
        let c = Self.file.cases["encoder_post"]!
        let layer = TransformerEncoderLayer(dModel: 8, numHeads: 2, feedForward: 16)
        layer.eval()
        _ = load(layer, c)
        assertClose(layer.forward(c.inputs["x"]!.tensor), c.y, "encoder_post forward(_:)")
    }

    func testPreNormEncoderLayerMatchesPyTorch() {
        checkEncoder("encoder_pre", normFirst: true, activation: .gelu)
        checkEncoder("encoder_pre", normFirst: true, activation: .gelu, causal: true)
    }

    func testParameterNamesAreTorchStateDictKeys() {
        let keys = Self.file.state_dict_keys
        XCTAssertEqual(MultiHeadAttention(embedDim: 8, numHeads: 2).namedParameters().map(\.0), keys["mha"]!)
        XCTAssertEqual(MultiHeadAttention(embedDim: 8, numHeads: 2, bias: false).namedParameters().map(\.0), keys["mha_nobias"]!)
        let layer = TransformerEncoderLayer(dModel: 8, numHeads: 2, feedForward: 16)
        XCTAssertEqual(layer.namedParameters().map(\.0), keys["encoder"]!)
        XCTAssertEqual(layer.namedModules().map(\.0),
                       ["", "self_attn", "self_attn.out_proj", "linear1", "dropout", "linear2", "norm1", "norm2", "dropout1", "dropout2"])
        let shapes = Dictionary(uniqueKeysWithValues: layer.namedParameters().map { ($0.0, $0.1.shape) })
        XCTAssertEqual(shapes["self_attn.in_proj_weight"], [24, 8])
        XCTAssertEqual(shapes["self_attn.in_proj_bias"], [24])
        XCTAssertEqual(shapes["linear1.weight"], [16, 8])
        XCTAssertEqual(layer.parameterCount, 24 * 8 + 24 + 64 + 8 + 16 * 8 + 16 + 8 * 16 + 8 + 4 * 8)
    }

    func testInitialization() {
        Random.seed(3)
        let mha = MultiHeadAttention(embedDim: 16, numHeads: 4)
        XCTAssertEqual(mha.inProjBias!.value.scalars, [Float](repeating: 0, count: 48))
        XCTAssertEqual(mha.outProj.bias!.value.scalars, [Float](repeating: 0, count: 16))
        let bound = (6 / Float(48 + 16)).squareRoot()  // Xavier uniform on [3E, E]
        let w = mha.inProjWeight.value.scalars
        XCTAssertTrue(w.allSatisfy { Swift.abs($0) <= bound })
        XCTAssertGreaterThan(w.map { Swift.abs($0) }.max()!, 0.9 * bound)
        XCTAssertEqual(mha.headDim, 4)
    }

    func testFullyMaskedRowIsNaNLikePyTorch() {
        XCTAssertTrue(Self.file.fully_masked_row_is_nan, "PyTorch reference")
        let mha = MultiHeadAttention(embedDim: 8, numHeads: 2)
        let x = Tensor.randn([2, 5, 8], seed: 4)
        var pad = [Float](repeating: 0, count: 10)
        for j in 0..<5 { pad[j] = 1 }  // batch 0: every key ignored
        let (y, w) = mha(query: x, key: x, value: x, keyPaddingMask: Tensor(shape: [2, 5], scalars: pad))
        XCTAssertTrue(y[0].scalars.allSatisfy(\.isNaN))
        XCTAssertTrue(y[1].scalars.allSatisfy(\.isFinite))
        XCTAssertTrue(w![0].scalars.allSatisfy(\.isNaN))
    }

    func testMaskSemanticsAndWeights() {
        let mha = MultiHeadAttention(embedDim: 8, numHeads: 2)
        let q = Tensor.randn([2, 3, 8], seed: 5), kv = Tensor.randn([2, 4, 8], seed: 6)
        let (_, w) = mha(query: q, key: kv, value: kv, causal: true)
        XCTAssertEqual(w!.shape, [2, 3, 4])
        let ws = w!.scalars
        for bi in 0..<2 {
            for i in 0..<3 {
                let row = (0..<4).map { ws[(bi * 3 + i) * 4 + $0] }
                XCTAssertEqual(row.reduce(0, +), 1, accuracy: 1e-5)
                for j in (i + 1)..<4 { XCTAssertEqual(row[j], 0, "causal: key \(j) after query \(i)") }
            }
        }
        // A boolean mask with 1 = forbidden equals an additive mask with -inf there.
        let boolMask = MultiHeadAttention.causalMask(3, 4)
        let additive = boolMask * -Float.infinity
        let a = mha(query: q, key: kv, value: kv, attentionMask: boolMask).output
        let b = mha(query: q, key: kv, value: kv, additiveMask: additive.maskedFill(boolMask.eq(0), 0)).output
        XCTAssertEqual(a.scalars, b.scalars)
        // needWeights: false returns no weights; per-head weights have a head axis.
        XCTAssertNil(mha(query: q, key: kv, value: kv, needWeights: false).weights)
        XCTAssertEqual(mha(query: q, key: kv, value: kv, averageWeights: false).weights!.shape, [2, 2, 3, 4])
    }

    func testUnbatchedAndSequenceFirstInputs() {
        let mha = MultiHeadAttention(embedDim: 8, numHeads: 2)
        let seqFirst = MultiHeadAttention(embedDim: 8, numHeads: 2, batchFirst: false)
        for (n, p) in seqFirst.namedParameters() { p.assign(Dictionary(uniqueKeysWithValues: mha.namedParameters())[n]!.value) }
        let x = Tensor.randn([2, 5, 8], seed: 7)
        let (y, w) = mha(query: x, key: x, value: x)
        let (y0, w0) = mha(query: x[0], key: x[0], value: x[0])
        XCTAssertEqual(y0.shape, [5, 8])
        XCTAssertEqual(w0!.shape, [5, 5])
        for (a, b) in zip(y0.scalars, y[0].scalars) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        for (a, b) in zip(w0!.scalars, w![0].scalars) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        let xt = x.transposed(0, 1)
        let (ys, ws) = seqFirst(query: xt, key: xt, value: xt)
        XCTAssertEqual(ys.shape, [5, 2, 8])
        XCTAssertEqual(ws!.shape, [2, 5, 5], "weights are [B, L, S] whatever the input layout")
        for (a, b) in zip(ys.transposed(0, 1).scalars, y.scalars) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        XCTAssertEqual(mha.forward(x).shape, [2, 5, 8])
    }

    func testDropoutOnAttentionWeightsOnlyInTraining() {
        Random.seed(9)
        let mha = MultiHeadAttention(embedDim: 8, numHeads: 2, dropout: 0.5)
        let x = Tensor.randn([2, 6, 8], seed: 8)
        let wTrain = mha(query: x, key: x, value: x, averageWeights: false).weights!
        XCTAssertTrue(wTrain.scalars.contains(0), "training drops weights")
        mha.eval()
        let (y1, w1) = mha(query: x, key: x, value: x)
        let (y2, _) = mha(query: x, key: x, value: x)
        XCTAssertEqual(y1.scalars, y2.scalars)
        XCTAssertEqual(w1!.sum(axis: -1).scalars.map { ($0 * 1e4).rounded() / 1e4 }, [Float](repeating: 1, count: 12))
    }

    func assertThrows(_ message: String, _ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) {
        do {
            try body()
            XCTFail("expected an error containing \"\(message)\"", file: file, line: line)
        } catch {
            XCTAssertTrue(error is TensorError, "throws a TensorError", file: file, line: line)
            XCTAssertTrue("\(error)".contains(message), "\"\(error)\" should contain \"\(message)\"", file: file, line: line)
        }
    }

    func testShapeErrorsHaveClearMessages() {
        assertThrows("embedDim 10 must be divisible by numHeads 3") {
            try MultiHeadAttention.validateConfiguration(embedDim: 10, numHeads: 3)
        }
        assertThrows("dropout must be in [0, 1)") { try MultiHeadAttention.validateConfiguration(embedDim: 8, numHeads: 2, dropout: 1) }
        let mha = MultiHeadAttention(embedDim: 8, numHeads: 2)
        let q = Tensor.zeros([2, 3, 8]), kv = Tensor.zeros([2, 4, 8])
        XCTAssertNoThrow(try mha.validate(query: q, key: kv, value: kv, keyPaddingMask: Tensor.zeros([2, 4]),
                                          attentionMask: Tensor.zeros([3, 4]), additiveMask: Tensor.zeros([4, 3, 4])))
        assertThrows("key of shape [2, 4, 6] must have embedDim 8 as its last dimension") {
            try mha.validate(query: q, key: Tensor.zeros([2, 4, 6]), value: kv)
        }
        assertThrows("query of shape [8] must be [batch, seq, 8] or unbatched [seq, 8]") {
            try mha.validate(query: Tensor.zeros([8]), key: kv, value: kv)
        }
        assertThrows("value of shape [4, 8] must have the same rank as the query [2, 3, 8]") {
            try mha.validate(query: q, key: kv, value: Tensor.zeros([4, 8]))
        }
        assertThrows("key [2, 4, 8] and value [2, 5, 8] must have the same sequence length") {
            try mha.validate(query: q, key: kv, value: Tensor.zeros([2, 5, 8]))
        }
        assertThrows("key of shape [3, 4, 8] has batch size 3, but the query [2, 3, 8] has 2") {
            try mha.validate(query: q, key: Tensor.zeros([3, 4, 8]), value: Tensor.zeros([3, 4, 8]))
        }
        assertThrows("key padding mask of shape [2, 3] must be [2, 4] ([batch, source length])") {
            try mha.validate(query: q, key: kv, value: kv, keyPaddingMask: Tensor.zeros([2, 3]))
        }
        assertThrows("attention mask of shape [4, 3] must be [3, 4] (target × source length) or [4, 3, 4]") {
            try mha.validate(query: q, key: kv, value: kv, attentionMask: Tensor.zeros([4, 3]))
        }
        assertThrows("additive mask of shape [2, 3, 4] must be [3, 4]") {
            try mha.validate(query: q, key: kv, value: kv, additiveMask: Tensor.zeros([2, 3, 4]))
        }
        let seqFirst = MultiHeadAttention(embedDim: 8, numHeads: 2, batchFirst: false)
        assertThrows("key padding mask of shape [3, 4] must be [2, 4]") {
            try seqFirst.validate(query: Tensor.zeros([3, 2, 8]), key: Tensor.zeros([4, 2, 8]), value: Tensor.zeros([4, 2, 8]),
                                  keyPaddingMask: Tensor.zeros([3, 4]))
        }
    }
}
