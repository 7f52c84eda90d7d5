import EndToEnd

/// A metric fed with predictions and targets of the same shape, one batch at a time.
public protocol RegressionMetric: Metric {
    /// Accumulates one batch; `prediction` and `target` must have equal shapes.
    func update(_ prediction: Tensor, target: Tensor) throws(MetricError)
}

/// Running sum of a per-element error over every element seen.
struct ElementwiseErrorSum {
    var sum = 0.0
    var count = 0

    mutating func add(_ prediction: Tensor, _ target: Tensor, op: String, _ f: (Double) -> Double) throws(MetricError) {
        guard prediction.shape == target.shape else {
            throw MetricError(op, "prediction shape \(prediction.shape) does not match target shape \(target.shape)")
        }
        let p = prediction.scalars, t = target.scalars
        var s = 0.0
        for i in 0..<p.count { s += f(Double(p[i]) - Double(t[i])) }
        sum += s
        count += p.count
    }
}

/// Mean squared error over all elements, as scikit-learn's `mean_squared_error` (with the
/// default `multioutput="uniform_average"`, which for equal-length outputs is the mean
/// over all elements) and torchmetrics' `MeanSquaredError`.
///
/// With `squared: false` it reports the root mean squared error (torchmetrics'
/// `squared=False`, scikit-learn's `root_mean_squared_error`), the square root of the
/// accumulated mean — not the mean of per-batch roots.
///
/// Sums are kept in `Double`. ``compute()`` is NaN before any element is seen.
public final class MeanSquaredError: RegressionMetric {
    public let name: String
    /// `false` reports the square root of the mean.
    public let squared: Bool
    var state = ElementwiseErrorSum()

    public init(squared: Bool = true, name: String? = nil) {
        self.squared = squared
        self.name = name ?? (squared ? "mse" : "rmse")
    }

    /// Number of elements accumulated.
    public var count: Int { state.count }

    /// Accumulates `(prediction - target)^2` over every element; throws on a shape
    /// mismatch (nothing is added).
    public func update(_ prediction: Tensor, target: Tensor) throws(MetricError) {
        try state.add(prediction, target, op: "MeanSquaredError.update") { $0 * $0 }
    }

    public func reset() { state = ElementwiseErrorSum() }

    public func compute() -> Double {
        guard state.count > 0 else { return .nan }
        let mse = state.sum / Double(state.count)
        return squared ? mse : mse.squareRoot()
    }
}

/// Mean absolute error over all elements, as scikit-learn's `mean_absolute_error` and
/// torchmetrics' `MeanAbsoluteError`. ``compute()`` is NaN before any element is seen.
public final class MeanAbsoluteError: RegressionMetric {
    public let name: String
    var state = ElementwiseErrorSum()

    public init(name: String = "mae") { self.name = name }

    /// Number of elements accumulated.
    public var count: Int { state.count }

    /// Accumulates `|prediction - target|` over every element; throws on a shape mismatch
    /// (nothing is added).
    public func update(_ prediction: Tensor, target: Tensor) throws(MetricError) {
        try state.add(prediction, target, op: "MeanAbsoluteError.update") { Swift.abs($0) }
    }

    public func reset() { state = ElementwiseErrorSum() }

    public func compute() -> Double { state.count == 0 ? .nan : state.sum / Double(state.count) }
}
