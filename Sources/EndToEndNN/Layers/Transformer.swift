import EndToEnd

/// The feed-forward activation of a transformer layer.
public enum TransformerActivation: String, Sendable, CaseIterable {
    case relu
    /// Exact (erf) GELU, PyTorch's `activation="gelu"`.
    case gelu

    func apply(_ x: Tensor) -> Tensor {
        switch self {
        case .relu: x.relu()
        case .gelu: x.gelu()
        }
    }
}

/// One transformer encoder block, like `torch.nn.TransformerEncoderLayer`: self-attention
/// and a two-layer feed-forward network, each with a residual connection and layer norm.
///
/// Post-norm (default, the original Transformer): `x = norm1(x + sa(x))`,
/// `x = norm2(x + ff(x))`. Pre-norm (`normFirst: true`): `x = x + sa(norm1(x))`,
/// `x = x + ff(norm2(x))`. `ff(x) = dropout2(linear2(dropout(act(linear1(x)))))` and
/// `sa(x) = dropout1(self_attn(x, x, x))`.
///
/// Parameter names follow PyTorch's state dict: `self_attn.in_proj_weight`,
/// `self_attn.in_proj_bias`, `self_attn.out_proj.{weight,bias}`, `linear1.*`, `linear2.*`,
/// `norm1.*`, `norm2.*`.
public final class TransformerEncoderLayer: Module, @unchecked Sendable {
    public let dModel: Int
    public let normFirst: Bool
    public let activation: TransformerActivation
    /// Self-attention (PyTorch's `self_attn`).
    public let selfAttention: MultiHeadAttention
    public let linear1: Linear
    public let dropout: Dropout
    public let linear2: Linear
    public let norm1: LayerNorm
    public let norm2: LayerNorm
    public let dropout1: Dropout
    public let dropout2: Dropout

    public init(dModel: Int, numHeads: Int, feedForward: Int = 2048, dropout: Float = 0.1,
                activation: TransformerActivation = .relu, layerNormEps: Float = 1e-5,
                normFirst: Bool = false, batchFirst: Bool = true) {
        precondition(feedForward > 0, "TransformerEncoderLayer: feedForward must be positive, got \(feedForward)")
        self.dModel = dModel
        self.normFirst = normFirst
        self.activation = activation
        selfAttention = MultiHeadAttention(embedDim: dModel, numHeads: numHeads, dropout: dropout, batchFirst: batchFirst)
        linear1 = Linear(dModel, feedForward)
        self.dropout = Dropout(dropout)
        linear2 = Linear(feedForward, dModel)
        norm1 = LayerNorm(dModel, epsilon: layerNormEps)
        norm2 = LayerNorm(dModel, epsilon: layerNormEps)
        dropout1 = Dropout(dropout)
        dropout2 = Dropout(dropout)
        super.init()
    }

    /// PyTorch's sub-module names and order.
    public override func namedChildren() -> [(String, Module)] {
        [("self_attn", selfAttention), ("linear1", linear1), ("dropout", dropout), ("linear2", linear2),
         ("norm1", norm1), ("norm2", norm2), ("dropout1", dropout1), ("dropout2", dropout2)]
    }

    public override var summary: String {
        "TransformerEncoderLayer(dModel: \(dModel), numHeads: \(selfAttention.numHeads), feedForward: \(linear1.outFeatures), \(activation)\(normFirst ? ", normFirst" : ""))"
    }

    /// The layer without masks.
    public override func forward(_ x: Tensor) -> Tensor { callAsFunction(x, mask: nil) }

    /// Applies the layer to `x` (`[B, L, dModel]` when batch-first, `[L, B, dModel]`
    /// otherwise, or unbatched `[L, dModel]`).
    ///
    /// - Parameters:
    ///   - mask: `[L, L]` or `[B·H, L, L]` boolean-style attention mask, non-zero = may not attend
    ///     (PyTorch's boolean `src_mask`).
    ///   - keyPaddingMask: `[B, L]`, non-zero = padding (PyTorch's `src_key_padding_mask`).
    ///   - additiveMask: float mask added to the attention scores (PyTorch's float `src_mask`).
    ///   - causal: forbid attending to later positions.
    public func callAsFunction(_ x: Tensor, mask: Tensor? = nil, keyPaddingMask: Tensor? = nil,
                               additiveMask: Tensor? = nil, causal: Bool = false) -> Tensor {
        func sa(_ y: Tensor) -> Tensor {
            dropout1(selfAttention(query: y, key: y, value: y, keyPaddingMask: keyPaddingMask, attentionMask: mask,
                                   additiveMask: additiveMask, causal: causal, needWeights: false).output)
        }
        func ff(_ y: Tensor) -> Tensor { dropout2(linear2(dropout(activation.apply(linear1(y))))) }
        var y = x
        if normFirst {
            y = y + sa(norm1(y))
            y = y + ff(norm2(y))
        } else {
            y = norm1(y + sa(y))
            y = norm2(y + ff(y))
        }
        return y
    }
}
