import EndToEnd
import XCTest
@testable import EndToEndData

/// The leave-last-out split and the negative sampler.
final class InteractionsTests: XCTestCase {
    func testLeaveLastOutHoldsOutEachUsersLatestInteraction() throws {
        let xs = [Interaction(user: 0, item: 2, time: 30), Interaction(user: 0, item: 1, time: 10), Interaction(user: 1, item: 0, time: 5),
                  Interaction(user: 0, item: 3, time: 30), Interaction(user: 2, item: 4, time: 1), Interaction(user: 1, item: 4, time: 7)]
        let set = try InteractionSet(xs, users: 3, items: 5)
        let split = set.leaveLastOut()
        // User 0: two at time 30, the later in the given order (item 3) is held out; user 2 has one interaction and no test case.
        XCTAssertEqual(split.test.map { [$0.user, $0.item] }, [[0, 3], [1, 4]])
        XCTAssertEqual(split.train.map { [$0.user, $0.item] }, [[0, 1], [0, 2], [1, 0], [2, 4]])
        XCTAssertEqual(set.itemsByUser(), [[1, 2, 3], [0, 4], [4]])
        XCTAssertEqual(set.itemCounts(), [1, 1, 1, 1, 2])
        XCTAssertEqual(set.leaveLastOut(minimumHistory: 3).test.map(\.user), [0])
        XCTAssertThrowsError(try InteractionSet([Interaction(user: 0, item: 5, time: 0)], users: 1, items: 5)) { e in
            XCTAssertTrue("\(e)".contains("interaction 0") && "\(e)".contains("item 5"), "\(e)")
        }
    }

    func testNegativesExcludePositivesAreSeededAndUniform() throws {
        let sampler = try NegativeSampler(items: 10, positives: [[0, 1, 2], [5], Array(0..<8)])
        var a = RandomGenerator(seed: 4), b = RandomGenerator(seed: 4)
        let draw = try sampler.sample(user: 0, count: 7, distinct: true, using: &a)
        XCTAssertEqual(draw, try sampler.sample(user: 0, count: 7, distinct: true, using: &b))
        XCTAssertEqual(Set(draw), Set(3..<10), "all seven negatives, each once")
        // Dense user (8 of 10 positive): only items 8 and 9 can come back.
        XCTAssertEqual(Set(try sampler.sample(user: 2, count: 50, distinct: false, using: &a)), [8, 9])
        // Uniform over the 9 negatives of user 1: each count near 9000 / 9 = 1000 (±5 sd ≈ ±150).
        var counts = [Int](repeating: 0, count: 10)
        for i in try sampler.sample(user: 1, count: 9000, distinct: false, using: &a) { counts[i] += 1 }
        XCTAssertEqual(counts[5], 0)
        for i in 0..<10 where i != 5 { XCTAssertEqual(Double(counts[i]), 1000, accuracy: 150, "item \(i)") }
        XCTAssertThrowsError(try sampler.sample(user: 2, count: 3, distinct: true, using: &a)) { e in
            XCTAssertTrue("\(e)".contains("only 2"), "\(e)")
        }
        XCTAssertThrowsError(try sampler.sample(user: 3, count: 1, distinct: false, using: &a))
        XCTAssertThrowsError(try NegativeSampler(items: 3, positives: [[3]]))
        XCTAssertThrowsError(try NegativeSampler(items: 2, positives: [[0, 1]]).sample(user: 0, count: 1, distinct: false, using: &a))
    }
}
