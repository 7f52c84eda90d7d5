import EndToEnd

/// Losses between a prediction and a target of the same shape.
public enum Loss {
    /// Mean squared error, `(p − t)²`.
    public static func mse(_ prediction: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
        checkSameShape("mse", prediction, target)
        return reduction.apply((prediction - target).square())
    }

    /// Mean absolute error, `|p − t|`.
    public static func l1(_ prediction: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
        checkSameShape("l1", prediction, target)
        return reduction.apply((prediction - target).abs())
    }

    /// Huber loss: `½d²` for `|d| ≤ δ`, else `δ(|d| − ½δ)` (PyTorch's `HuberLoss`).
    public static func huber(_ prediction: Tensor, _ target: Tensor, delta: Float = 1, reduction: Reduction = .mean) -> Tensor {
        checkSameShape("huber", prediction, target)
        precondition(delta > 0, "huber: delta must be positive, got \(delta)")
        let d = (prediction - target).abs()
        let quadratic = d.clamped(max: delta)
        // ½q² + δ(|d| − q): equals ½d² inside the band and δ(|d| − ½δ) outside.
        return reduction.apply(quadratic.square() * 0.5 + (d - quadratic) * delta)
    }

    /// Binary hinge loss `max(0, margin − y·s)` for labels `y ∈ {−1, +1}` and scores `s`.
    public static func hinge(_ scores: Tensor, _ labels: Tensor, margin: Float = 1, reduction: Reduction = .mean) -> Tensor {
        checkSameShape("hinge", scores, labels)
        return reduction.apply((margin - labels * scores).relu())
    }

    /// Kullback-Leibler divergence `Σ t·(log t − input)` with `input` given as log-probabilities
    /// (PyTorch's `kl_div`; terms with `t = 0` contribute 0). With `logTarget` the target is
    /// also given as log-probabilities. `batchMean` divides the sum by the batch size, which
    /// is the mathematically correct KL per sample.
    public static func klDivergence(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean,
                                    logTarget: Bool = false, batchMean: Bool = false) -> Tensor {
        checkSameShape("klDivergence", input, target)
        let pointwise: Tensor
        if logTarget {
            pointwise = target.exp() * (target - input)
        } else {
            let safeLog = Tensor.where(target.gt(0), target, Tensor(1)).log()
            pointwise = target * (safeLog - input)
        }
        if batchMean { return pointwise.sum() / Float(max(input.shape.first ?? 1, 1)) }
        return reduction.apply(pointwise)
    }

    /// Binary cross-entropy from logits, computed stably:
    /// `(1 − t)·x + w·softplus(−x)` with `w = 1 + (posWeight − 1)·t`.
    public static func binaryCrossEntropyWithLogits(_ logits: Tensor, _ targets: Tensor, positiveWeight: Tensor? = nil,
                                                    reduction: Reduction = .mean) -> Tensor {
        checkSameShape("binaryCrossEntropyWithLogits", logits, targets)
        let softplusNeg = (-logits).softplus()
        let weighted = positiveWeight.map { softplusNeg * ((($0 - 1) * targets) + 1) } ?? softplusNeg
        return reduction.apply((1 - targets) * logits + weighted)
    }
}
