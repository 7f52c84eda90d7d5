/// The transformer block's fused ops: self-attention and layer normalization.
extension GradCheckCatalog {
    /// `packedSelfAttention`: causal and not, one head and two, and a causal length past one
    /// 32-row block, where later blocks add into the key and value gradients.
    static func attentionCases(_ rng: inout RandomGenerator) -> [GradCheckCase] {
        [
            GradCheckCase("packedSelfAttention", "[2, 4, 12], 2 heads, causal", inputs: [normal([2, 4, 12], &rng)]) { x in
                x[0].packedSelfAttention(heads: 2, causal: true)
            },
            GradCheckCase("packedSelfAttention", "[1, 5, 6], 1 head", inputs: [normal([1, 5, 6], &rng)]) { x in
                x[0].packedSelfAttention(heads: 1, causal: false)
            },
            GradCheckCase("packedSelfAttention", "[1, 34, 6], 2 heads, causal over two blocks", inputs: [normal([1, 34, 6], &rng)]) { x in
                x[0].packedSelfAttention(heads: 2, causal: true)
            },
        ]
    }

    /// `layerNorm`: one trailing dimension and two, gradients for the input, weight and bias.
    static func layerNormCases(_ rng: inout RandomGenerator) -> [GradCheckCase] {
        [
            GradCheckCase("layerNorm", "[3, 5], weight [5]", inputs: [normal([3, 5], &rng), normal([5], &rng), normal([5], &rng)]) { x in
                x[0].layerNorm(weight: x[1], bias: x[2], epsilon: 1e-5)
            },
            GradCheckCase("layerNorm", "[2, 2, 3], weight [2, 3]", inputs: [normal([2, 2, 3], &rng), normal([2, 3], &rng), normal([2, 3], &rng)]) { x in
                x[0].layerNorm(weight: x[1], bias: x[2], epsilon: 1e-3)
            },
        ]
    }
}
