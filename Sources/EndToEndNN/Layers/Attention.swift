import EndToEnd

/// Multi-head scaled dot-product attention, like `torch.nn.MultiheadAttention`.
///
/// The query, key and value projections are packed in one `in_proj_weight` of shape
/// `[3·E, E]` (rows `0..<E` project the query, `E..<2E` the key, `2E..<3E` the value) with
/// `in_proj_bias` `[3·E]`, and the output projection is the ``Linear`` sub-module
/// `out_proj`, so PyTorch state dicts load unchanged:
/// `in_proj_weight`, `in_proj_bias`, `out_proj.weight`, `out_proj.bias`.
///
/// Shapes (`B` batch, `L` target length, `S` source length, `E` ``embedDim``, `H` ``numHeads``):
/// - query `[B, L, E]`, key and value `[B, S, E]` when ``batchFirst`` (the default),
///   `[L, B, E]` / `[S, B, E]` otherwise; unbatched `[L, E]` / `[S, E]` inputs work too;
/// - output like the query; weights `[B, L, S]` averaged over heads (PyTorch's default),
///   or `[B, H, L, S]` with `averageWeights: false` (`[L, S]` / `[H, L, S]` unbatched).
///
/// Masks:
/// - `keyPaddingMask` `[B, S]` (`[S]` unbatched): non-zero (1/true) marks a key to ignore;
/// - `attentionMask` `[L, S]` or `[B·H, L, S]` is a **boolean-style** 0/1 mask: non-zero
///   (1/true) means "may not attend" (PyTorch's boolean `attn_mask`);
/// - `additiveMask`, same shapes, is a float mask **added** to the scores (PyTorch's float
///   `attn_mask`; use `-inf` to forbid a position);
/// - `causal: true` forbids key `j > i` for query `i` (top-left aligned `[L, S]` triangle).
///
/// All masks combine: forbidden positions get `-inf` before the softmax. A query row whose
/// keys are *all* forbidden has no defined distribution: as in PyTorch, its weights and
/// output are NaN (and so are the gradients that flow through it). Avoid fully masked
/// rows, or replace them after the call.
///
/// Dropout (``dropout``) applies to the attention weights in training mode, as in PyTorch;
/// the returned weights are the ones after dropout.
///
/// Self-attention (the query, key and value the same tensor) with at most a causal mask, no
/// weights asked for and no dropout in effect runs as one projection product and one fused op,
/// `Tensor.packedSelfAttention(heads:causal:scale:)`: the same function, rounded differently
/// (within 2e-5 of the general path in the tests), without the score tensors.
public final class MultiHeadAttention: Module, @unchecked Sendable {
    public let embedDim: Int
    public let numHeads: Int
    /// `embedDim / numHeads`.
    public let headDim: Int
    /// Dropout probability on the attention weights (training mode only).
    public let dropout: Float
    /// Whether inputs are `[batch, seq, feature]` (true) or `[seq, batch, feature]`.
    public let batchFirst: Bool
    /// Packed query/key/value projection `[3·E, E]` (PyTorch's `in_proj_weight`).
    public let inProjWeight: Parameter
    /// Packed projection bias `[3·E]` (PyTorch's `in_proj_bias`), if `bias`.
    public let inProjBias: Parameter?
    /// Output projection `E → E` (PyTorch's `out_proj`).
    public let outProj: Linear

    /// PyTorch's initialization: Xavier-uniform `in_proj_weight`, zero biases, and the
    /// default ``Linear`` initialization for `out_proj.weight`.
    public init(embedDim: Int, numHeads: Int, bias: Bool = true, dropout: Float = 0, batchFirst: Bool = true) {
        do { try Self.validateConfiguration(embedDim: embedDim, numHeads: numHeads, dropout: dropout) } catch {
            fatalError(error.description)
        }
        self.embedDim = embedDim
        self.numHeads = numHeads
        self.headDim = embedDim / numHeads
        self.dropout = dropout
        self.batchFirst = batchFirst
        inProjWeight = Parameter(Initializer.xavierUniform([3 * embedDim, embedDim]))
        inProjBias = bias ? Parameter(Tensor.zeros([3 * embedDim])) : nil
        outProj = Linear(embedDim, embedDim, bias: bias)
        outProj.bias?.assign(Tensor.zeros([embedDim]))
        super.init()
    }

