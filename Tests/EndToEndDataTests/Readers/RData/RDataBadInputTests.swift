import Foundation
import XCTest
@testable import EndToEndData

/// LZMA2 against Python's lzma, and malformed R data giving clean errors.
final class RDataBadInputTests: XCTestCase {
    func testLZMA2MatchesPythonLzma() throws {
        for f in lzma2Fixtures {
            let stream = try XCTUnwrap(Data(base64Encoded: f.stream), f.name)
            let out = try LZMA2Decoder.decompress([UInt8](stream), expectedSize: f.size, limit: 1 << 26, file: f.name)
            XCTAssertEqual(out.count, f.size, f.name)
            XCTAssertEqual(CRC32.checksum(out), f.crc32, f.name)
        }
    }

    func testLZMA2CorruptTruncatedAndOverLimit() throws {
        let f = try XCTUnwrap(lzma2Fixtures.first { $0.name == "text" })
        let stream = [UInt8](try XCTUnwrap(Data(base64Encoded: f.stream)))
        assertDataError(try LZMA2Decoder.decompress(Array(stream.prefix(stream.count / 2)), limit: 1 << 20, file: "t"), ["t: byte"])
        assertDataError(try LZMA2Decoder.decompress(stream, limit: 100, file: "t"), ["limit of 100"])
        assertDataError(try LZMA2Decoder.decompress(stream, expectedSize: f.size + 1, limit: 1 << 20, file: "t"), ["expected"])
        for i in stride(from: 1, to: stream.count, by: 7) {    // bit flips: an error or some output, never a trap
            var bad = stream
            bad[i] ^= 0x10
            _ = try? LZMA2Decoder.decompress(bad, expectedSize: f.size, limit: 1 << 20, file: "t")
        }
    }

    /// XDR serialization v2 header, then `items`.
    func serialized(_ items: [Int32]) -> [UInt8] {
        var b: [UInt8] = Array("X\n".utf8)
        for v in [Int32(2), 0x040000, 0x020300] + items { withUnsafeBytes(of: v.bigEndian) { b += $0 } }
        return b
    }

    func testSerializationBadInput() throws {
        // An integer vector c(1, NA).
        let ok = try RSerialization.decode(Data(serialized([13, 2, 1, Int32.min])), source: "m")
        guard case .integer(let v) = ok.payload else { return XCTFail("not an integer vector") }
        XCTAssertEqual(v, [1, Int32.min])
        assertDataError(try RSerialization.decode(Data(serialized([13, 2, 1])), source: "m"), ["m: byte", "only 4 bytes remain"])
        assertDataError(try RSerialization.decode(Data(serialized([13, Int32.max])), source: "m"), ["declares 2147483647"])
        assertDataError(try RSerialization.decode(Data(serialized([16, 1 << 30])), source: "m"), ["declares"])
        assertDataError(try RSerialization.decode(Data(serialized([99])), source: "m"), ["unknown R SEXP type 99"])
        assertDataError(try RSerialization.decode(Data(serialized([255 | (5 << 8)])), source: "m"), ["reference 5"])
        // 1000 nested lists of length 1.
        assertDataError(try RSerialization.decode(Data(serialized(Array(repeating: [19, 1], count: 1000).flatMap { $0 } + [254])), source: "m"),
                        ["nested deeper than 512"])
        assertDataError(try RSerialization.decode(Data("A\n".utf8), source: "m"), ["ASCII"])
    }
}
