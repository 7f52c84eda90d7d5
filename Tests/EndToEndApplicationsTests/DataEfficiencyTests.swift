import EndToEndApplications
import XCTest

final class DataEfficiencyTests: XCTestCase {
    let labels = (0..<200).map { $0 % 4 == 0 ? 1 : 0 }  // 50 positives, 150 negatives

    func testSubsetsAreStratifiedNestedAndReproducible() throws {
        var previous = Set<Int>()
        for f in DataEfficiency.defaultFractions {
            let s = try DataEfficiency.subset(labels: labels, fraction: f, seed: 7)
            XCTAssertEqual(s, try DataEfficiency.subset(labels: labels, fraction: f, seed: 7))
            XCTAssertEqual(s, s.sorted())
            XCTAssertTrue(previous.isSubset(of: Set(s)), "fraction \(f) must contain the smaller subsets")
            let pos = s.filter { labels[$0] == 1 }.count
            XCTAssertEqual(pos, max(2, Int((f * 50).rounded(.up))))
            XCTAssertEqual(s.count - pos, max(2, Int((f * 150).rounded(.up))))
            previous = Set(s)
        }
        XCTAssertEqual(try DataEfficiency.subset(labels: labels, fraction: 1, seed: 7), Array(0..<200))
        XCTAssertNotEqual(try DataEfficiency.subset(labels: labels, fraction: 0.1, seed: 7),
                          try DataEfficiency.subset(labels: labels, fraction: 0.1, seed: 8))
        XCTAssertThrowsError(try DataEfficiency.subset(labels: labels, fraction: 0, seed: 0))
    }

    func testMeasureVisitsEveryApproachAndFraction() throws {
        var seen: [String] = []
        let points = try DataEfficiency.measure(approaches: ["pipeline", "end-to-end"], labels: labels, seed: 1) { a, f, idx in
            seen.append(a)
            return Double(idx.count) / (a == "pipeline" ? 1 : 2)
        }
        XCTAssertEqual(points.count, 10)
        XCTAssertEqual(Set(points.map(\.fraction)).count, 5)
        XCTAssertEqual(points.last, DataEfficiencyPoint(approach: "end-to-end", fraction: 1, value: 100))
        XCTAssertEqual(seen.count, 10)
        XCTAssertThrowsError(try DataEfficiency.measure(approaches: ["a"], labels: labels, fractions: [0.5, 1], seed: 0) { _, _, _ in 0 })
        let chart = DataEfficiency.chart(points, metric: "roc_auc")
        XCTAssertEqual(chart.series.map(\.name), ["pipeline", "end-to-end"])
        XCTAssertEqual(chart.series[0].points.first!.x, 0, accuracy: 1e-12)
        XCTAssertEqual(chart.series[0].points.last!.x, 2, accuracy: 1e-12)
    }
}

final class ShiftAndMaintenanceTests: XCTestCase {
    func testShiftRowsTableAndChart() {
        let rows = ShiftComparison.rows(metric: "roc_auc", [("end-to-end", 0.9, 0.7), ("pipeline", 0.8, 0.79)])
        XCTAssertEqual(rows[0], ShiftResult(approach: "end-to-end", metric: "roc_auc", value: 0.7, inDistribution: 0.9))
        let table = ShiftComparison.table(rows, shift: "other stain")
        XCTAssertTrue(table.contains("| end-to-end | roc_auc | 0.9000 | 0.7000 | -0.2000 |"), table)
        XCTAssertEqual(ShiftComparison.chart(rows, shift: "other stain").bars.count, 4)
    }

    func testSourceLinesSkipsBlanksAndComments() {
        let text = """
            import Foundation
            /// Doc comment.

            struct A {   // trailing comment counts as code
                /* block
                   comment */
                let x = 1
                /* one-line block */
            }
            """
        XCTAssertEqual(SourceLines.count(text), 4)
    }

    func testCountedMaintenanceReadsTheSourceFiles() throws {
        let dir = SourceLines.directory(of: #filePath)
        let c = try MaintenanceCost.counted(approach: "x", stages: 2, handSetConstants: 3, sourceFiles: ["DataEfficiencyTests.swift"],
                                            in: dir, parameters: 10)
        let own = try String(contentsOf: dir.appendingPathComponent("DataEfficiencyTests.swift"), encoding: .utf8)
        XCTAssertEqual(c.linesOfCode, SourceLines.count(own))
        XCTAssertGreaterThan(c.linesOfCode, 40)
        XCTAssertThrowsError(try SourceLines.count(files: ["NoSuchFile.swift"], in: dir)) { e in
            XCTAssertTrue("\(e)".contains("NoSuchFile.swift"), "\(e)")
        }
        XCTAssertTrue(MaintenanceCost.table([c]).contains("| x | 2 | 3 | \(c.linesOfCode) | 10 |"))
    }
}
