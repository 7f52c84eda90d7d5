import EndToEnd
import Foundation
import XCTest
@testable import EndToEndData

final class NPYReaderTests: XCTestCase {
    /// An .npy file as NumPy writes it (header padded to 64 bytes).
    static func npy(_ dict: String, _ payload: [UInt8], version: UInt8 = 1) -> [UInt8] {
        let lenBytes = version == 1 ? 2 : 4
        var header = dict
        let unpadded = 8 + lenBytes + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let hl = header.utf8.count
        var b: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
        for k in 0..<lenBytes { b.append(UInt8((hl >> (8 * k)) & 0xFF)) }
        return b + Array(header.utf8) + payload
    }

    static func le<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { v in (0..<MemoryLayout<T>.size).map { UInt8(truncatingIfNeeded: v.littleEndian >> (8 * $0)) } }
    }

    func write(_ bytes: [UInt8], in dir: URL, _ name: String) throws -> URL {
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    func testDtypesAndVersions() throws {
        let dir = try makeTemporaryDirectory(self)
        let f4 = Self.le([Float(1.5), -2, 3, 4, 5, 6].map(\.bitPattern))
        for v: UInt8 in [1, 2, 3] {
            let url = try write(Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", f4, version: v), in: dir, "v\(v).npy")
            let t = try NPY.read(url)
            XCTAssertEqual(t.shape, [2, 3])
            XCTAssertEqual(t.scalars, [1.5, -2, 3, 4, 5, 6])
        }
        let cases: [(String, [UInt8], [Int32])] = [
            ("<i4", Self.le([Int32(-1), 7, 9]), [-1, 7, 9]),
            ("<i8", Self.le([Int64(-5), 1 << 20, 3]), [-5, 1 << 20, 3]),
            ("|u1", [255, 0, 1], [255, 0, 1]),
            ("|i1", [255, 0, 1], [-1, 0, 1]),
            ("<u2", Self.le([UInt16(65535), 1, 2]), [65535, 1, 2]),
            ("<i2", Self.le([Int16(-300), 1, 2]), [-300, 1, 2]),
        ]
        for (descr, payload, expected) in cases {
            let url = try write(Self.npy("{'descr': '\(descr)', 'fortran_order': False, 'shape': (3,), }", payload), in: dir, "d.npy")
            XCTAssertEqual(try NPY.readIntegers(url), IntTensor(expected), descr)
            XCTAssertEqual(try NPY.read(url).scalars, expected.map { Float($0) }, descr)
        }
        let f8 = try write(Self.npy("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", Self.le([(0.25 as Double).bitPattern])), in: dir, "s.npy")
        XCTAssertEqual(try NPY.read(f8).shape, [])
        XCTAssertEqual(try NPY.read(f8).scalars, [0.25])
        assertDataError(try NPY.readIntegers(f8), [f8.path, "not an integer type"])
    }

    func testFortranOrderIsTransposed() throws {
        let dir = try makeTemporaryDirectory(self)
        // np.asfortranarray([[1, 2, 3], [4, 5, 6]]) stores 1 4 2 5 3 6.
        let url = try write(Self.npy("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }", Self.le([Int32(1), 4, 2, 5, 3, 6])), in: dir, "f.npy")
        XCTAssertEqual(try NPY.readIntegers(url), IntTensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]))
        XCTAssertEqual(try NPY.read(url).scalars, [1, 2, 3, 4, 5, 6])
    }

    func testWriteRoundTrip() throws {
        let dir = try makeTemporaryDirectory(self)
        let url = dir.appendingPathComponent("w.npy")
        let t = Tensor(shape: [2, 2, 3], scalars: (0..<12).map { Float($0) * 0.5 })
        try NPY.write(t, to: url)
        try NPY.write(t, to: url)  // replaces atomically
        let back = try NPY.read(url)
        XCTAssertEqual(back.shape, [2, 2, 3])
        XCTAssertEqual(back.scalars, t.scalars)
        let bytes = [UInt8](try Data(contentsOf: url))
        XCTAssertEqual((10 + Int(bytes[8]) + Int(bytes[9]) << 8) % 64, 0)
        XCTAssertEqual(try NPY.readHeader(url), NPY.Header(descr: "<f4", fortranOrder: false, shape: [2, 2, 3], dataOffset: 128))
        try NPY.write(Tensor(shape: [3], scalars: [1, 2, 3]), to: url)
        XCTAssertEqual(try NPY.read(url).shape, [3])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["w.npy"])  // no temp files left
    }

    func testIntegerWriteRoundTrip() throws {
        let dir = try makeTemporaryDirectory(self)
        let url = dir.appendingPathComponent("labels.npy")
        let labels = IntTensor(shape: [5], scalars: [0, 1, 1, -3, 70000])
        try NPY.write(labels, to: url)
        XCTAssertEqual(try NPY.readIntegers(url), labels)
        XCTAssertEqual(try NPY.readHeader(url), NPY.Header(descr: "<i4", fortranOrder: false, shape: [5], dataOffset: 128))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["labels.npy"])
    }

    func testMalformedFiles() throws {
        let dir = try makeTemporaryDirectory(self)
        func check(_ bytes: [UInt8], _ fragments: [String], line: UInt = #line) throws {
            let url = try write(bytes, in: dir, "bad-\(line).npy")
            assertDataError(try NPY.read(url), [url.path] + fragments, line: line)
        }
        let good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"
        let data = Self.le([Float(1), 2].map(\.bitPattern))
        try check(Array("PK\u{3}\u{4}xxxx".utf8), ["byte 0", "bad magic 50 4b 03 04"])
        try check([0x93] + Array("NUMPY".utf8) + [4, 0, 0, 0], ["byte 6", "unsupported .npy format version 4.0"])
        try check(Self.npy(good.replacingOccurrences(of: "<f4", with: ">f4"), data), ["big-endian dtype '>f4'"])
        try check(Self.npy(good.replacingOccurrences(of: "<f4", with: "<c8"), data), ["unsupported dtype '<c8'"])
        try check(Self.npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", data), ["structured"])
        try check(Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,, }", data), ["header, character", "malformed header"])
        try check(Self.npy("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,), }", data), ["malformed header", "unexpected word 'Maybe'"])
        try check(Self.npy("{'descr': '<f4', 'shape': (2,), }", data), ["malformed header", "fortran_order"])
        try check(Self.npy(good, Array(data.dropLast())), ["byte 128", "data size mismatch", "needs 8 bytes, file has 7", "truncated"])
        try check(Self.npy(good, data + [0]), ["data size mismatch", "trailing bytes"])
        try check(Array(Self.npy(good, data).prefix(30)), ["truncated header"])
        try check([], ["empty file"])
        let url = try write(Self.npy("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", Self.le([Int64(1) << 40])), in: dir, "big.npy")
        assertDataError(try NPY.readIntegers(url), [url.path, "byte 128", "does not fit in Int32"])
    }
}