    /// Checks the constructor's arguments: positive sizes, `embedDim` divisible by
    /// `numHeads`, dropout in `[0, 1)`.
    public static func validateConfiguration(embedDim: Int, numHeads: Int, dropout: Float = 0) throws(TensorError) {
        let op = "MultiHeadAttention"
        guard embedDim > 0, numHeads > 0 else {
            throw TensorError(op, "embedDim and numHeads must be positive, got embedDim \(embedDim), numHeads \(numHeads)")
        }
        guard embedDim % numHeads == 0 else {
            throw TensorError(op, "embedDim \(embedDim) must be divisible by numHeads \(numHeads)")
        }
        guard dropout >= 0 && dropout < 1 else { throw TensorError(op, "dropout must be in [0, 1), got \(dropout)") }
    }

    /// PyTorch's parameter names: `in_proj_weight`, `in_proj_bias`.
    public override func namedOwnParameters() -> [(String, Parameter)] {
        [("in_proj_weight", inProjWeight)] + (inProjBias.map { [("in_proj_bias", $0)] } ?? [])
    }

    /// PyTorch's sub-module name: `out_proj`.
    public override func namedChildren() -> [(String, Module)] { [("out_proj", outProj)] }

    public override var summary: String {
        "MultiHeadAttention(embedDim: \(embedDim), numHeads: \(numHeads)\(inProjBias == nil ? ", no bias" : "")\(dropout > 0 ? ", dropout: \(dropout)" : ""))"
    }

    /// Self-attention without masks: `attention(query: x, key: x, value: x).output`.
    public override func forward(_ x: Tensor) -> Tensor {
        self(query: x, key: x, value: x, needWeights: false).output
    }

    /// Checks the shapes of a call (see the type's documentation) and throws a
    /// ``TensorError`` naming the offending argument and the expected shape.
    public func validate(query: Tensor, key: Tensor, value: Tensor, keyPaddingMask: Tensor? = nil,
                         attentionMask: Tensor? = nil, additiveMask: Tensor? = nil) throws(TensorError) {
        let op = summary
        let layout = batchFirst ? "[batch, seq, \(embedDim)]" : "[seq, batch, \(embedDim)]"
        guard query.rank == 2 || query.rank == 3 else {
            throw TensorError(op, "query of shape \(shapeText(query.shape)) must be \(layout) or unbatched [seq, \(embedDim)]")
        }
        for (name, t) in [("query", query), ("key", key), ("value", value)] {
            guard t.rank == query.rank else {
                throw TensorError(op, "\(name) of shape \(shapeText(t.shape)) must have the same rank as the query \(shapeText(query.shape))")
            }
            guard t.shape.last == embedDim else {
                throw TensorError(op, "\(name) of shape \(shapeText(t.shape)) must have embedDim \(embedDim) as its last dimension")
            }
        }
        let batched = query.rank == 3
        let seqAxis = batched && !batchFirst ? 0 : (batched ? 1 : 0)
        let batchAxis = batchFirst ? 0 : 1
        let b = batched ? query.shape[batchAxis] : 1
        if batched {
            for (name, t) in [("key", key), ("value", value)] where t.shape[batchAxis] != b {
                throw TensorError(op, "\(name) of shape \(shapeText(t.shape)) has batch size \(t.shape[batchAxis]), but the query \(shapeText(query.shape)) has \(b) (inputs are \(layout))")
            }
        }
        let l = query.shape[seqAxis], s = key.shape[seqAxis]
        guard value.shape[seqAxis] == s else {
            throw TensorError(op, "key \(shapeText(key.shape)) and value \(shapeText(value.shape)) must have the same sequence length")
        }
        if let m = keyPaddingMask {
            let expected = batched ? [b, s] : [s]
            guard m.shape == expected else {
                throw TensorError(op, "key padding mask of shape \(shapeText(m.shape)) must be \(shapeText(expected)) (\(batched ? "[batch, source length]" : "[source length]"))")
            }
        }
        for (name, mask) in [("attention mask", attentionMask), ("additive mask", additiveMask)] {
            guard let m = mask else { continue }
            guard m.shape == [l, s] || m.shape == [b * numHeads, l, s] else {
                throw TensorError(op, "\(name) of shape \(shapeText(m.shape)) must be [\(l), \(s)] (target × source length) or [\(b * numHeads), \(l), \(s)] (batch·heads × target × source)")
            }
        }
    }

