import EndToEnd
import Foundation

/// Top-k ranking metrics of recommendation: hit rate (HR@k) and normalized discounted
/// cumulative gain (NDCG@k), per query (one user's candidate list) and averaged.
///
/// A query is a list of candidate scores (higher ranks first) with a relevance per
/// candidate. He et al. 2017's leave-one-out protocol has one relevant candidate (the
/// held-out item) among 100; ``hit(scores:positive:k:)`` and ``ndcg(scores:positive:k:)``
/// serve it. The graded form ``ndcg(scores:relevance:k:)`` is scikit-learn's
/// `ndcg_score(y_true, y_score, k=k)` for one row: gain = relevance, discount
/// 1 / log₂(rank + 1), normalized by the ideal DCG (0 when no candidate is relevant).
///
/// **Ties** are averaged as in scikit-learn (`ignore_ties=False`): a group of equally
/// scored candidates shares its mean gain over the ranks it spans, which is the expected
/// value over random orders of the tie. So a constant scorer gets the hit rate of a
/// random one (k / candidates), not an optimistic or pessimistic accident of the order.
public enum RankingMetrics {
    /// NDCG@k of one query with graded relevance (scikit-learn's `ndcg_score` for one row).
    ///
    /// - Parameter k: only the top `k` ranks count; `nil` for all.
    /// - Throws: ``MetricError`` for mismatched lengths, an empty list, `k < 1`, a negative
    ///   relevance, or a NaN score.
    public static func ndcg(scores: [Double], relevance: [Double], k: Int? = nil) throws(MetricError) -> Double {
        try check(scores: scores, relevance: relevance, k: k, op: "RankingMetrics.ndcg")
        let ideal = tieAveragedGain(scores: relevance, relevance: relevance, discount: logDiscount, k: k)
        guard ideal > 0 else { return 0 }
        return tieAveragedGain(scores: scores, relevance: relevance, discount: logDiscount, k: k) / ideal
    }

    /// NDCG@k of one query whose only relevant candidate is `positive` (1 / log₂(rank + 2)
    /// for a 0-based rank below `k`, tie-averaged).
    public static func ndcg(scores: [Double], positive: Int, k: Int) throws(MetricError) -> Double {
        try ndcg(scores: scores, relevance: try oneHot(positive, count: scores.count, op: "RankingMetrics.ndcg"), k: k)
    }

    /// HR@k of one query whose only relevant candidate is `positive`: 1 when it ranks in the
    /// top `k`, 0 otherwise, and for a tie across the cut-off the chance that a random order
    /// of the tie puts it above the cut.
    ///
    /// - Throws: ``MetricError`` for `positive` out of range, an empty list, `k < 1` or a NaN score.
    public static func hit(scores: [Double], positive: Int, k: Int) throws(MetricError) -> Double {
        let relevance = try oneHot(positive, count: scores.count, op: "RankingMetrics.hit")
        try check(scores: scores, relevance: relevance, k: k, op: "RankingMetrics.hit")
        return tieAveragedGain(scores: scores, relevance: relevance, discount: { _ in 1 }, k: k)
    }

    /// The means of HR@k and NDCG@k over queries, each a candidate list with its relevant index.
    ///
    /// - Throws: ``MetricError`` for no queries or a bad query (its index named).
    public static func leaveOneOut(_ queries: [(scores: [Double], positive: Int)], k: Int) throws(MetricError) -> (hitRate: Double, ndcg: Double) {
        guard !queries.isEmpty else { throw MetricError("RankingMetrics.leaveOneOut", "no queries") }
        var hr = 0.0, nd = 0.0
        for (i, q) in queries.enumerated() {
            do {
                hr += try hit(scores: q.scores, positive: q.positive, k: k)
                nd += try ndcg(scores: q.scores, positive: q.positive, k: k)
            } catch {
                throw MetricError("RankingMetrics.leaveOneOut", "query \(i): \(error.message)")
            }
        }
        return (hr / Double(queries.count), nd / Double(queries.count))
    }

    static func logDiscount(_ rank: Int) -> Double { 1 / log2(Double(rank) + 2) }

    /// Σ over tie groups (in descending score order) of the group's mean relevance times the
    /// sum of the discounts of the ranks it occupies below `k` (scikit-learn's `_tie_averaged_dcg`).
    static func tieAveragedGain(scores: [Double], relevance: [Double], discount: (Int) -> Double, k: Int?) -> Double {
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        let cut = min(k ?? scores.count, scores.count)
        var total = 0.0, start = 0
        while start < order.count && start < cut {
            var end = start + 1
            while end < order.count && scores[order[end]] == scores[order[start]] { end += 1 }
            var gain = 0.0
            for r in start..<end { gain += relevance[order[r]] }
            var discounts = 0.0
            for r in start..<min(end, cut) { discounts += discount(r) }
            total += gain / Double(end - start) * discounts
            start = end
        }
        return total
    }

    static func oneHot(_ positive: Int, count: Int, op: String) throws(MetricError) -> [Double] {
        guard (0..<count).contains(positive) else {
            throw MetricError(op, "the relevant candidate \(positive) is outside the \(count) candidates")
        }
        var r = [Double](repeating: 0, count: count)
        r[positive] = 1
        return r
    }

    static func check(scores: [Double], relevance: [Double], k: Int?, op: String) throws(MetricError) {
        guard !scores.isEmpty else { throw MetricError(op, "the candidate list is empty") }
        guard scores.count == relevance.count else {
            throw MetricError(op, "\(scores.count) scores but \(relevance.count) relevance values")
        }
        if let k, k < 1 { throw MetricError(op, "k must be at least 1, got \(k)") }
        if let i = scores.firstIndex(where: \.isNaN) { throw MetricError(op, "score \(i) is NaN") }
        if let i = relevance.firstIndex(where: { !($0 >= 0) }) {
            throw MetricError(op, "relevance \(i) is \(relevance[i]); it must be a non-negative number")
        }
    }
}
