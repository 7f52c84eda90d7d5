import EndToEnd
import Foundation
import XCTest
@testable import EndToEndNN

/// MultiHeadAttention and TransformerEncoderLayer against PyTorch
/// (fixtures from scripts/make_attention_fixtures.py, Fixtures/attention.safetensors), plus
/// names, masks and shape errors.
final class AttentionTests: XCTestCase {
    /// One case as PyTorch recorded it under `cases/<case>/...`.
    struct Case {
        let params: [String: Tensor]; let inputs: [String: Tensor]; let masks: [String: Tensor]
        let y: Tensor; let w: Tensor; let weights: Tensor?; let ww: Tensor?
        let grads: [String: Tensor]; let input_grads: [String: Tensor]
    }
    static var file: Fixture { Fixtures.attention }

    static func attentionCase(_ name: String) throws -> Case {
        let f = file, p = "cases/\(name)"
        return Case(params: try f.group("\(p)/params"), inputs: try f.group("\(p)/inputs"), masks: try f.group("\(p)/masks"),
                    y: try f.tensor("\(p)/y"), w: try f.tensor("\(p)/w"),
                    weights: try f.optionalTensor("\(p)/weights"), ww: try f.optionalTensor("\(p)/ww"),
                    grads: try f.group("\(p)/grads"), input_grads: try f.group("\(p)/input_grads"))
    }

    /// `cases/<case>/<what>`, which this case must have.
    static func required(_ value: Tensor?, _ name: String, _ what: String) throws -> Tensor {
        guard let value else { throw FixtureError(description: "fixture attention.safetensors has no tensor 'cases/\(name)/\(what)'") }
        return value
    }

