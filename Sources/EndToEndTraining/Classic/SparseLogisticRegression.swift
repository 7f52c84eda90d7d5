import EndToEnd
import EndToEndData
import Foundation

/// Binary logistic regression on sparse features (TF-IDF rows), the classifier at the end of
/// a bag-of-words pipeline: scikit-learn's `LogisticRegression(C=C)` objective,
/// `½‖w‖² + C Σᵢ log(1 + exp(−ỹᵢ (w·xᵢ + b)))` (the bias not penalized), minimized by
/// full-batch L-BFGS with a backtracking line search. The features are used as they are (no
/// standardization, which would destroy the sparsity and inflate rare terms).
///
/// ```swift
/// let lr = SparseLogisticRegression(features: tfidf.vocabulary.count, c: 10)
/// try lr.fit(xTrain, labels: yTrain)   // labels 0 / 1
/// let p1 = lr.probabilities(xTest)      // P(label 1) per row
/// ```
public final class SparseLogisticRegression {
    public let features: Int
    /// The inverse regularization strength (scikit-learn's `C`).
    public let c: Double
    public private(set) var weights: [Double]
    public private(set) var bias = 0.0
    /// L-BFGS iterations the last fit used.
    public private(set) var iterations = 0

    public init(features: Int, c: Double = 1) {
        self.features = features
        self.c = c
        weights = [Double](repeating: 0, count: features)
    }

    /// Weights and the bias.
    public var parameterCount: Int { features + 1 }

    /// Fits on `x` with labels 0 / 1, until the gradient's largest entry is below `tolerance`
    /// or after `maximumIterations`.
    ///
    /// - Throws: ``TrainerError`` on a size mismatch, a label other than 0 or 1, or a bad `c`.
    public func fit(_ x: SparseRows, labels: [Int], maximumIterations: Int = 200, tolerance: Double = 1e-5) throws {
        guard x.columns == features else { throw TrainerError("SparseLogisticRegression.fit: \(x.columns) columns, expected \(features)") }
        guard x.rows == labels.count, x.rows > 0 else { throw TrainerError("SparseLogisticRegression.fit: \(x.rows) rows but \(labels.count) labels") }
        guard c > 0, c.isFinite else { throw TrainerError("SparseLogisticRegression: C must be positive, got \(c)") }
        if let bad = labels.first(where: { $0 != 0 && $0 != 1 }) { throw TrainerError("SparseLogisticRegression.fit: label \(bad) is not 0 or 1") }
        let y = labels.map { $0 == 1 ? 1.0 : -1.0 }
        var theta = weights + [bias]
        let m = 10
        var sHistory: [[Double]] = [], yHistory: [[Double]] = []
        var (f, g) = objective(theta, x, y)
        iterations = 0
        for _ in 0..<maximumIterations {
            if g.map(abs).max() ?? 0 < tolerance { break }
            // Two-loop recursion for the search direction.
            var q = g
            var alphas: [Double] = []
            for (s, yy) in zip(sHistory, yHistory).reversed() {
                let rho = 1 / dot(yy, s)
                let a = rho * dot(s, q)
                alphas.append(a)
                axpy(-a, yy, &q)
            }
            if let s = sHistory.last, let yy = yHistory.last { let gamma = dot(s, yy) / dot(yy, yy); q = q.map { $0 * gamma } }
            for ((s, yy), a) in zip(zip(sHistory, yHistory), alphas.reversed()) {
                let rho = 1 / dot(yy, s)
                let b = rho * dot(yy, q)
                axpy(a - b, s, &q)
            }
            var direction = q.map { -$0 }
            if dot(direction, g) >= 0 { direction = g.map { -$0 }; sHistory = []; yHistory = [] }
            // Backtracking (Armijo) line search.
            var step = sHistory.isEmpty ? min(1, 1 / max(1e-12, g.map(abs).max() ?? 1)) : 1.0
            var next = theta, fNext = f, gNext = g
            var accepted = false
            for _ in 0..<40 {
                next = zip(theta, direction).map { $0 + step * $1 }
                (fNext, gNext) = objective(next, x, y)
                if fNext <= f + 1e-4 * step * dot(direction, g) { accepted = true; break }
                step *= 0.5
            }
            iterations += 1
            guard accepted else { break }
            let s = zip(next, theta).map { $0 - $1 }, yy = zip(gNext, g).map { $0 - $1 }
            if dot(s, yy) > 1e-12 {
                sHistory.append(s); yHistory.append(yy)
                if sHistory.count > m { sHistory.removeFirst(); yHistory.removeFirst() }
            }
            let improvement = f - fNext
            theta = next; f = fNext; g = gNext
            if improvement < 1e-12 * max(1, abs(f)) { break }
        }
        weights = Array(theta.prefix(features))
        bias = theta[features]
    }

    /// The objective and its gradient at `theta` (weights then bias).
    func objective(_ theta: [Double], _ x: SparseRows, _ y: [Double]) -> (Double, [Double]) {
        var g = [Double](repeating: 0, count: features + 1)
        var f = 0.0
        for j in 0..<features { f += 0.5 * theta[j] * theta[j]; g[j] = theta[j] }
        for i in 0..<x.rows {
            let (idx, val) = x.row(i)
            var z = theta[features]
            for (j, v) in zip(idx, val) { z += theta[Int(j)] * Double(v) }
            let margin = y[i] * z
            // log(1 + exp(−m)) and its derivative, stable for both signs.
            f += c * (margin > 0 ? log1p(exp(-margin)) : -margin + log1p(exp(margin)))
            let sigma = margin > 0 ? exp(-margin) / (1 + exp(-margin)) : 1 / (1 + exp(margin))
            let coef = -c * y[i] * sigma
            for (j, v) in zip(idx, val) { g[Int(j)] += coef * Double(v) }
            g[features] += coef
        }
        return (f, g)
    }

    /// The decision value `w·x + b` of every row.
    public func decisionValues(_ x: SparseRows) -> [Double] {
        (0..<x.rows).map { i in
            let (idx, val) = x.row(i)
            var z = bias
            for (j, v) in zip(idx, val) where Int(j) < features { z += weights[Int(j)] * Double(v) }
            return z
        }
    }

    /// `P(label 1)` of every row.
    public func probabilities(_ x: SparseRows) -> [Double] { decisionValues(x).map { 1 / (1 + exp(-$0)) } }

    private func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { s += a[i] * b[i] }
        return s
    }

    private func axpy(_ a: Double, _ x: [Double], _ y: inout [Double]) {
        for i in y.indices { y[i] += a * x[i] }
    }
}
