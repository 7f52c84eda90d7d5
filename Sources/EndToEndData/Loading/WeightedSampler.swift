import EndToEnd

/// Draws data-set indices with replacement, each with probability proportional to its weight,
/// like PyTorch's `WeightedRandomSampler`; with ``classBalanced(labels:seed:shares:)`` it
/// trains a classifier on rare positives (fraud at 0.5 %) as if the classes were balanced.
///
/// Draw `k` of epoch `e` depends only on `(seed, e)`, so the same seed gives the same
/// indices on every run. Feed the indices to ``TensorDataset/subset(_:)`` (or a
/// ``DataLoader`` over that subset) to train on the resampled set.
///
/// ```swift
/// let sampler = try WeightedSampler.classBalanced(labels: y, seed: 7)
/// let epoch0 = sampler.indices(count: 4096, epoch: 0)   // about half of them positives
/// let train = dataset.subset(epoch0)
/// ```
public struct WeightedSampler: Sendable {
    /// The (unnormalized) weight of each index.
    public let weights: [Double]
    public let seed: UInt64
    /// Running sums of the weights, for inverse-CDF draws by binary search.
    let cumulative: [Double]

    /// - Throws: ``DataError`` when there are no weights, a weight is negative or not finite,
    ///   or all are zero (nothing could be drawn).
    public init(weights: [Double], seed: UInt64) throws(DataError) {
        let name = "WeightedSampler"
        guard !weights.isEmpty else { throw DataError(file: name, message: "no weights: the data set is empty") }
        if let i = weights.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
            throw DataError(file: name, location: "index \(i)", message: "weights must be finite and non-negative, got \(weights[i])")
        }
        var sums = [Double](), total = 0.0
        sums.reserveCapacity(weights.count)
        for w in weights {
            total += w
            sums.append(total)
        }
        guard total > 0 else { throw DataError(file: name, message: "all \(weights.count) weights are zero; nothing can be drawn") }
        self.weights = weights
        self.seed = seed
        cumulative = sums
    }

    /// A sampler that draws each class with the probability given by `shares` (by default
    /// every class present equally often), and the examples within a class uniformly: an
    /// example of class `c` gets weight `shares[c] / n_c`.
    ///
    /// - Parameter shares: the probability of drawing each class, by label; classes absent
    ///   from it are never drawn. Shares need not sum to 1 (they are normalized).
    /// - Throws: ``DataError`` for a negative label, a share of a label that does not occur,
    ///   or shares that leave nothing to draw.
    public static func classBalanced(labels: [Int], seed: UInt64, shares: [Int: Double]? = nil) throws(DataError) -> WeightedSampler {
        var counts: [Int: Int] = [:]
        for (i, y) in labels.enumerated() {
            guard y >= 0 else { throw DataError(file: "WeightedSampler.classBalanced", location: "label \(i)", message: "labels must be non-negative, got \(y)") }
            counts[y, default: 0] += 1
        }
        let share = shares ?? Dictionary(uniqueKeysWithValues: counts.keys.map { ($0, 1.0) })
        for (c, s) in share.sorted(by: { $0.key < $1.key }) where s > 0 && counts[c] == nil {
            throw DataError(file: "WeightedSampler.classBalanced", message: "class \(c) has share \(s) but no examples")
        }
        return try WeightedSampler(weights: labels.map { y in (share[y] ?? 0) / Double(counts[y]!) }, seed: seed)
    }

    /// The probability that one draw returns each index.
    public var probabilities: [Double] {
        let total = cumulative.last!
        return weights.map { $0 / total }
    }

    /// `count` indices drawn with replacement for epoch `epoch`.
    public func indices(count: Int, epoch: Int = 0) -> [Int] {
        var rng = RandomGenerator(seed: SeedMix.combine(seed, 2, UInt64(bitPattern: Int64(epoch))))
        let total = cumulative.last!
        return (0..<max(0, count)).map { _ in
            let u = rng.nextUniformDouble() * total
            // The first index whose running sum exceeds u (zero-weight indices are never it).
            var lo = 0, hi = cumulative.count - 1
            while lo < hi {
                let mid = (lo + hi) / 2
                if cumulative[mid] > u { hi = mid } else { lo = mid + 1 }
            }
            return lo
        }
    }
}
