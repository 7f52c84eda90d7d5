import EndToEnd
import Foundation
import XCTest
@testable import EndToEndApplications

/// The diagnosis data: the generated cell images and the Wisconsin table (real and generated).
final class DiagnosisDataTests: XCTestCase {
    func testCellImagesAreDeterministicAndStainIndependent() {
        let a = CellImages.generate(count: 12, seed: 9), b = CellImages.generate(count: 12, seed: 9)
        XCTAssertEqual(a.inputs.shape, [12, 1, 40, 40])
        XCTAssertEqual(a.inputs.scalars, b.inputs.scalars)
        XCTAssertEqual(a.labels, b.labels)
        XCTAssertNotEqual(CellImages.generate(count: 12, seed: 10).inputs.scalars, a.inputs.scalars)
        let s = CellImages.generate(count: 12, seed: 9, stain: .shifted)
        XCTAssertEqual(s.labels, a.labels, "the shifted set holds the same cases")
        XCTAssertEqual(s.nuclei, a.nuclei)
        XCTAssertNotEqual(s.inputs.scalars, a.inputs.scalars)
        XCTAssertTrue(a.inputs.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        XCTAssertEqual(a.subset([3, 1]).pixels(1), a.pixels(1))
    }

    /// The label follows the grade: malignant cases have larger, more irregular or more nuclei.
    func testLabelsFollowNucleusSizeIrregularityAndCount() {
        let c = CellImages.generate(count: 400, seed: 1)
        func mean(_ label: Int, _ f: ([CellImages.Nucleus]) -> Double) -> Double {
            let sel = c.nuclei.indices.filter { c.labels[$0] == label }
            return sel.map { f(c.nuclei[$0]) }.reduce(0, +) / Double(sel.count)
        }
        let positives = c.labels.reduce(0, +)
        XCTAssertGreaterThan(positives, 120)
        XCTAssertLessThan(positives, 280)
        XCTAssertGreaterThan(mean(1) { $0.map(\.radius).reduce(0, +) / Double($0.count) }, mean(0) { $0.map(\.radius).reduce(0, +) / Double($0.count) })
        XCTAssertGreaterThan(mean(1) { $0.map(\.irregularity).reduce(0, +) / Double($0.count) }, mean(0) { $0.map(\.irregularity).reduce(0, +) / Double($0.count) })
        XCTAssertGreaterThan(mean(1) { Double($0.count) }, mean(0) { Double($0.count) })
    }

    /// The pipeline's segmentation finds the drawn nuclei on the training stain.
    func testSegmentationCountsTheDrawnNuclei() {
        let c = CellImages.generate(count: 60, seed: 2)
        let features = CellPipeline.features(c)
        var exact = 0
        for i in 0..<c.count where Int(features[i, 0]) == c.nuclei[i].count { exact += 1 }
        XCTAssertGreaterThanOrEqual(exact, 54, "nucleus count exact on \(exact) of 60 images")
    }

    func testRealTableWhenInstalled() throws {
        guard FileManager.default.fileExists(atPath: BreastCancerTable.debianPath) else {
            throw XCTSkip("python3-sklearn is not installed (apt-get install python3-sklearn)")
        }
        let t = try BreastCancerTable.load(path: nil, seed: 0) { XCTFail("no fallback expected: \($0)") }
        XCTAssertEqual(t.source, "python3-sklearn")
        XCTAssertEqual(t.features.shape, [569, 30])
        XCTAssertEqual(t.labels.reduce(0, +), 212, "212 malignant")
        XCTAssertEqual(t.features[0, 0], 17.99, "first row's mean radius")
        XCTAssertEqual(t.labels[0], 1, "the first case is malignant")
    }

    func testGeneratedTableAndErrors() throws {
        let g = BreastCancerTable.generated(seed: 4)
        XCTAssertEqual(g.features.shape, [569, 30])
        XCTAssertEqual(g.labels.reduce(0, +), 212)
        XCTAssertEqual(g.features.scalars, BreastCancerTable.generated(seed: 4).features.scalars)
        XCTAssertEqual(BreastCancerTable.featureNames.count, 30)

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bct-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func check(_ text: String, _ expected: String) throws {
            let url = dir.appendingPathComponent("t.csv")
            try Data(text.utf8).write(to: url)
            XCTAssertThrowsError(try BreastCancerTable.read(url)) { XCTAssertTrue("\($0)".contains(expected), "\($0)") }
        }
        let row = Array(repeating: "1.5", count: 30).joined(separator: ",")
        try check("a,b\n", ":1: expected the header")
        try check("2,30,malignant,benign\n\(row),0\n", "announces 2 rows")
        try check("1,30,malignant,benign\n\(row)\n", ":2: expected 31 columns")
        try check("1,30,malignant,benign\n\(row),2\n", ":2: the target must be 0")
        try check("1,30,malignant,benign\nx," + Array(repeating: "1", count: 29).joined(separator: ",") + ",0\n", ":2: column 1 ('x')")
        XCTAssertThrowsError(try BreastCancerTable.load(path: dir.appendingPathComponent("missing.csv"), seed: 0) { _ in })
        let ok = dir.appendingPathComponent("ok.csv")
        try Data("1,30,malignant,benign\n\(row),0\n".utf8).write(to: ok)
        let one = try BreastCancerTable.load(path: ok, seed: 0) { _ in }
        XCTAssertEqual(one.labels, [1])
        XCTAssertEqual(one.source, ok.path)
    }
}
