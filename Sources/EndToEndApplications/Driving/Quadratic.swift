import Foundation

/// `y = a + b·x + c·x²`, fitted by least squares.
public struct Quadratic: Sendable, Equatable {
    public var a: Double
    public var b: Double
    public var c: Double
    public init(a: Double, b: Double, c: Double) {
        self.a = a
        self.b = b
        self.c = c
    }

    public func callAsFunction(_ x: Double) -> Double { a + x * (b + x * c) }

    /// The least-squares fit of degree `degree` (0, 1 or 2; higher coefficients zero) to the
    /// points, from the normal equations solved by Gaussian elimination with partial pivoting
    /// (x is centred first, which keeps them well conditioned). Nil when there are fewer points
    /// than coefficients or the points do not determine them (all x equal).
    public static func fit(x: [Double], y: [Double], degree: Int = 2) -> Quadratic? {
        precondition(x.count == y.count && (0...2).contains(degree), "Quadratic.fit: matching x and y, degree 0...2")
        let k = degree + 1, n = x.count
        guard n >= k else { return nil }
        let mx = x.reduce(0, +) / Double(n)
        // Normal equations in t = x - mx: A[i][j] = Σ t^(i+j), r[i] = Σ y t^i.
        var m = [[Double]](repeating: [Double](repeating: 0, count: k + 1), count: k)
        for (xi, yi) in zip(x, y) {
            let t = xi - mx
            let powers = [1.0, t, t * t, t * t * t, t * t * t * t]
            for i in 0..<k {
                for j in 0..<k { m[i][j] += powers[i + j] }
                m[i][k] += yi * powers[i]
            }
        }
        // A pivot that elimination shrank to rounding noise of its original size means the
        // points do not determine that coefficient.
        let diagonal = (0..<k).map { m[$0][$0] }
        for col in 0..<k {
            guard let pivot = (col..<k).max(by: { abs(m[$0][col]) < abs(m[$1][col]) }),
                  abs(m[pivot][col]) > 1e-9 * diagonal[col] else { return nil }
            m.swapAt(col, pivot)
            for row in 0..<k where row != col {
                let f = m[row][col] / m[col][col]
                for j in col...k { m[row][j] -= f * m[col][j] }
            }
        }
        let coef = (0..<k).map { m[$0][k] / m[$0][$0] } + [Double](repeating: 0, count: 3 - k)
        // Back from t = x - mx to x.
        let (p0, p1, p2) = (coef[0], coef[1], coef[2])
        return Quadratic(a: p0 - p1 * mx + p2 * mx * mx, b: p1 - 2 * p2 * mx, c: p2)
    }
}
