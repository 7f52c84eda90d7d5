import EndToEnd
import Foundation
import XCTest
@testable import EndToEndData

final class CSVReaderTests: XCTestCase {
    func write(_ text: String, in dir: URL, _ name: String = "t.csv") throws -> URL {
        let url = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    func testQuotedFieldsCRLFAndDelimiter() throws {
        let t = try CSVTable.parse("name,note,x\r\n\"Smith, J\",\"said \"\"hi\"\"\r\nthen left\",1.5\r\nplain, spaced ,2\r\n\r\n")
        XCTAssertEqual(t.columnNames, ["name", "note", "x"])
        XCTAssertEqual(t.rows, [["Smith, J", "said \"hi\"\r\nthen left", "1.5"], ["plain", "spaced", "2"]])
        XCTAssertEqual(t.lineNumbers, [2, 4])
        let s = try CSVTable.parse("a;b\n1;\"x;y\"\n", delimiter: ";")
        XCTAssertEqual(s.rows, [["1", "x;y"]])
    }

    func testClassificationWithCategoricalFeatures() throws {
        let dir = try makeTemporaryDirectory(self)
        let url = try write("len,color,species\n1.0,red,b\n2.5,blue,a\n3,red,c\n4,green,a\n", in: dir)
        let table = try CSVTable.read(url)
        let d = try table.dataset(target: "species", task: .classification, categorical: .oneHot)
        XCTAssertEqual(d.featureNames, ["len", "color=blue", "color=green", "color=red"])
        XCTAssertEqual(d.features.shape, [4, 4])
        XCTAssertEqual(d.features.scalars, [1, 0, 0, 1, 2.5, 1, 0, 0, 3, 0, 0, 1, 4, 0, 1, 0])
        XCTAssertEqual(d.classNames, ["a", "b", "c"])
        XCTAssertEqual(d.labels, IntTensor([1, 0, 2, 0]))
        XCTAssertEqual(d.count, 4)
        XCTAssertEqual(d.example(at: 1).input.scalars, [2.5, 1, 0, 0])
        XCTAssertEqual(d.example(at: 2).label, 2)
        let idx = try table.dataset(target: "species", task: .classification, categorical: .index)
        XCTAssertEqual(idx.featureNames, ["len", "color"])
        XCTAssertEqual(idx.features.scalars, [1, 2, 2.5, 0, 3, 2, 4, 1])
        XCTAssertEqual(idx.categories["color"], ["blue", "green", "red"])
        // Integer labels sort numerically.
        let ints = try CSVTable.parse("x,y\n1,10\n2,2\n3,0\n").dataset(target: "y", task: .classification)
        XCTAssertEqual(ints.classNames, ["0", "2", "10"])
        XCTAssertEqual(ints.labels, IntTensor([2, 1, 0]))
    }

    func testRegressionAndMissingValues() throws {
        let t = try CSVTable.parse("a,b,y\n1,2,0.5\n3,,1.5\n5,6,2.5\n", file: "reg.csv")
        assertDataError(try t.dataset(target: "y", task: .regression), ["reg.csv", "line 3, column 2", "missing value in column 'b'"])
        let d = try t.dataset(target: "y", task: .regression, missing: .dropRows)
        XCTAssertEqual(d.targets?.scalars, [0.5, 2.5])
        XCTAssertEqual(d.features.scalars, [1, 2, 5, 6])
        XCTAssertNil(d.labels)
        XCTAssertEqual(d.example(at: 1).target?.scalars, [2.5])
        let bad = try CSVTable.parse("a,y\n1,2\n2,oops\n", file: "r.csv")
        assertDataError(try bad.dataset(target: "y", task: .regression), ["r.csv", "line 3, column 2", "not a number: 'oops'"])
    }

    func testMalformedFiles() throws {
        let dir = try makeTemporaryDirectory(self)
        func check(_ text: String, _ fragments: [String], line: UInt = #line) throws {
            let url = try write(text, in: dir, "bad-\(line).csv")
            assertDataError(try CSVTable.read(url), [url.path] + fragments, line: line)
        }
        try check("a,b,c\n1,2,3\n4,5\n", ["line 3", "expected 3 fields", "found 2"])
        try check("a,b\n1,2\n3,4,5\n", ["line 3", "expected 2 fields", "found 3"])
        try check("a,b\n1,\"unclosed\n2,3\n", ["line 2, column 3", "unterminated quoted field"])
        try check("a,b\n1,\"x\"y\n", ["line 2, column 6", "after a closing quote"])
        try check("", ["empty file"])
        try check("\n\n", ["empty file"])
        try check("a,a\n1,2\n", ["line 1, column 2", "duplicate column name 'a'"])
        let t = try CSVTable.parse("a,b\n1,2\n", file: "u.csv")
        assertDataError(try t.dataset(target: "species", task: .classification), ["u.csv", "line 1", "unknown target column 'species'", "available columns: a, b"])
        assertDataError(try CSVTable.parse("a,b\n", file: "h.csv").dataset(target: "b", task: .regression), ["h.csv", "no data rows"])
        let missing = dir.appendingPathComponent("none.csv")
        assertDataError(try CSVTable.read(missing), [missing.path, "no such file"])
    }
}
