import Foundation

/// Summary statistics over repeated runs (seeds) or repeated measurements (initializations).
public enum SampleStatistics {
    /// The arithmetic mean; NaN for no values.
    public static func mean(_ xs: [Double]) -> Double {
        xs.isEmpty ? .nan : xs.reduce(0, +) / Double(xs.count)
    }

    /// The sample standard deviation (denominator n − 1, the unbiased variance's root); nil for
    /// fewer than two values, where it is undefined.
    public static func sampleStd(_ xs: [Double]) -> Double? {
        guard xs.count >= 2 else { return nil }
        let m = mean(xs)
        return (xs.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(xs.count - 1)).squareRoot()
    }

    /// The normal-approximation confidence interval of the mean, `mean ± z · s / √n` with the
    /// sample standard deviation `s` (z = 1.96: 95 %); nil for fewer than two values.
    public static func meanInterval(_ xs: [Double], z: Double = 1.96) -> (low: Double, high: Double)? {
        guard let s = sampleStd(xs) else { return nil }
        let m = mean(xs), half = z * s / Double(xs.count).squareRoot()
        return (m - half, m + half)
    }
}