    /// Attention of `query` over `key`/`value`; see the type's documentation for shapes and
    /// masks. Traps with ``validate(query:key:value:keyPaddingMask:attentionMask:additiveMask:)``'s
    /// message on bad shapes.
    ///
    /// - Parameters:
    ///   - keyPaddingMask: `[B, S]`, non-zero = ignore that key.
    ///   - attentionMask: `[L, S]` or `[B·H, L, S]`, boolean-style: non-zero = may not attend.
    ///   - additiveMask: `[L, S]` or `[B·H, L, S]`, added to the scaled scores.
    ///   - causal: also forbid attending to later positions (`j > i`).
    ///   - needWeights: return the attention weights (otherwise `weights` is `nil`).
    ///   - averageWeights: average the weights over heads (`[B, L, S]`) or not (`[B, H, L, S]`).
    public func callAsFunction(query: Tensor, key: Tensor, value: Tensor, keyPaddingMask: Tensor? = nil,
                               attentionMask: Tensor? = nil, additiveMask: Tensor? = nil, causal: Bool = false,
                               needWeights: Bool = true, averageWeights: Bool = true) -> (output: Tensor, weights: Tensor?) {
        do {
            try validate(query: query, key: key, value: value, keyPaddingMask: keyPaddingMask,
                         attentionMask: attentionMask, additiveMask: additiveMask)
        } catch { fatalError(error.description) }

        // Work batch-first and batched: [B, L, E].
        let batched = query.rank == 3
        func prepare(_ t: Tensor) -> Tensor { batched ? (batchFirst ? t : t.transposed(0, 1)) : t.unsqueezed(axis: 0) }
        func restore(_ t: Tensor) -> Tensor { batched ? (batchFirst ? t : t.transposed(0, 1)) : t.squeezed(axis: 0) }

        // Self-attention with at most a causal mask and no weights wanted: one projection
        // product and the fused attention op (no score tensors, no head copies).
        if keyPaddingMask == nil, attentionMask == nil, additiveMask == nil, !needWeights,
           !(isTraining && dropout > 0), query.isSameTensor(as: key), query.isSameTensor(as: value) {
            let qkv = prepare(query).linear(weight: inProjWeight.value, bias: inProjBias?.value)
            return (restore(outProj(qkv.packedSelfAttention(heads: numHeads, causal: causal))), nil)
        }
        let q0 = prepare(query), k0 = prepare(key), v0 = prepare(value)
        let b = q0.shape[0], l = q0.shape[1], s = k0.shape[1]
        let (e, h, d) = (embedDim, numHeads, headDim)

        // Projections from the packed weight; each [B, n, E] -> [B, H, n, d] view.
        let w = inProjWeight.value, bias = inProjBias?.value
        func project(_ x: Tensor, _ part: Int) -> Tensor {
            var y = x.matmul(w.sliced(axis: 0, part * e..<(part + 1) * e).transposed())
            if let bias { y = y + bias.sliced(axis: 0, part * e..<(part + 1) * e) }
            return y.reshaped([b, x.shape[1], h, d]).permuted(0, 2, 1, 3)
        }
        let q = project(q0, 0) * (1 / Float(d).squareRoot())
        let k = project(k0, 1), v = project(v0, 2)

        // Scaled scores [B, H, L, S], masks, softmax.
        var scores = q.matmul(k.transposed())
        func perHead(_ m: Tensor) -> Tensor { m.rank == 3 ? m.reshaped([b, h, l, s]) : m }
        if let additiveMask { scores = scores + perHead(additiveMask) }
        if let attentionMask { scores = scores.maskedFill(perHead(attentionMask), -.infinity) }
        if let keyPaddingMask { scores = scores.maskedFill(keyPaddingMask.reshaped([b, 1, 1, s]), -.infinity) }
        if causal { scores = scores.maskedFill(Self.causalMask(l, s), -.infinity) }
        var attn = scores.softmax(axis: -1)
        if isTraining && dropout > 0 {
            attn = attn * (Tensor.bernoulli(attn.shape, p: 1 - dropout) / (1 - dropout))
        }

        // [B, H, L, d] -> [B, L, E] -> out_proj.
        let out = restore(outProj(attn.matmul(v).permuted(0, 2, 1, 3).reshaped([b, l, e])))

        guard needWeights else { return (out, nil) }
        var weights = averageWeights ? attn.mean(axis: 1) : attn
        if !batched { weights = weights.squeezed(axis: 0) }
        return (out, weights)
    }

    /// `[L, S]` mask with 1 where key `j` comes after query `i` (`j > i`).
    public static func causalMask(_ l: Int, _ s: Int) -> Tensor {
        Tensor(shape: [l, s]) { p, _ in
            for i in 0..<l { for j in 0..<s { p[i * s + j] = j > i ? 1 : 0 } }
        }
    }
}
