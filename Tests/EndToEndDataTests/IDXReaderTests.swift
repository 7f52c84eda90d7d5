import EndToEnd
import Foundation
import XCTest
@testable import EndToEndData

final class IDXReaderTests: XCTestCase {
    static func idx(type: UInt8, dims: [Int], payload: [UInt8]) -> [UInt8] {
        var b: [UInt8] = [0, 0, type, UInt8(dims.count)]
        for d in dims { b += [UInt8(d >> 24 & 0xFF), UInt8(d >> 16 & 0xFF), UInt8(d >> 8 & 0xFF), UInt8(d & 0xFF)] }
        return b + payload
    }

    /// A minimal gzip member around `data`: one stored block (valid CRC and ISIZE).
    static func gzipStored(_ data: [UInt8]) -> [UInt8] {
        let n = data.count
        var b: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 255, 1, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
        b += data
        let crc = CRC32.checksum(data)
        b += [UInt8(crc & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 24)]
        b += [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), 0, 0]
        return b
    }

    func write(_ bytes: [UInt8], _ name: String, in dir: URL) throws -> URL {
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    func testImagesAndLabelsRawAndGzip() throws {
        let dir = try makeTemporaryDirectory(self)
        let pixels: [UInt8] = (0..<(2 * 3 * 2)).map { UInt8($0 * 20) }
        let img = Self.idx(type: 0x08, dims: [2, 3, 2], payload: pixels)
        for (name, bytes) in [("img", img), ("img.gz", Self.gzipStored(img))] {
            let t = try IDX.readImages(try write(bytes, name, in: dir))
            XCTAssertEqual(t.shape, [2, 1, 3, 2])
            XCTAssertEqual(t.scalars, pixels.map { Float($0) / 255 })
        }
        let labels = try IDX.readLabels(try write(Self.gzipStored(Self.idx(type: 0x08, dims: [4], payload: [3, 1, 4, 1])), "l.gz", in: dir))
        XCTAssertEqual(labels, IntTensor([3, 1, 4, 1]))
    }

    func testAllTypes() throws {
        let dir = try makeTemporaryDirectory(self)
        let cases: [(UInt8, [UInt8], [Float])] = [
            (0x09, [0xFF, 0x02], [-1, 2]),
            (0x0B, [0xFF, 0xFE, 0x01, 0x00], [-2, 256]),
            (0x0C, [0xFF, 0xFF, 0xFF, 0xFD, 0, 1, 0, 0], [-3, 65536]),
            (0x0D, [0x3F, 0xC0, 0, 0, 0xC0, 0x20, 0, 0], [1.5, -2.5]),
            (0x0E, [0x3F, 0xF8, 0, 0, 0, 0, 0, 0, 0xC0, 0x04, 0, 0, 0, 0, 0, 0], [1.5, -2.5]),
        ]
        for (type, payload, expected) in cases {
            let a = try IDX.read(contentsOf: try write(Self.idx(type: type, dims: [2], payload: payload), "t\(type)", in: dir))
            XCTAssertEqual(a.shape, [2])
            XCTAssertEqual(a.floatValues(), expected, "type \(type)")
            if a.dataType.isInteger { XCTAssertEqual(try a.integerValues(), expected.map { Int32($0) }) }
        }
        let f = try write(Self.idx(type: 0x0D, dims: [1], payload: [0, 0, 0, 0]), "f", in: dir)
        assertDataError(try IDX.readLabels(f), [f.path, "byte 2", "expected integer data"])
    }

    func testMalformedFiles() throws {
        let dir = try makeTemporaryDirectory(self)
        func check(_ bytes: [UInt8], _ fragments: [String], line: UInt = #line) throws {
            let url = try write(bytes, "bad-\(line)", in: dir)
            assertDataError(try IDX.read(contentsOf: url), [url.path] + fragments, line: line)
        }
        try check([1, 0, 8, 1, 0, 0, 0, 0], ["byte 0", "bad IDX magic 01 00 08 01"])
        try check([0, 0, 0x0A, 1, 0, 0, 0, 0], ["byte 2", "unsupported IDX element type 0x0a"])
        try check([0, 0, 8], ["truncated IDX header"])
        try check([0, 0, 8, 2, 0, 0, 0, 1], ["byte 8", "truncated IDX header", "2 dimensions need 12"])
        try check(Self.idx(type: 8, dims: [2, 3], payload: [1, 2, 3, 4]), ["byte 16", "truncated IDX data", "needs 6 bytes", "found 4"])
        try check(Self.idx(type: 0x0C, dims: [2], payload: [0, 0, 0, 1, 0, 0]), ["truncated IDX data", "needs 8 bytes", "found 6"])
        try check(Self.idx(type: 8, dims: [2], payload: [1, 2, 3]), ["byte 10", "trailing garbage", "1 unexpected bytes"])
        try check(Self.gzipStored(Self.idx(type: 8, dims: [3], payload: [1])), ["of the decompressed data", "truncated IDX data"])
        var gz = Self.gzipStored(Self.idx(type: 8, dims: [1], payload: [7]))
        gz[gz.count - 8] ^= 0xFF
        try check(gz, ["CRC32 mismatch"])
        try check(Array(Self.gzipStored(Self.idx(type: 8, dims: [1], payload: [7])).dropLast(10)), ["truncated"])
        try check([], ["empty file"])
        let missing = dir.appendingPathComponent("nope.idx")
        assertDataError(try IDX.read(contentsOf: missing), [missing.path, "no such file"])
        let img = try write(Self.idx(type: 8, dims: [4], payload: [1, 2, 3, 4]), "rank1", in: dir)
        assertDataError(try IDX.readImages(img), [img.path, "expected images with 3 dimensions"])
    }
}
