import EndToEnd
import XCTest
@testable import EndToEndData

/// Per-key last-N windows, checked on a hand-worked stream of two cards.
final class PerKeySequencesTests: XCTestCase {
    // Events (index: key @ time): 0: a@5, 1: b@1, 2: a@2, 3: a@9, 4: b@3, 5: a@7 (input not in time order).
    let keys = ["a", "b", "a", "a", "b", "a"]
    let times: [Double] = [5, 1, 2, 9, 3, 7]

    func testWindowsFollowEachKeysTimeOrder() throws {
        let s = try PerKeySequences(keys: keys, times: times, length: 3)
        // Card a in time order: 2, 0, 5, 3; card b: 1, 4.
        XCTAssertEqual(s.window(of: 2), [2])
        XCTAssertEqual(s.window(of: 0), [2, 0])
        XCTAssertEqual(s.window(of: 5), [2, 0, 5])
        XCTAssertEqual(s.window(of: 3), [0, 5, 3])
        XCTAssertEqual(s.window(of: 4), [1, 4])
        XCTAssertEqual(s.position, [1, 0, 0, 3, 1, 2])
        XCTAssertEqual(s.previous, [2, nil, nil, 5, 1, 0])
        // Equal times keep index order.
        XCTAssertEqual(try PerKeySequences(keys: [1, 1], times: [4, 4], length: 2).window(of: 1), [0, 1])
    }

    func testTensorIsFrontPaddedWithAMask() throws {
        let s = try PerKeySequences(keys: keys, times: times, length: 3)
        let features: [Float] = (0..<6).flatMap { [Float($0), Float(10 * $0)] }  // event i: (i, 10 i)
        let x = try s.tensor(features: features, featureCount: 2, events: [0, 3, 1])
        XCTAssertEqual(x.shape, [3, 3, 3])
        XCTAssertEqual(x.scalars, [
            0, 0, 0, 2, 20, 1, 0, 0, 1,     // event 0: padding, event 2, event 0
            0, 0, 1, 5, 50, 1, 3, 30, 1,    // event 3: events 0, 5, 3
            0, 0, 0, 0, 0, 0, 1, 10, 1,     // event 1: padding, padding, event 1
        ])
        let noMask = try s.tensor(features: features, featureCount: 2, events: [4], mask: false)
        XCTAssertEqual(noMask.shape, [1, 3, 2])
        XCTAssertEqual(noMask.scalars, [0, 0, 1, 10, 4, 40])
        XCTAssertEqual(try s.tensor(features: features, featureCount: 2).shape, [6, 3, 3])
    }

    func testBadInputThrows() throws {
        XCTAssertThrowsError(try PerKeySequences(keys: [1, 2], times: [0], length: 2))
        XCTAssertThrowsError(try PerKeySequences(keys: [1], times: [0], length: 0))
        XCTAssertThrowsError(try PerKeySequences(keys: [1, 2], times: [0, .nan], length: 2)) { e in
            XCTAssertTrue("\(e)".contains("event 1"), "\(e)")
        }
        let s = try PerKeySequences(keys: [1, 2], times: [0, 1], length: 2)
        XCTAssertThrowsError(try s.tensor(features: [1, 2, 3], featureCount: 2))
        XCTAssertThrowsError(try s.tensor(features: [1, 2], featureCount: 1, events: [2]))
    }
}
