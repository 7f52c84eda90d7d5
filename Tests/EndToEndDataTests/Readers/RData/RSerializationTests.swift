import Foundation
import XCTest
@testable import EndToEndData

/// .rds and .rda files written by Rscript (scripts/make_rdata_fixtures.R); expected values
/// are the R literals in that script.
final class RSerializationTests: XCTestCase {
    func fixture(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/RData/\(name)")
    }

    func check(_ x: RObject) throws {
        guard case .list(let parts) = x.payload, let names = x.names else { return XCTFail("not a named list") }
        func part(_ n: String) throws -> RObject { try XCTUnwrap(names.firstIndex(of: n).map { parts[$0] }, n) }
        guard case .integer(let ints) = try part("ints").payload else { return XCTFail("ints") }
        XCTAssertEqual(ints, [1, Int32.min, -3])
        guard case .double(let d) = try part("dbl").payload else { return XCTFail("dbl") }
        XCTAssertEqual(d[0], 1.5)
        XCTAssertTrue(d[1].isNaN && d[1].bitPattern & 0xFFFF_FFFF == 1954, "NA_real_ keeps payload 1954")
        XCTAssertTrue(d[2].isNaN && d[2].bitPattern & 0xFFFF_FFFF != 1954)
        XCTAssertEqual(Array(d[3...]), [.infinity, -.infinity])
        guard case .string(let s) = try part("chr").payload else { return XCTFail("chr") }
        XCTAssertEqual(s, ["a", nil, "été"])
        let fac = try RColumn(part("fac"), name: "fac", frame: "x")
        guard case .factor(let codes, let levels) = fac else { return XCTFail("fac") }
        XCTAssertEqual(codes, [0, 1, nil, 0]); XCTAssertEqual(levels, ["lo", "hi"])
        guard case .integer(let seq) = try part("seq").payload else { return XCTFail("seq") }
        XCTAssertEqual(seq, Array(1...10))
        let df = try RDataFrame(part("df"), name: "df")
        XCTAssertEqual(df.rowCount, 3)
        XCTAssertEqual(try df.column("b").strings(), ["x", "y", "z"])
        XCTAssertEqual(try df.column("a").doubles(), [1, 2, 3])
        let tib = try RDataFrame(part("tib"), name: "tib")
        XCTAssertEqual(tib.rowCount, 2)
        XCTAssertEqual(try tib.column("p").doubles(), [2.5, 3.5])
        guard case .list(let nested) = try part("nested").payload, case .list(let inner) = nested[0].payload,
              case .string(let two) = inner[1].payload else { return XCTFail("nested") }
        XCTAssertEqual(two, ["two"])
        guard case .string(let note)? = nested[1].attribute("note")?.payload else { return XCTFail("attr") }
        XCTAssertEqual(note, ["hi"])
        for env in ["env1", "env2"] {     // the second is a reference to the first
            let e = try part(env)
            guard case .other(type: 4) = e.payload else { return XCTFail(env) }
            guard case .integer(let k)? = e.bindings.first(where: { $0.name == "k" })?.value.payload else { return XCTFail(env) }
            XCTAssertEqual(k, [42])
        }
    }

    func testRDSVersions2And3() throws {
        try check(RSerialization.readRDS(fixture("objects_v2.rds")))
        try check(RSerialization.readRDS(fixture("objects_v3.rds")))
    }

    func testRDataFile() throws {
        let objects = try RSerialization.readRData(fixture("pair.rda"))
        XCTAssertEqual(objects.map(\.name), ["a", "b"])
        guard case .integer(let a) = objects[0].value.payload, case .string(let b) = objects[1].value.payload else { return XCTFail() }
        XCTAssertEqual(a, [1, 2, 3]); XCTAssertEqual(b, ["text"])
    }
}
