import EndToEndTraining
import Foundation
import XCTest

final class JSONValueCodableTests: XCTestCase {
    func roundTrip(_ v: JSONValue) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(v))
    }

    func testValuesReadBackExactlyWithKeyOrderAndNumberKinds() throws {
        let v: JSONValue = .object([
            ("z", .int(1)), ("a", .double(1)), ("m", .array([.null, .bool(true), .bool(false), .string("x \"y\"\n"), .int(-7)])),
            ("third", .double(1.0 / 3.0)), ("tiny", .double(5e-324)), ("nan", .double(.nan)), ("inf", .double(.infinity)),
            ("minf", .double(-.infinity)), ("nested", .object([("b", .object([])), ("a", .array([]))])),
        ])
        let back = try roundTrip(v)
        XCTAssertEqual(back, v)
        guard case .object(let members) = back else { return XCTFail("not an object") }
        XCTAssertEqual(members.map(\.0), ["z", "a", "m", "third", "tiny", "nan", "inf", "minf", "nested"])
        guard case .int = members[0].1, case .double(let third) = members[3].1, case .double(let zero) = try roundTrip(.double(-0.0)) else {
            return XCTFail("number kinds changed: \(back)")
        }
        XCTAssertEqual(third.bitPattern, (1.0 / 3.0).bitPattern)
        XCTAssertEqual(zero.bitPattern, (-0.0).bitPattern)
    }

    func testMalformedInputIsADecodingError() {
        for bad in ["{\"double\": \"one\"}", "{\"object\": [[\"k\"]]}", "{\"object\": [[\"k\", 1, 2]]}", "{\"object\": [[1, 2]]}",
                    "{\"what\": 1}", "1.5", "{\"int\": 1.5}"] {
            XCTAssertThrowsError(try JSONDecoder().decode(JSONValue.self, from: Data(bad.utf8)), bad)
        }
    }
}
