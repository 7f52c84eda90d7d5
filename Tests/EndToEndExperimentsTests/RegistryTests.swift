import XCTest
@testable import EndToEndExperiments

final class RegistryTests: XCTestCase {
    func testNamesAreUniqueAndWellFormed() {
        let names = ExperimentRegistry.names
        XCTAssertEqual(Set(names).count, names.count, "duplicate experiment names: \(names)")
        for n in names {
            XCTAssertFalse(n.isEmpty)
            XCTAssertTrue(n.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" }, "bad name \(n)")
            XCTAssertEqual(ExperimentRegistry.experiment(named: n)?.name, n)
        }
        XCTAssertNil(ExperimentRegistry.experiment(named: "no-such-experiment"))
    }
}
