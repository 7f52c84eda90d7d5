import EndToEndKernels

/// Multi-head scaled dot-product self-attention as one differentiable op.
///
/// Why one op: composed from `permuted`, a scalar `*`, batched `matmul`, `maskedFill` and
/// `softmax`, attention over `[B, H, L, L]` scores made four such tensors each way (scores,
/// masked scores, weights, and in backward their gradients) plus copies of the permuted
/// heads, each a pass through memory the size of the whole score tensor (8 MB per layer on the
/// transformer benchmark). Here each head is done while its `L × L` weights are in cache: the
/// products read the heads in place through their row strides, the scale rides on the
/// product, the causal mask and softmax run on each row as it is made, and under a causal mask
/// the products skip the blocks of keys that no query in a block may see.
extension Tensor {
    /// Self-attention from packed projections: `self` is `[B, L, 3·E]`, each position's query,
    /// key and value projections side by side (the output of one linear map with PyTorch's
    /// `in_proj_weight`); head `h` of each reads columns `h·d ..< (h+1)·d`, `d = E / heads`.
    ///
    /// Returns `[B, L, E]`, the heads side by side:
    /// `softmax(scale · Q_h K_hᵀ + M) V_h`, with `M` `-∞` where key `j > i` for query `i` when
    /// `causal`, else 0. `scale` defaults to `1/√d`.
    ///
    /// Gradients flow to `self` (all three projections). The weights the backward pass needs,
    /// `B·H·L²` floats, are kept only when a gradient will be asked for.
    public func packedSelfAttention(heads: Int, causal: Bool, scale: Float? = nil) -> Tensor {
        if let error = Tensor.packedSelfAttentionShapeError(shape, heads: heads) { fail(error) }
        let (b, l, e3) = (shape[0], shape[1], shape[2])
        let e = e3 / 3, d = e / heads
        let alpha = scale ?? 1 / Float(d).squareRoot()
        let x = contiguousCopyIfNeeded()
        let keep = GradMode.isEnabled && requiresGrad
        let geometry = SelfAttentionKernels(batch: b, length: l, embed: e, heads: heads, causal: causal, scale: alpha)
        let weights: TensorStorage? = keep ? TensorStorage(count: b * heads * l * l) : nil
        var out = Tensor(shape: [b, l, e]) { o, n in
            guard n > 0 else { return }
            geometry.forward(x.elementPointer, out: o, weights: weights?.pointer)
        }
        guard let weights else { return out }
        out.record(op: "packedSelfAttention", inputs: [self]) { g in
            let gc = g.contiguousCopyIfNeeded()
            return [Tensor(shape: [b, l, e3]) { dx, n in
                guard n > 0 else { return }
                geometry.backward(x.elementPointer, weights: weights.pointer,
                                  gradient: gc.elementPointer, into: dx)
            }]
        }
        return out
    }

    /// Why ``packedSelfAttention(heads:causal:scale:)`` would refuse an input of this shape
    /// with this many heads, or `nil`.
    public static func packedSelfAttentionShapeError(_ shape: [Int], heads: Int) -> TensorError? {
        let op = "packedSelfAttention"
        guard heads > 0 else { return TensorError(op, "heads must be positive, got \(heads)") }
        guard shape.count == 3, shape[2] > 0, shape[2] % (3 * heads) == 0 else {
            return TensorError(op, "input of shape \(shapeString(shape)) must be [batch, length, 3·embed] with embed divisible by \(heads) heads")
        }
        return nil
    }
}

/// The per-head loops of ``Tensor/packedSelfAttention(heads:causal:scale:)``: heads are spread
/// over the worker pool, each head's products run on one thread.
struct SelfAttentionKernels: Sendable {
    let batch: Int, length: Int, embed: Int, heads: Int, causal: Bool, scale: Float

    var headDim: Int { embed / heads }
    /// Query rows per block: under a causal mask a block of queries needs only the keys up to
    /// its last row, so blocks of 32 do 5/8 of the full products at L = 128.
    var blockRows: Int { causal ? 32 : length }

    /// The row blocks of one head, `(first row, rows, keys they see)`.
    func blocks() -> [(r0: Int, rows: Int, keys: Int)] {
        stride(from: 0, to: length, by: blockRows).map { r0 in
            let rows = Swift.min(blockRows, length - r0)
            return (r0, rows, causal ? r0 + rows : length)
        }
    }

    /// Keys query `i` may see.
    @inline(__always) func visible(_ i: Int) -> Int { causal ? i + 1 : length }

