import EndToEnd
import EndToEndData
import XCTest

final class SlidingWindowsTests: XCTestCase {
    /// Two features, value = 10·step + feature, so every copied value names its source.
    func sequence(_ steps: Int) -> [Float] { (0..<steps).flatMap { t in [Float(10 * t), Float(10 * t + 1)] } }

    func testEndsAreAlignedToTheLastStep() throws {
        let w = try SlidingWindows(length: 3, stride: 2)
        XCTAssertEqual(w.ends(steps: 8), [4, 6, 8])
        XCTAssertEqual(w.ends(steps: 7), [3, 5, 7])
        XCTAssertEqual(w.ends(steps: 3), [3])
        XCTAssertEqual(w.ends(steps: 2), [])
        XCTAssertEqual(try SlidingWindows(length: 3, padding: .repeatFirst).ends(steps: 2), [2])
        XCTAssertEqual(w.ends(steps: 0), [])
    }

    func testLayoutsAndProvenance() throws {
        let w = try SlidingWindows(length: 3, stride: 1)
        let b = try w.windows([sequence(4), sequence(3)], features: 2, layout: .timeMajor)
        XCTAssertEqual(b.inputs.shape, [3, 3, 2])
        XCTAssertEqual(b.sequence, [0, 0, 1])
        XCTAssertEqual(b.end, [3, 4, 3])
        XCTAssertEqual(Array(b.inputs.scalars[6..<12]), [10, 11, 20, 21, 30, 31])   // steps 1...3 of sequence 0
        let c = try w.windows([sequence(4)], features: 2, layout: .channelsFirst, lastOnly: true)
        XCTAssertEqual(c.inputs.shape, [1, 2, 3])
        XCTAssertEqual(c.inputs.scalars, [10, 20, 30, 11, 21, 31])   // feature 0 over time, then feature 1
        XCTAssertEqual(c.end, [4])
    }

    func testShortSequencesArePaddedOrSkipped() throws {
        let pad = try SlidingWindows(length: 4, padding: .repeatFirst)
        let b = try pad.windows([sequence(2)], features: 2, layout: .timeMajor)
        XCTAssertEqual(b.inputs.scalars, [0, 1, 0, 1, 0, 1, 10, 11])
        let skip = try SlidingWindows(length: 4)
        let s = try skip.windows([sequence(2), sequence(5)], features: 2, layout: .timeMajor, lastOnly: true)
        XCTAssertEqual(s.sequence, [1])
        XCTAssertThrowsError(try skip.windows([sequence(2)], features: 2, layout: .timeMajor))
    }

    func testBadInputThrows() throws {
        XCTAssertThrowsError(try SlidingWindows(length: 0))
        XCTAssertThrowsError(try SlidingWindows(length: 3, stride: 0))
        let w = try SlidingWindows(length: 2)
        XCTAssertThrowsError(try w.windows([[1, 2, 3]], features: 2, layout: .timeMajor)) { error in
            XCTAssertTrue("\(error)".contains("sequence 0"), "\(error)")
        }
        XCTAssertThrowsError(try w.window(sequence(3), features: 2, end: 4))
        XCTAssertThrowsError(try w.windows([sequence(3)], features: 0, layout: .timeMajor))
    }
}
