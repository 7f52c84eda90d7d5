import XCTest
@testable import EndToEnd

extension XCTestCase {
    /// Runs gradient checks and asserts each passes and actually compared elements.
    func assertGradChecksPass(_ cases: [GradCheckCase], atLeast minimum: Int, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertGreaterThanOrEqual(cases.count, minimum, "too few gradcheck cases", file: file, line: line)
        for c in cases {
            let r = GradCheck.run(c)
            XCTAssertTrue(r.passed, c.name + r.detail, file: file, line: line)
            XCTAssertGreaterThan(r.checkedElements, 0, c.name, file: file, line: line)
        }
    }
}
