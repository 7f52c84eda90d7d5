import Foundation
import XCTest
@testable import EndToEndTraining

/// HR@k and NDCG@k against hand-worked cases and scikit-learn's ndcg_score
/// (Fixtures/recommend.json, scripts/make_recommend_fixtures.py).
final class RankingMetricsTests: XCTestCase {
    static func fixture() throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/recommend.json")
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    func testHandWorkedLeaveOneOutCases() throws {
        // The positive (index 0) ranks third of five: a hit at k = 3, NDCG 1/log2(4) = 0.5.
        let s = [0.5, 0.9, 0.1, 0.7, 0.2]
        XCTAssertEqual(try RankingMetrics.hit(scores: s, positive: 0, k: 3), 1)
        XCTAssertEqual(try RankingMetrics.hit(scores: s, positive: 0, k: 2), 0)
        XCTAssertEqual(try RankingMetrics.ndcg(scores: s, positive: 0, k: 3), 0.5, accuracy: 1e-12)
        XCTAssertEqual(try RankingMetrics.ndcg(scores: s, positive: 0, k: 2), 0)
        XCTAssertEqual(try RankingMetrics.ndcg(scores: s, positive: 1, k: 10), 1)
        // Tied with one other at ranks 2-3 (0-based 1, 2), k = 2: a hit half the time;
        // NDCG is the mean gain ½ times the discounts of rank 1 only: ½ / log2(3).
        let t = [0.5, 0.9, 0.5, 0.1]
        XCTAssertEqual(try RankingMetrics.hit(scores: t, positive: 0, k: 2), 0.5)
        XCTAssertEqual(try RankingMetrics.ndcg(scores: t, positive: 0, k: 2), 0.5 / log2(3.0), accuracy: 1e-12)
        // A constant scorer over 100 candidates hits 10 % at k = 10.
        XCTAssertEqual(try RankingMetrics.hit(scores: [Double](repeating: 1, count: 100), positive: 37, k: 10), 0.1, accuracy: 1e-12)
        let mean = try RankingMetrics.leaveOneOut([(s, 0), (s, 1)], k: 3)
        XCTAssertEqual(mean.hitRate, 1)
        XCTAssertEqual(mean.ndcg, 0.75, accuracy: 1e-12)
        // Graded: ideal order [3, 2, 0], ranked [2, 0, 3]: DCG = 2 + 0 + 3/2, IDCG = 3 + 2/log2(3).
        XCTAssertEqual(try RankingMetrics.ndcg(scores: [0.1, 0.9, 0.5], relevance: [3, 2, 0]), 3.5 / (3 + 2 / log2(3.0)), accuracy: 1e-12)
    }

    func testNDCGAgainstScikitLearn() throws {
        let cases = try XCTUnwrap(try Self.fixture()["ndcg"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 60)
        for (n, c) in cases.enumerated() {
            let v = try RankingMetrics.ndcg(scores: c["scores"] as! [Double], relevance: c["relevance"] as! [Double], k: c["k"] as? Int)
            XCTAssertEqual(v, c["ndcg"] as! Double, accuracy: 1e-12, "case \(n)")
        }
    }

    func testHitRateAgainstCountingFormulaAndNDCGAgainstScikitLearn() throws {
        let cases = try XCTUnwrap(try Self.fixture()["hit"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 60)
        for (n, c) in cases.enumerated() {
            let s = c["scores"] as! [Double], p = c["positive"] as! Int, k = c["k"] as! Int
            XCTAssertEqual(try RankingMetrics.hit(scores: s, positive: p, k: k), c["hit"] as! Double, accuracy: 1e-12, "case \(n)")
            XCTAssertEqual(try RankingMetrics.ndcg(scores: s, positive: p, k: k), c["ndcg"] as! Double, accuracy: 1e-12, "case \(n)")
        }
    }

    func testBadInputThrows() {
        XCTAssertThrowsError(try RankingMetrics.hit(scores: [], positive: 0, k: 1))
        XCTAssertThrowsError(try RankingMetrics.hit(scores: [1, 2], positive: 2, k: 1))
        XCTAssertThrowsError(try RankingMetrics.hit(scores: [1, 2], positive: 0, k: 0))
        XCTAssertThrowsError(try RankingMetrics.ndcg(scores: [1, .nan], relevance: [1, 0], k: 1))
        XCTAssertThrowsError(try RankingMetrics.ndcg(scores: [1, 2], relevance: [1], k: 1))
        XCTAssertThrowsError(try RankingMetrics.ndcg(scores: [1, 2], relevance: [-1, 0], k: 1))
        XCTAssertThrowsError(try RankingMetrics.leaveOneOut([], k: 10))
        XCTAssertThrowsError(try RankingMetrics.leaveOneOut([([1, 2], 0), ([1], 3)], k: 10)) { e in
            XCTAssertTrue("\(e)".contains("query 1"), "\(e)")
        }
    }
}
