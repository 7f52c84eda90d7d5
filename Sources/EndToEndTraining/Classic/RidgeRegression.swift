import EndToEnd

/// Linear least squares with an L2 penalty, solved in closed form: scikit-learn's
/// `Ridge(alpha, fit_intercept=True)`, the regression stage a pipeline fits on its
/// engineered features without any gradient steps.
///
/// Minimizes `‖y − X w − b‖² + alpha ‖w‖²` (the intercept is not penalized): the features
/// and target are centred, `(Xᶜᵀ Xᶜ + alpha I) w = Xᶜᵀ yᶜ` is solved by a Cholesky
/// factorization, and `b = ȳ − x̄ · w`. Arithmetic is in `Double`. Features are used as
/// given (standardize them first if their scales differ, as scikit-learn leaves that to a
/// `StandardScaler`).
///
/// ```swift
/// var ridge = try RidgeRegression(alpha: 1)
/// try ridge.fit(features, targets)          // features: [[Double]] rows, targets: [Double]
/// let rul = try ridge.predict(testFeatures)
/// ```
public struct RidgeRegression: Sendable {
    /// The L2 penalty on the weights (not on the intercept).
    public let alpha: Double
    /// The fitted weights, one per feature.
    public private(set) var coefficients: [Double] = []
    /// The fitted intercept, `ȳ − x̄ · w`.
    public private(set) var intercept: Double = 0

    /// - Throws: ``TrainerError`` when `alpha` is negative or not finite.
    public init(alpha: Double = 1) throws(TrainerError) {
        guard alpha >= 0, alpha.isFinite else { throw TrainerError("RidgeRegression: alpha must be a non-negative number, got \(alpha)") }
        self.alpha = alpha
    }

    /// Numbers learned: the weights and the intercept.
    public var parameterCount: Int { coefficients.count + 1 }

    /// Fits on rows `x` and targets `y`.
    ///
    /// - Throws: ``TrainerError`` for ragged or non-finite rows, a count mismatch, or a
    ///   singular system (only possible with `alpha = 0`).
    public mutating func fit(_ x: [[Double]], _ y: [Double]) throws(TrainerError) {
        guard !x.isEmpty, x.count == y.count else { throw TrainerError("RidgeRegression.fit: \(x.count) rows for \(y.count) targets") }
        let d = x[0].count
        guard d > 0 else { throw TrainerError("RidgeRegression.fit: the rows must hold at least one feature") }
        for (i, row) in x.enumerated() {
            guard row.count == d else { throw TrainerError("RidgeRegression.fit: row \(i) has \(row.count) features, expected \(d)") }
            guard row.allSatisfy(\.isFinite), y[i].isFinite else { throw TrainerError("RidgeRegression.fit: row \(i) holds a non-finite value") }
        }
        let n = Double(x.count)
        var mean = [Double](repeating: 0, count: d)
        for row in x { for j in 0..<d { mean[j] += row[j] } }
        mean = mean.map { $0 / n }
        let yMean = y.reduce(0, +) / n
        // Normal equations of the centred problem, lower triangle.
        var a = [Double](repeating: 0, count: d * d), b = [Double](repeating: 0, count: d)
        var centred = [Double](repeating: 0, count: d)
        for (i, row) in x.enumerated() {
            for j in 0..<d { centred[j] = row[j] - mean[j] }
            let t = y[i] - yMean
            for j in 0..<d {
                b[j] += centred[j] * t
                for k in 0...j { a[j * d + k] += centred[j] * centred[k] }
            }
        }
        for j in 0..<d { a[j * d + j] += alpha }
        guard let w = Self.choleskySolve(&a, b, d) else {
            throw TrainerError("RidgeRegression.fit: the normal equations are singular (collinear features with alpha = \(alpha)); use alpha > 0")
        }
        coefficients = w
        intercept = yMean - zip(mean, w).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// `x · w + b` for each row.
    ///
    /// - Throws: ``TrainerError`` before fitting or when a row's length differs from the weights'.
    public func predict(_ x: [[Double]]) throws(TrainerError) -> [Double] {
        guard !coefficients.isEmpty else { throw TrainerError("RidgeRegression.predict: the model is not fitted") }
        var out: [Double] = []
        out.reserveCapacity(x.count)
        for (i, row) in x.enumerated() {
            guard row.count == coefficients.count else {
                throw TrainerError("RidgeRegression.predict: row \(i) has \(row.count) features, expected \(coefficients.count)")
            }
            out.append(intercept + zip(row, coefficients).reduce(0) { $0 + $1.0 * $1.1 })
        }
        return out
    }

    /// Solves `A w = b` for symmetric positive definite `A` (lower triangle of the row-major
    /// `d × d` array, overwritten by its Cholesky factor); nil when `A` is not positive definite.
    static func choleskySolve(_ a: inout [Double], _ b: [Double], _ d: Int) -> [Double]? {
        var scale = 0.0
        for j in 0..<d { scale = Swift.max(scale, Swift.abs(a[j * d + j])) }
        for j in 0..<d {
            var s = a[j * d + j]
            for k in 0..<j { s -= a[j * d + k] * a[j * d + k] }
            guard s > 1e-12 * Swift.max(scale, 1e-300) else { return nil }
            let l = s.squareRoot()
            a[j * d + j] = l
            for i in (j + 1)..<Swift.max(j + 1, d) {
                var t = a[i * d + j]
                for k in 0..<j { t -= a[i * d + k] * a[j * d + k] }
                a[i * d + j] = t / l
            }
        }
        var z = b
        for i in 0..<d {
            for k in 0..<i { z[i] -= a[i * d + k] * z[k] }
            z[i] /= a[i * d + i]
        }
        for i in stride(from: d - 1, through: 0, by: -1) {
            for k in (i + 1)..<Swift.max(i + 1, d) { z[i] -= a[k * d + i] * z[k] }
            z[i] /= a[i * d + i]
        }
        return z
    }
}