    /// Relative error ≤ 1e-4 against PyTorch's float64 values, element by element. Elements
    /// much smaller than the tensor's largest are measured relative to 1% of that largest
    /// magnitude: gradients such as the key-projection bias's are exactly zero in theory and
    /// float32 rounding of cancelling sums leaves ~1e-6 there.
    func assertClose(_ a: Tensor, _ b: Tensor, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.shape, b.shape, what, file: file, line: line)
        let floor = 1e-2 * (b.scalars.map { Swift.abs($0) }.max() ?? 0)
        for (i, (x, y)) in zip(a.scalars, b.scalars).enumerated() where !(Swift.abs(x - y) <= 1e-4 * Swift.max(Swift.abs(y), floor)) {
            XCTFail("\(what)[\(i)]: \(x) vs PyTorch \(y)", file: file, line: line); return
        }
    }

    /// Loads the fixture's parameters by their PyTorch names (all of them, no more).
    func load(_ module: Module, _ c: Case) -> [String: Parameter] {
        let params = Dictionary(uniqueKeysWithValues: module.namedParameters())
        XCTAssertEqual(Set(params.keys), Set(c.params.keys), "parameter names match PyTorch's")
        for (n, v) in c.params { params[n]!.assign(v) }
        return params
    }

    enum MaskUse { case none, boolean, additive, causal }

    func checkMHA(_ name: String, batchFirst: Bool = true, mask: MaskUse = .none, average: Bool = true) throws {
        let c = try Self.attentionCase(name)
        let mha = MultiHeadAttention(embedDim: 8, numHeads: 2, batchFirst: batchFirst)
        let params = load(mha, c)
        var inputs: [String: Tensor] = [:]
        for (n, a) in c.inputs { inputs[n] = a.requiringGrad() }
        func input(_ n: String) throws -> Tensor { try Self.required(inputs[n], name, "inputs/\(n)") }
        let (q, k, v) = try inputs["x"].map { ($0, $0, $0) } ?? (input("query"), input("key"), input("value"))
        let attn = c.masks["attn"]
        let (y, weights) = mha(query: q, key: k, value: v, keyPaddingMask: c.masks["key_padding"],
                               attentionMask: mask == .boolean ? attn : nil, additiveMask: mask == .additive ? attn : nil,
                               causal: mask == .causal, averageWeights: average)
        assertClose(y, c.y, "\(name) output")
        let expectedWeights = try Self.required(c.weights, name, "weights"), ww = try Self.required(c.ww, name, "ww")
        assertClose(weights!, expectedWeights, "\(name) attention weights")
        ((y * c.w).sum() + (weights! * ww).sum()).backward()
        for (n, g) in c.grads { assertClose(params[n]!.grad!, g, "\(name) grad \(n)") }
        for (n, g) in c.input_grads { assertClose(inputs[n]!.grad!, g, "\(name) grad input \(n)") }
    }

    func testSelfAttentionMatchesPyTorch() throws { try checkMHA("mha_self") }

    func testKeyPaddingMaskMatchesPyTorch() throws { try checkMHA("mha_padding") }

    func testCausalMaskMatchesPyTorch() throws {
        try checkMHA("mha_causal", mask: .causal)
        try checkMHA("mha_causal", mask: .boolean)
    }

    func testCrossAttentionMatchesPyTorch() throws { try checkMHA("mha_cross") }

    func testAdditiveMaskSequenceFirstPerHeadWeightsMatchPyTorch() throws {
        try checkMHA("mha_additive_seqfirst", batchFirst: false, mask: .additive, average: false)
    }

    func checkEncoder(_ name: String, normFirst: Bool, activation: TransformerActivation, causal: Bool = false) throws {
        let c = try Self.attentionCase(name)
        let layer = TransformerEncoderLayer(dModel: 8, numHeads: 2, feedForward: 16, dropout: 0.1,
                                            activation: activation, normFirst: normFirst)
        layer.eval()
        XCTAssertFalse(layer.selfAttention.isTraining, "eval reaches self_attn")
        let params = load(layer, c)
        let x = try Self.required(c.inputs["x"], name, "inputs/x").requiringGrad()
        let y = causal
            ? layer(x, keyPaddingMask: c.masks["key_padding"], causal: true)
            : layer(x, mask: c.masks["attn"], keyPaddingMask: c.masks["key_padding"])
        assertClose(y, c.y, "\(name) output")
        (y * c.w).sum().backward()
        for (n, g) in c.grads { assertClose(params[n]!.grad!, g, "\(name) grad \(n)") }
        assertClose(x.grad!, try Self.required(c.input_grads["x"], name, "input_grads/x"), "\(name) grad input")
    }

    func testPostNormEncoderLayerMatchesPyTorch() throws {
        try checkEncoder("encoder_post", normFirst: false, activation: .relu)
        // forward(_:) is the unmasked call.
        let c = try Self.attentionCase("encoder_post")
        let layer = TransformerEncoderLayer(dModel: 8, numHeads: 2, feedForward: 16)
        layer.eval()
        _ = load(layer, c)
        assertClose(layer.forward(try Self.required(c.inputs["x"], "encoder_post", "inputs/x")), c.y, "encoder_post forward(_:)")
    }

    func testPreNormEncoderLayerMatchesPyTorch() throws {
        try checkEncoder("encoder_pre", normFirst: true, activation: .gelu)
        try checkEncoder("encoder_pre", normFirst: true, activation: .gelu, causal: true)
    }

    func testParameterNamesAreTorchStateDictKeys() throws {
        func keys(_ module: String) throws -> [String] { try Self.file.metaJSON([String].self, "state_dict_keys/\(module)") }
        XCTAssertEqual(MultiHeadAttention(embedDim: 8, numHeads: 2).namedParameters().map(\.0), try keys("mha"))
        XCTAssertEqual(MultiHeadAttention(embedDim: 8, numHeads: 2, bias: false).namedParameters().map(\.0), try keys("mha_nobias"))
        let layer = TransformerEncoderLayer(dModel: 8, numHeads: 2, feedForward: 16)
        XCTAssertEqual(layer.namedParameters().map(\.0), try keys("encoder"))
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

    func testFullyMaskedRowIsNaNLikePyTorch() throws {
        XCTAssertEqual(try Self.file.meta("fully_masked_row_is_nan"), "true", "PyTorch reference")
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

    /// Self-attention without weights wanted runs the fused `packedSelfAttention`; it must give
    /// what the general path gives when the key and value are copies of the query (which
    /// takes the general path), in every layout, causal or not, values and gradients.
    func testFusedSelfAttentionEqualsTheGeneralPath() {
        for (batchFirst, shape) in [(true, [3, 37, 12]), (false, [37, 3, 12]), (true, [9, 12])] {
            for causal in [false, true] {
                let mha = MultiHeadAttention(embedDim: 12, numHeads: 3, batchFirst: batchFirst)
                let x = Tensor.randn(shape, seed: 21).requiringGrad(), probe = Tensor.randn(shape, seed: 22)
                let y = mha(query: x, key: x, value: x, causal: causal, needWeights: false).output
                (y * probe).sum().backward()
                let fusedGrads = mha.parameters().map { $0.grad!.scalars }
                mha.zeroGrad()
                let x2 = x.detached().requiringGrad(), kv = x2 * 1
                let ref = mha(query: x2, key: kv, value: kv, causal: causal, needWeights: false).output
                (ref * probe).sum().backward()
                let what = "batchFirst \(batchFirst), \(shape), causal \(causal)"
                XCTAssertEqual(y.shape, ref.shape, what)
                for (a, b) in zip(y.scalars, ref.scalars) { XCTAssertEqual(a, b, accuracy: 2e-5, what) }
                for (a, b) in zip(x.grad!.scalars, x2.grad!.scalars) { XCTAssertEqual(a, b, accuracy: 2e-5, "\(what) input gradient") }
                for (p, (f, g)) in zip(mha.parameters(), zip(fusedGrads, mha.parameters().map { $0.grad!.scalars })) {
                    let scale = g.map { Swift.abs($0) }.max() ?? 1
                    for (a, b) in zip(f, g) { XCTAssertEqual(a, b, accuracy: 2e-5 * Swift.max(1, scale), "\(what) gradient of \(p.shape)") }
                }
            }
        }
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
