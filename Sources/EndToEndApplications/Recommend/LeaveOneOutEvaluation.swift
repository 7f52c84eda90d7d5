import EndToEnd
import EndToEndData
import EndToEndTraining

/// He et al. 2017's evaluation: each test user's held-out item ranked among `negatives`
/// items the user never interacted with (sampled once, so every approach ranks the same
/// candidates), scored by HR@k and NDCG@k.
public struct LeaveOneOutEvaluation: Sendable {
    /// One test case per user: the candidates, the held-out item first.
    public let users: [Int]
    public let candidates: [[Int]]
    public let k: Int

    /// - Parameter allPositives: every item each user interacted with, the held-out one included.
    public init(test: [Interaction], allPositives: [[Int]], items: Int, negatives: Int = 99, k: Int = 10, seed: UInt64) throws {
        let sampler = try NegativeSampler(items: items, positives: allPositives)
        var rng = RandomGenerator(seed: seed)
        users = test.map(\.user)
        candidates = try test.map { [$0.item] + (try sampler.sample(user: $0.user, count: negatives, distinct: true, using: &rng)) }
        self.k = k
    }

    /// Scores for (user, item) pairs, in order.
    public typealias Scorer = (_ users: [Int], _ items: [Int]) throws -> [Double]

    /// Every case's candidate scores (the held-out item's first).
    public func scores(_ scorer: Scorer) throws -> [[Double]] {
        var us: [Int] = [], its: [Int] = []
        for (u, c) in zip(users, candidates) { us += [Int](repeating: u, count: c.count); its += c }
        let flat = try scorer(us, its)
        var out: [[Double]] = [], at = 0
        for c in candidates { out.append(Array(flat[at..<(at + c.count)])); at += c.count }
        return out
    }

    /// HR@k and NDCG@k over the cases whose indices are `cases` (all by default).
    public func measure(_ scores: [[Double]], cases: [Int]? = nil) throws -> (hitRate: Double, ndcg: Double) {
        try RankingMetrics.leaveOneOut((cases ?? Array(scores.indices)).map { (scores[$0], 0) }, k: k)
    }
}
