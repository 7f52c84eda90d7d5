import EndToEnd
import EndToEndNN

extension ONNXTranslator {
    /// Unmasked multi-head self-attention composed from `MatMul`, `Reshape`, `Transpose` and
    /// `Softmax` (opset 17 has no attention operator), in the order
    /// ``MultiHeadAttention``'s forward computes it: the query is scaled by `1/√d` after its
    /// projection, the scores are `q·kᵀ`.
    func selfAttention(_ m: MultiHeadAttention, path: String, _ x: ONNXValue) throws(ONNXExportError) -> ONNXValue {
        guard x.rank == 3, x.shape[2] == m.embedDim else {
            let layout = m.batchFirst ? "[batch, seq, \(m.embedDim)]" : "[seq, batch, \(m.embedDim)]"
            throw failure(path, m, "expects \(layout) input, got \(text(x.shape))")
        }
        let name = label(path)
        let (e, h, d) = (m.embedDim, m.numHeads, m.headDim)
        // Work batch-first: [B, L, E].
        let swap: [Int] = [1, 0, 2]
        let input = m.batchFirst ? x : graph.apply("Transpose", [x.name], name: name, shape: [x.shape[1], x.shape[0], e], [.ints("perm", swap)])
        let (b, l) = (input.shape[0], input.shape[1])
        let weights = m.inProjWeight.value, bias = m.inProjBias?.value
        let splitShape = graph.int64Initializer(qualified(path, "heads_shape"), [0, 0, h, d])

        /// Projection `part` (0 query, 1 key, 2 value) as `[B, L, H, d]`, transposed by `perm`.
        func project(_ part: Int, _ suffix: String, perm: [Int], shape: [Int?]) -> ONNXValue {
            let rows = part * e..<(part + 1) * e
            let wT = graph.initializer(qualified(path, "\(suffix)_proj_weight_t"), weights.sliced(axis: 0, rows).transposed().contiguous())
            var y = graph.apply("MatMul", [input.name, wT], name: name, shape: [b, l, e])
            if let bias {
                let bp = graph.initializer(qualified(path, "\(suffix)_proj_bias"), bias.sliced(axis: 0, rows).contiguous())
                y = graph.apply("Add", [y.name, bp], name: name, shape: [b, l, e])
            }
            let heads = graph.apply("Reshape", [y.name, splitShape], name: name, shape: [b, l, h, d])
            return graph.apply("Transpose", [heads.name], name: name, shape: shape, [.ints("perm", perm)])
        }
        var q = project(0, "q", perm: [0, 2, 1, 3], shape: [b, h, l, d])
        q = graph.apply("Mul", [q.name, graph.scalar(1 / Float(d).squareRoot())], name: name, shape: q.shape)
        let kT = project(1, "k", perm: [0, 2, 3, 1], shape: [b, h, d, l])
        let v = project(2, "v", perm: [0, 2, 1, 3], shape: [b, h, l, d])

        let scores = graph.apply("MatMul", [q.name, kT.name], name: name, shape: [b, h, l, l])
        let attention = graph.apply("Softmax", [scores.name], name: name, shape: scores.shape, [.int("axis", -1)])
        let context = graph.apply("MatMul", [attention.name, v.name], name: name, shape: [b, h, l, d])
        let merged = graph.apply("Transpose", [context.name], name: name, shape: [b, l, h, d], [.ints("perm", [0, 2, 1, 3])])
        let joined = graph.apply("Reshape", [merged.name, graph.int64Initializer(qualified(path, "merged_shape"), [0, 0, e])],
                                 name: name, shape: [b, l, e])
        let out = try linear(m.outProj, path: qualified(path, "out_proj"), joined)
        return m.batchFirst ? out : graph.apply("Transpose", [out.name], name: name, shape: x.shape, [.ints("perm", swap)])
    }

    /// ``TransformerEncoderLayer`` without masks: self-attention and the feed-forward
    /// network, each with its residual connection and layer norm (post- or pre-norm);
    /// dropouts are identities.
    func transformerEncoderLayer(_ m: TransformerEncoderLayer, path: String, _ x: ONNXValue) throws(ONNXExportError) -> ONNXValue {
        guard x.rank == 3, x.shape[2] == m.dModel else {
            throw failure(path, m, "expects [batch, seq, \(m.dModel)] input, got \(text(x.shape))")
        }
        let name = label(path)
        func sa(_ y: ONNXValue) throws(ONNXExportError) -> ONNXValue { try selfAttention(m.selfAttention, path: qualified(path, "self_attn"), y) }
        func ff(_ y: ONNXValue) throws(ONNXExportError) -> ONNXValue {
            let hidden = try linear(m.linear1, path: qualified(path, "linear1"), y)
            let act = m.activation == .relu ? graph.apply("Relu", [hidden.name], name: name, shape: hidden.shape)
                                            : gelu(hidden, approximate: false, name: name)
            return try linear(m.linear2, path: qualified(path, "linear2"), act)
        }
        func add(_ a: ONNXValue, _ b: ONNXValue) -> ONNXValue { graph.apply("Add", [a.name, b.name], name: name, shape: a.shape) }
        func norm(_ n: LayerNorm, _ child: String, _ y: ONNXValue) throws(ONNXExportError) -> ONNXValue {
            try layerNorm(n, path: qualified(path, child), y)
        }
        var y = x
        if m.normFirst {
            y = add(y, try sa(try norm(m.norm1, "norm1", y)))
            y = add(y, try ff(try norm(m.norm2, "norm2", y)))
        } else {
            y = try norm(m.norm1, "norm1", add(y, try sa(y)))
            y = try norm(m.norm2, "norm2", add(y, try ff(y)))
        }
        return y
    }
}
