import EndToEnd
import XCTest
@testable import EndToEndData

/// Weighted and class-balanced sampling: seeded, proportional to the weights, bad weights refused.
final class WeightedSamplerTests: XCTestCase {
    func testClassBalancedDrawsEachClassAboutEquallyOften() throws {
        // 1 positive in 100, as in fraud.
        let labels = (0..<1000).map { $0 % 100 == 7 ? 1 : 0 }
        let sampler = try WeightedSampler.classBalanced(labels: labels, seed: 5)
        let p = sampler.probabilities
        XCTAssertEqual(p[7], 0.5 / 10, accuracy: 1e-12)
        XCTAssertEqual(p[0], 0.5 / 990, accuracy: 1e-12)
        let draws = sampler.indices(count: 20000, epoch: 0)
        let positives = draws.filter { labels[$0] == 1 }.count
        // Binomial(20000, 0.5): sd ≈ 71; 4 sd.
        XCTAssertEqual(Double(positives), 10000, accuracy: 284)
        // Every positive is drawn about 1000 times (sd ≈ 31).
        for i in labels.indices where labels[i] == 1 {
            XCTAssertEqual(Double(draws.filter { $0 == i }.count), 1000, accuracy: 130, "index \(i)")
        }
    }

    func testSharesAndZeroWeightsAndSeeds() throws {
        let labels = [0, 0, 1, 1, 2, 2]
        let s = try WeightedSampler.classBalanced(labels: labels, seed: 1, shares: [0: 3, 1: 1])
        XCTAssertEqual(s.probabilities, [0.375, 0.375, 0.125, 0.125, 0, 0])
        let draws = s.indices(count: 4000)
        XCTAssertFalse(draws.contains(4) || draws.contains(5), "class 2 has no share")
        XCTAssertEqual(Double(draws.filter { $0 < 2 }.count) / 4000, 0.75, accuracy: 0.03)
        // Same seed and epoch: same draws; another epoch or seed: others.
        XCTAssertEqual(s.indices(count: 50, epoch: 3), s.indices(count: 50, epoch: 3))
        XCTAssertNotEqual(s.indices(count: 50, epoch: 3), s.indices(count: 50, epoch: 4))
        XCTAssertNotEqual(try WeightedSampler(weights: [1, 1, 1], seed: 1).indices(count: 50),
                          try WeightedSampler(weights: [1, 1, 1], seed: 2).indices(count: 50))
        // A zero weight at the end or the start is never drawn.
        let edge = try WeightedSampler(weights: [0, 2, 0], seed: 9).indices(count: 500)
        XCTAssertEqual(Set(edge), [1])
        XCTAssertEqual(try WeightedSampler(weights: [1], seed: 0).indices(count: 0), [])
    }

    func testBadWeightsThrow() {
        XCTAssertThrowsError(try WeightedSampler(weights: [], seed: 0))
        XCTAssertThrowsError(try WeightedSampler(weights: [1, -1], seed: 0)) { e in
            XCTAssertTrue("\(e)".contains("index 1"), "\(e)")
        }
        XCTAssertThrowsError(try WeightedSampler(weights: [1, .nan], seed: 0))
        XCTAssertThrowsError(try WeightedSampler(weights: [0, 0], seed: 0))
        XCTAssertThrowsError(try WeightedSampler.classBalanced(labels: [0, -1], seed: 0))
        XCTAssertThrowsError(try WeightedSampler.classBalanced(labels: [0, 0], seed: 0, shares: [1: 1])) { e in
            XCTAssertTrue("\(e)".contains("class 1"), "\(e)")
        }
    }
}
