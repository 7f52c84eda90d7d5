import EndToEnd

/// How a loss combines per-element values, as PyTorch's `reduction=` argument.
public enum Reduction: String, Sendable, CaseIterable {
    /// The mean over elements (or the weighted mean, for weighted classification losses).
    case mean
    /// The sum over elements.
    case sum
    /// No reduction: one value per element (per sample for classification losses).
    case none

    func apply(_ values: Tensor) -> Tensor {
        switch self {
        case .mean: values.mean()
        case .sum: values.sum()
        case .none: values
        }
    }
}

func checkSameShape(_ loss: String, _ prediction: Tensor, _ target: Tensor) {
    guard prediction.shape == target.shape else {
        fatalError("\(loss): prediction of shape \(shapeText(prediction.shape)) and target of shape \(shapeText(target.shape)) must match")
    }
}
