import EndToEnd
import EndToEndData
import Foundation

/// The sentiment data: Amazon fine-food reviews (`small_fine_foods` of Debian's
/// `r-cran-modeldata`, 4,000 training and 1,000 test reviews, each of a different product)
/// or the generated fallback, split three ways:
///
/// - the shifted test set: the products whose ASIN sorts last (the newest listings, 20 % of
///   all reviews), so neither system trains on a review of a product listed that late;
/// - train and test: the other reviews, split as the package splits them.
///
/// Every review is of a different product, so the package's own split is already by product;
/// sorting by ASIN makes the shifted set differ in time as well.
struct FineFoodReviews {
    static let classNames = ["great", "other"]
    static let shiftedShare = 0.2

    var train: LabeledTexts
    var test: LabeledTexts
    var shifted: LabeledTexts
    /// `"r-cran-modeldata"` or `"generated"`.
    var source: String
    /// The smallest ASIN of the shifted set.
    var shiftFrom: String

    /// Splits the package's training and test sets (or generated ones) as described above.
    static func split(train: LabeledTexts, test: LabeledTexts, source: String) throws -> FineFoodReviews {
        let all = try train.appending(test)
        let order = all.groups.indices.sorted { all.groups[$0] < all.groups[$1] }
        let shiftedCount = Int((Double(all.count) * shiftedShare).rounded())
        let shiftedIndices = Array(order.suffix(shiftedCount))
        let isShifted = Set(shiftedIndices)
        let trainIdx = (0..<train.count).filter { !isShifted.contains($0) }
        let testIdx = (train.count..<all.count).filter { !isShifted.contains($0) }
        return FineFoodReviews(train: all.subset(trainIdx), test: all.subset(testIdx), shifted: all.subset(shiftedIndices.sorted()),
                               source: source, shiftFrom: shiftedIndices.first.map { all.groups[$0] } ?? "")
    }

    /// Generated reviews of the same form: 4,000 + 1,000, the later ids from new categories.
    static func generated(seed: UInt64, scale: Double) throws -> FineFoodReviews {
        let n = max(20, Int(5000 * scale))
        let old = try GeneratedReviews.reviews(count: n - n / 5, newProducts: false, seed: seed)
        let new = try GeneratedReviews.reviews(count: n / 5, newProducts: true, seed: seed &+ 1)
        let all = try old.appending(new)
        // The package's 80/20 split at random over all products; the split above then takes the newest ids.
        var rng = RandomGenerator(seed: seed &+ 2)
        let perm = rng.permutation(all.count)
        let cut = all.count * 4 / 5
        return try split(train: all.subset(Array(perm.prefix(cut))), test: all.subset(Array(perm.dropFirst(cut))), source: "generated")
    }

    /// A stratified subset of about `fraction` of each split (for smoke and quick runs).
    func scaled(_ fraction: Double, seed: UInt64) throws -> FineFoodReviews {
        guard fraction < 1 else { return self }
        func take(_ s: LabeledTexts, _ k: UInt64) throws -> LabeledTexts {
            s.subset(try DataEfficiency.subset(labels: s.labels, fraction: fraction, seed: seed &+ k))
        }
        return FineFoodReviews(train: try take(train, 1), test: try take(test, 2), shifted: try take(shifted, 3), source: source, shiftFrom: shiftFrom)
    }
}
