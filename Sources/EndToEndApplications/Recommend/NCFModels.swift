import EndToEnd
import EndToEndNN

/// The three networks of neural collaborative filtering (He et al. 2017), each mapping a
/// batch of `(user, item)` id pairs `[N, 2]` (whole numbers in a float tensor) to one
/// logit per pair `[N]`: GMF (generalized matrix factorization: the element-wise product
/// of a user and an item embedding, then a linear output), MLP (the two embeddings
/// concatenated, then a ReLU tower) and NeuMF (both, their last hidden layers
/// concatenated into one linear output).
public final class NCFNetwork: Module, @unchecked Sendable {
    /// Which of the paper's models this is.
    public enum Kind: String, Sendable { case gmf = "GMF", mlp = "MLP", neumf = "NeuMF" }

    public let kind: Kind
    public let gmfUser: Embedding?, gmfItem: Embedding?
    public let mlpUser: Embedding?, mlpItem: Embedding?
    /// The MLP tower's layers (ReLU after each).
    public let tower: [Linear]
    /// The prediction layer on the concatenated last hidden layers.
    public let output: Linear

    /// - Parameters:
    ///   - factors: GMF's embedding size (the paper's "predictive factors").
    ///   - towerSizes: the MLP's layer widths; its embeddings are half the first width each
    ///     (the paper's 3-layer tower for 8 factors is `[64, 32, 16, 8]`).
    ///   - seed: embeddings from N(0, 0.01²) as in the paper; linear layers PyTorch's default.
    public init(kind: Kind, users: Int, items: Int, factors: Int, towerSizes: [Int], seed: UInt64) {
        precondition(users > 0 && items > 0 && factors > 0 && towerSizes.count >= 2 && towerSizes[0] % 2 == 0,
                     "NCFNetwork: sizes must be positive and the first tower width even, got \(users), \(items), \(factors), \(towerSizes)")
        self.kind = kind
        var rng = RandomGenerator(seed: seed)
        func table(_ n: Int, _ d: Int) -> Embedding { Embedding(weight: Tensor.normal([n, d], std: 0.01, using: &rng)) }
        let useGMF = kind != .mlp, useMLP = kind != .gmf
        gmfUser = useGMF ? table(users, factors) : nil
        gmfItem = useGMF ? table(items, factors) : nil
        mlpUser = useMLP ? table(users, towerSizes[0] / 2) : nil
        mlpItem = useMLP ? table(items, towerSizes[0] / 2) : nil
        Random.seed(SeedDerivation.mix(seed))
        tower = useMLP ? (1..<towerSizes.count).map { Linear(towerSizes[$0 - 1], towerSizes[$0]) } : []
        output = Linear((useGMF ? factors : 0) + (useMLP ? towerSizes.last! : 0), 1)
        super.init()
    }

    /// NeuMF initialized from pretrained GMF and MLP (the paper's recipe): the embeddings and
    /// tower copied, the output layer the two output layers weighted `alpha` and `1 − alpha`.
    public init(pretrainedGMF gmf: NCFNetwork, mlp: NCFNetwork, alpha: Float = 0.5) {
        precondition(gmf.kind == .gmf && mlp.kind == .mlp, "NCFNetwork: NeuMF is built from a GMF and an MLP")
        kind = .neumf
        func copy(_ e: Embedding?) -> Embedding? { e.map { Embedding(weight: $0.weight.value.contiguousCopy()) } }
        gmfUser = copy(gmf.gmfUser); gmfItem = copy(gmf.gmfItem)
        mlpUser = copy(mlp.mlpUser); mlpItem = copy(mlp.mlpItem)
        tower = mlp.tower.map { Linear(weight: $0.weight.value.contiguousCopy(), bias: $0.bias?.value.contiguousCopy()) }
        let (w, b) = withNoGrad {
            (Tensor.concat([gmf.output.weight.value * alpha, mlp.output.weight.value * (1 - alpha)], axis: 1).contiguousCopy(),
             ((gmf.output.bias?.value ?? Tensor.zeros([1])) * alpha + (mlp.output.bias?.value ?? Tensor.zeros([1])) * (1 - alpha)).contiguousCopy())
        }
        output = Linear(weight: w, bias: b)
        super.init()
    }

    public override func forward(_ x: Tensor) -> Tensor {
        let n = x.shape[0]
        let users = x.sliced(axis: 1, 0..<1).reshaped([n]).asInt
        let items = x.sliced(axis: 1, 1..<2).reshaped([n]).asInt
        var parts: [Tensor] = []
        if let gu = gmfUser, let gi = gmfItem { parts.append(gu(users) * gi(items)) }
        if let mu = mlpUser, let mi = mlpItem {
            var h = Tensor.concat([mu(users), mi(items)], axis: 1)
            for layer in tower { h = layer(h).relu() }
            parts.append(h)
        }
        return output(parts.count == 1 ? parts[0] : Tensor.concat(parts, axis: 1)).reshaped([n])
    }

    /// An item's embedding as the ranking reads it: GMF's vector, or the MLP's for an MLP.
    public func itemVector(_ item: Int) -> [Float] {
        let table = (gmfItem ?? mlpItem)!.weight.value
        let d = table.shape[1]
        return Array(table.contiguous().scalars[(item * d)..<((item + 1) * d)])
    }

    public override var summary: String { kind.rawValue }
}
