import EndToEnd

extension Loss {
    /// Cross-entropy from logits `[N, C]` and class indices `[N]`, like
    /// `torch.nn.functional.cross_entropy`: optional class weights `[C]` (the mean is then
    /// weighted by the targets' weights) and label smoothing ε (the target mixes the one-hot
    /// label with the uniform distribution).
    public static func crossEntropy(_ logits: Tensor, _ targets: IntTensor, weight: Tensor? = nil,
                                    labelSmoothing: Float = 0, reduction: Reduction = .mean) -> Tensor {
        guard logits.rank == 2, targets.shape == [logits.shape[0]] else {
            fatalError("crossEntropy: logits must be [N, C] and targets [N], got \(shapeText(logits.shape)) and \(shapeText(targets.shape))")
        }
        precondition((0...1).contains(labelSmoothing), "crossEntropy: labelSmoothing must be in [0, 1], got \(labelSmoothing)")
        if weight == nil && labelSmoothing == 0 && reduction != .none {
            // The common case as one fused op: one graph node, gradient softmax − onehot.
            if let error = Tensor.softmaxCrossEntropyError(logits.shape, targets: targets) { fatalError("crossEntropy: \(error.message)") }
            return logits.softmaxCrossEntropy(targets, mean: reduction == .mean)
        }
        let logProbs = logits.logSoftmax(axis: 1)
        let nll = nllLoss(logProbs, targets, weight: weight, reduction: reduction)
        guard labelSmoothing > 0 else { return nll }
        let classes = Float(logits.shape[1])
        let smooth = -(weight.map { logProbs * $0 } ?? logProbs).sum(axis: 1)
        let smoothReduced: Tensor
        switch reduction {
        case .mean:
            smoothReduced = weight.map { smooth.sum() / $0.indexSelect(axis: 0, targets).sum() } ?? smooth.mean()
        case .sum: smoothReduced = smooth.sum()
        case .none: smoothReduced = smooth
        }
        return nll * (1 - labelSmoothing) + smoothReduced * (labelSmoothing / classes)
    }

    /// Negative log-likelihood of class indices `[N]` under log-probabilities `[N, C]`, with
    /// optional class weights `[C]` (PyTorch's `nll_loss`).
    public static func nllLoss(_ logProbs: Tensor, _ targets: IntTensor, weight: Tensor? = nil, reduction: Reduction = .mean) -> Tensor {
        guard logProbs.rank == 2, targets.shape == [logProbs.shape[0]] else {
            fatalError("nllLoss: log-probabilities must be [N, C] and targets [N], got \(shapeText(logProbs.shape)) and \(shapeText(targets.shape))")
        }
        let classes = logProbs.shape[1]
        for (i, t) in targets.scalars.enumerated() where t < 0 || Int(t) >= classes {
            fatalError("nllLoss: target \(t) at position \(i) is outside 0..<\(classes)")
        }
        if let weight, weight.shape != [classes] {
            fatalError("nllLoss: weight must be [\(classes)], got \(shapeText(weight.shape))")
        }
        let picked = -logProbs.gather(axis: 1, targets.reshaped([-1, 1])).reshaped([-1])
        guard let weight else { return reduction.apply(picked) }
        let w = weight.indexSelect(axis: 0, targets)
        switch reduction {
        case .mean: return (picked * w).sum() / w.sum()
        case .sum: return (picked * w).sum()
        case .none: return picked * w
        }
    }
}
