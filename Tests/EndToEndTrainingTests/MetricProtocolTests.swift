import XCTest
@testable import EndToEndTraining

final class MetricProtocolTests: XCTestCase {
    final class Counter: Metric {
        var name: String { "count" }
        var n = 0
        func reset() { n = 0 }
        func compute() -> Double { Double(n) }
    }

    func testMetricLifecycle() {
        let c = Counter()
        c.n = 3
        XCTAssertEqual(c.compute(), 3)
        c.reset()
        XCTAssertEqual(c.compute(), 0)
    }
}