    /// Writes `[B, L, E]` into `out`, and each head's weights into `weights` (`[B, H, L, L]`,
    /// rows past a block's keys unwritten) when given.
    func forward(_ x: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, weights: UnsafeMutablePointer<Float>?) {
        let (l, e, d, e3) = (length, embed, headDim, 3 * embed)
        let gemm = OneThreadGEMM(), blocks = blocks()
        parallelFor(batch * heads) { range in
            // Without kept weights, one head's worth of scratch per chunk.
            let scratch = weights == nil ? UnsafeMutablePointer<Float>.allocateCacheAligned(l * l) : nil
            defer { scratch?.deallocate() }
            for bh in range {
                let (bi, h) = (bh / heads, bh % heads)
                let q = x + bi * l * e3 + h * d, k = q + e, v = q + 2 * e
                let o = out + bi * l * e + h * d
                let p = weights.map { $0 + bh * l * l } ?? scratch!
                for (r0, rows, keys) in blocks {
                    let pr = p + r0 * l
                    gemm(transA: false, transB: true, m: rows, n: keys, k: d, alpha: scale, a: q + r0 * e3, lda: e3,
                         b: k, ldb: e3, beta: 0, c: pr, ldc: l)
                    for i in r0..<(r0 + rows) {
                        let row = p + i * l, n = visible(i)
                        let (_, sum) = SoftmaxKernels.shiftedExp(row, into: row, count: n)
                        let inv = 1 / sum
                        for j in 0..<n { row[j] *= inv }
                        for j in n..<keys { row[j] = 0 }
                    }
                    gemm(transA: false, transB: false, m: rows, n: d, k: keys, alpha: 1, a: pr, lda: l,
                         b: v, ldb: e3, beta: 0, c: o + r0 * e, ldc: e)
                }
            }
        }
    }

    /// Writes the gradient `[B, L, 3·E]` of the packed input into `dx`, given the output
    /// gradient `[B, L, E]` and the weights the forward pass kept.
    ///
    /// Per block of query rows `r`, with `P` its weights and `dO` its output gradient:
    /// `dV += Pᵀ·dO`, `dP = dO·Vᵀ`, `dS = P ⊙ (dP − rowsum(P ⊙ dP))`, `dQ_r = scale·dS·K`,
    /// `dK += scale·dSᵀ·Q_r`. Blocks run last to first, so the first product into `dK` and `dV`
    /// (the last block, which sees every key) writes them whole.
    func backward(_ x: UnsafePointer<Float>, weights: UnsafePointer<Float>, gradient g: UnsafePointer<Float>,
                  into dx: UnsafeMutablePointer<Float>) {
        let (l, e, d, e3) = (length, embed, headDim, 3 * embed)
        let gemm = OneThreadGEMM(), blocks = Array(blocks().reversed())
        parallelFor(batch * heads) { range in
            let ds = UnsafeMutablePointer<Float>.allocateCacheAligned(blockRows * l)
            defer { ds.deallocate() }
            for bh in range {
                let (bi, h) = (bh / heads, bh % heads)
                let q = x + bi * l * e3 + h * d, k = q + e, v = q + 2 * e
                let dq = dx + bi * l * e3 + h * d, dk = dq + e, dv = dq + 2 * e
                let go = g + bi * l * e + h * d
                let p = weights + bh * l * l
                for (index, (r0, rows, keys)) in blocks.enumerated() {
                    let pr = p + r0 * l, gr = go + r0 * e
                    let beta: Float = index == 0 ? 0 : 1
                    gemm(transA: true, transB: false, m: keys, n: d, k: rows, alpha: 1, a: pr, lda: l,
                         b: gr, ldb: e, beta: beta, c: dv, ldc: e3)
                    gemm(transA: false, transB: true, m: rows, n: keys, k: d, alpha: 1, a: gr, lda: e,
                         b: v, ldb: e3, beta: 0, c: ds, ldc: keys)
                    for i in 0..<rows {
                        let pi = pr + i * l, si = ds + i * keys, n = visible(r0 + i)
                        let dot = RunSums.dot(pi, si, n)
                        for j in 0..<n { si[j] = pi[j] * (si[j] - dot) }
                        for j in n..<keys { si[j] = 0 }
                    }
                    gemm(transA: false, transB: false, m: rows, n: d, k: keys, alpha: scale, a: ds, lda: keys,
                         b: k, ldb: e3, beta: 0, c: dq + r0 * e3, ldc: e3)
                    gemm(transA: true, transB: false, m: keys, n: d, k: rows, alpha: scale, a: ds, lda: keys,
                         b: q + r0 * e3, ldb: e3, beta: beta, c: dk, ldc: e3)
                }
            }
        }
    }
}
