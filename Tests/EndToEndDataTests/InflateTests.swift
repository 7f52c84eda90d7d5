import EndToEnd
import Foundation
import XCTest
@testable import EndToEndData

/// A fresh temporary directory, removed at the end of the test.
func makeTemporaryDirectory(_ test: XCTestCase) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-readers-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir
}

/// Asserts that `body` throws a `DataError` whose description contains every fragment.
func assertDataError<T>(
    _ body: @autoclosure () throws -> T, _ fragments: [String],
    file: StaticString = #filePath, line: UInt = #line
) {
    do {
        _ = try body()
        XCTFail("expected a DataError containing \(fragments)", file: file, line: line)
    } catch let e as DataError {
        for f in fragments where !e.description.contains(f) {
            XCTFail("error \"\(e.description)\" does not contain \"\(f)\"", file: file, line: line)
        }
    } catch {
        XCTFail("expected a DataError, got \(error)", file: file, line: line)
    }
}

final class InflateTests: XCTestCase {
    // Generated with Python's gzip/zlib (see each comment); mtime 0.
    // gzip.compress(bytes(range(256))*3, compresslevel=0): one stored block.
    static let storedGZ = "H4sIAAAAAAAEAwEAA//8AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+AgYKDhIWGh4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/wABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj9AQUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVpbXF1eX2BhYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ent8fX5/gIGCg4SFhoeIiYqLjI2Oj5CRkpOUlZaXmJmam5ydnp+goaKjpKWmp6ipqqusra6vsLGys7S1tre4ubq7vL2+v8DBwsPExcbHyMnKy8zNzs/Q0dLT1NXW19jZ2tvc3d7f4OHi4+Tl5ufo6err7O3u7/Dx8vP09fb3+Pn6+/z9/v8AAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4/QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl9gYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoOEhYaHiImKi4yNjo+QkZKTlJWWl5iZmpucnZ6foKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9vr/AwcLDxMXGx8jJysvMzc7P0NHS09TV1tfY2drb3N3e3+Dh4uPk5ebn6Onq6+zt7u/w8fLz9PX29/j5+vv8/f7/Kt/AsAADAAA="
    // gzip.compress(b"hello hello hello, fixed huffman!"): one fixed-Huffman block.
    static let fixedGZ = "H4sIAAAAAAACA8tIzcnJV8hAkDoKaZkVqSkKGaVpabmJeYoAbe7imyEAAAA="
    // gzip.compress(lcgText(), compresslevel=9): a dynamic-Huffman block.
    static let dynamicGZ = "H4sIAAAAAAACAyWWUY4kIQxD/zlFrhaJSCAhIkG4fz9Xr3Z7droocGzHIerF7uaREdPbHNV3eVRFVL9mM2yn5SgfaeVm58X1W8aX2SI8Jktay2HZux0PW7ZbmP7wC3uUOavSfNZ2/hs38oTnjtzGjtMy0gTA2hgRWXaD4582j3nTeZggrD2v5Xatz5qs46y4c7EgYuS4FeV7VuTlGG/FDrHrbv1mp55VDi/bOyxvHJVXGVaravc3/gvZJBoYO5UJdRMf2+6oGHtBzDSOyfdMyPpeK5YA+0uW7vPtAYjNT8/D4ly3O7u3XSVW4t5MeM2VCURQeesUHuOOULWzYNtBc8GRXfTPC2i3Wz0pq7z2njABhDnfiMPb02+HmHtSAh5en5vj2IJzg/op9Ni7zleGIAkPaQaCPaAALCW9qaJyDt8IkDMfeAohrNjXZyybVIZ6wWl8wv2+fMtiMCEkR1lB7BYoR9aP/Dz7+dgZ7cWK95ojRGVbIDTpjwS5fEfTG9KA0qoVircVKMNvdjfgrW3UL3sc5Nv2lB0gC2IurLXpwmlrHBZ8FoVxCLQLev3/7d1hsO+xK3US6sLpxU2dcg6/LGqYUmaa1Ich/mI4Cuap9eM8rYPhro+6sIVTfaE3duW91BuJ9yimqEwIkAe27id/nZcTb8X9CESE0NHCivnNGstedAMeZ/BjSJ5cknE/zLFxaNyGjA9I83M6fFqokTYfDpGomShzseNRy96kcOqCV4STn3SU/q2FWToPP6wgptYGM31PdtZqqw8gVEir+bAPj7b8stHIC0tOFZuqROaWowGJD6grX8j5DSONxt4fS3dPs3u/1MAFSL7XiVinFwJBQDgVzyVfSmRoOrOeih3m/S1OX1vUubAoxPyREjQczpdmHLeGPfVWY0u7EPtopR2f3aH3sO2gjamHhi5DQ44DP58Rh/PzLYWCx3GTi9oatCeAqHnbo7cugiLBmXP2JPC+grEH9X9qylhIFv3cxynYh5gNhV/28oZNdgFT1JJGnDXHANZFB+2V2s0Hjyf9oa5hr4P4n3VI1f0FJA7koTdbd34ms0ZYBD25vnDCf6624tieHRGWurjkRtLNLwtoqqsgpkUMVqB3QNINmZ2txdSXYLCETGIXi9BiCpeX4ynIsQIPSSwqF362EHOx3nAfnYWltOTVsTkQP8LdogpW+pKFAGQxGTZ4n8giKwH54LMDDuPBKRmu4IQYQKokwhluFtOCB8Q0NGJE3PiUP1gVEDNlNawkViF6UWnKYaU8JeUYDiQiXIOzGH9ZjAhiyP1LabU1AYd0oRlDB/nuU9UmRp5k01XOSFfWd7DjoomrJCSd/reqJk9JN03K9Ocp1TnzGzZbfOSdU4nmZPDUAOHxYEaE43RwfBKoYUTCQzk2WBqBBYXO3EtCOgm05sFo4zENh4jl54CAAe//zKOhLg1xa1EjaFIxP/ww4lyHWp+KrOo2UMn88zT0J3NJc02BABiZqIPkUvf6RomC6HIkpd91AU6snNIAVxQ8Nb8S3QZ9GXdwxD0oNiEKuqlr7oY54KcnHQrVT3eSqYOlVUO4xhbbjkITZF03hxSXAkaSmap2RopSOu4/u2AQwM9gnS8YCFDMVKalNORQ0b8uY7bU1xqvvuDG5ZCuxEBa+snqFrZvnUkHd6/+VuJMXX0onoSbEtC6z+8Lgo4PjN/1paBc39qNp7T2l/rEfQM0SjBKNa67bjUCBUcMa6hc9GVQeGjhUQD4l9hOyKHn1ci5okOz5sjS+G0lPhxH7djkYS5c0jC/0Us0+Rcc7EwK+NCK8c1g8kLzy9Rjg0107yipsrlzhLKEwfwF6f+CwLGAfCWH8uKAodP0sBWjWMVzgs3BvGEjzZH48sjmZR4crCpbd+WvZh8O4q5yttq1vgGqLKMgda60uHefLdpnW1REeit0MHwQFA/sXAK6aSBzQk2GpYkhBFNL1NxivjOymxo2lbO8pjqnLjXytsvqqH3RhuH+XYD2cmFUzieX1D8iVMS0txUJKbqJR1f6ZpdD9+bGp9Z1iGs0ha7W/wEgVTT2lVM4TJdvkHMzHkqDV00tz92x0wmrCEhiv838AWRul224CwAA"
    // A hand-built member with FHCRC, FEXTRA, FNAME and FCOMMENT, payload b"flags test payload " * 5.
    static let flagsGZ = "H4sIHgAAAAAA/wQAYWIAAW5hbWUudHh0AGEgY29tbWVudAAwnUvLSUwvVihJLS5RKEiszMlPTFFIo6IQACWTHyFfAAAA"
    // Two members: gzip.compress(b"first member\n") + gzip.compress(b"second member\n").
    static let multiGZ = "H4sIAAAAAAACA0vLLCouUchNzU1KLeICAKf0hQoNAAAAH4sIAAAAAAACAytOTc7PS1HITc1NSi3iAgA2GEsODgAAAA=="
    // zlib.compressobj(9, DEFLATED, -15) of the 1,500-byte text below: raw deflate.
    static let rawDeflate = "C8lIVSgszUzOVkgqyi/PU0jLr1DIKs0tKFbIL0stUigBSuckVlUqpOSn6ymEjCoeVTyqmNqKGdj5RGWUtQwt7N18Q6KTMgvK61p7Js9auGL9tr1HTl+6+eD5u6+MHPxisiraRpYO7n6hMclZhRX1bb1TZi9auWH7vqNnLt96+OL9NyZOAXE5VR1jK0cP/7DYlOyiyob2vqlzFq/auGP/sbNXbj96+eE7M5eghLyarom1k2dAeFxqTnFVY0f/tLlLVm/aeeD4uat3Hr/6+IOFW0hSQV3P1MbZKzAiPi23pLqpc8L0eUvXbN518MT5a3efvP70k5VHWEpRQ9/M1sU7KDIhPa+0prlr4oz5y9Zu2X3o5IXr956++fyLjVdEWknTwNzO1Sc4KjEjv6y2pXvSzAXL123dc/jUxRv3n739Mup1GnodAA=="

    static func bytes(_ b64: String) -> [UInt8] { [UInt8](Data(base64Encoded: b64)!) }

    /// The text behind dynamicGZ (same LCG as the Python generator).
    static func lcgText() -> [UInt8] {
        let alpha = Array("eeeeeeeetttttaaaaooooiinnsshrdlu     \n".utf8)
        var x: UInt64 = 42
        return (0..<3000).map { _ in
            x = (x &* 1_103_515_245 &+ 12345) % (1 << 31)
            return alpha[Int(x >> 16) % alpha.count]
        }
    }

    static func rawText() -> [UInt8] {
        Array(String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 20).utf8) + (0..<600).map { UInt8($0 * 7 % 251) }
    }

    func testStoredBlock() throws {
        let g = Self.bytes(Self.storedGZ)
        XCTAssertEqual((g[10] >> 1) & 3, 0)
        XCTAssertEqual(try Gzip.decompress(g), Array(repeating: Array(0...255), count: 3).flatMap { $0 }.map { UInt8($0) })
    }

    func testFixedBlock() throws {
        let g = Self.bytes(Self.fixedGZ)
        XCTAssertEqual((g[10] >> 1) & 3, 1)
        XCTAssertEqual(try Gzip.decompress(g), Array("hello hello hello, fixed huffman!".utf8))
    }

    func testDynamicBlock() throws {
        let g = Self.bytes(Self.dynamicGZ)
        XCTAssertEqual((g[10] >> 1) & 3, 2)
        let out = try Gzip.decompress(g)
        XCTAssertEqual(out, Self.lcgText())
        XCTAssertEqual(CRC32.checksum(out), 1_838_640_740)  // zlib.crc32 of the text
    }

    func testHeaderFlagsAndMultiMember() throws {
        XCTAssertEqual(try Gzip.decompress(Self.bytes(Self.flagsGZ)), Array(String(repeating: "flags test payload ", count: 5).utf8))
        XCTAssertEqual(try Gzip.decompress(Self.bytes(Self.multiGZ)), Array("first member\nsecond member\n".utf8))
        // Zero padding after the last member is tolerated, like gzip(1).
        XCTAssertEqual(try Gzip.decompress(Self.bytes(Self.fixedGZ) + [0, 0, 0]), Array("hello hello hello, fixed huffman!".utf8))
    }

    func testRawDeflate() throws {
        XCTAssertEqual(try Inflate.inflate(Self.bytes(Self.rawDeflate)), Self.rawText())
        assertDataError(try Inflate.inflate(Self.bytes(Self.rawDeflate) + [1, 2], file: "x.deflate"), ["x.deflate", "byte 325", "trailing garbage"])
    }

    func testCRC32() {
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(CRC32.checksum([]), 0)
    }

    func testCorruptInputs() throws {
        let dir = try makeTemporaryDirectory(self)
        func check(_ name: String, _ bytes: [UInt8], _ fragments: [String], line: UInt = #line) throws {
            let url = dir.appendingPathComponent(name)
            try Data(bytes).write(to: url)
            assertDataError(try Gzip.decompress(contentsOf: url), [url.path] + fragments, line: line)
        }
        let dyn = Self.bytes(Self.dynamicGZ)
        // Flip a byte in the compressed data: either a decode error or a CRC mismatch, never a crash.
        var flipped = dyn
        flipped[dyn.count - 9] ^= 0x55
        try check("flipped.gz", flipped, ["byte"])
        // CRC mismatch: change the stored CRC.
        var badCRC = dyn
        badCRC[dyn.count - 8] ^= 1
        try check("crc.gz", badCRC, ["byte \(dyn.count - 8)", "CRC32 mismatch"])
        var badSize = dyn
        badSize[dyn.count - 1] ^= 1
        try check("isize.gz", badSize, ["byte \(dyn.count - 4)", "ISIZE mismatch"])
        // Block type 3 (reserved): first deflate byte 0b111 = final, type 3.
        try check("btype.gz", Array(dyn[0..<10]) + [0x07, 0, 0, 0], ["byte 10", "invalid deflate block type 3"])
        // Truncated streams at several places.
        for cut in [12, 100, dyn.count / 2, dyn.count - 9] {
            try check("cut\(cut).gz", Array(dyn[0..<cut]), ["truncated", "byte \(cut)"])
        }
        try check("trailer.gz", Array(dyn[0..<(dyn.count - 3)]), ["truncated gzip trailer"])
        try check("header.gz", Array(dyn[0..<6]), ["byte 0", "truncated gzip header"])
        try check("magic.gz", [0x1F, 0x8C] + Array(dyn[2...]), ["byte 0", "bad gzip magic 1f 8c"])
        try check("method.gz", [0x1F, 0x8B, 7] + Array(dyn[3...]), ["byte 2", "compression method 7"])
        try check("garbage.gz", Self.bytes(Self.fixedGZ) + [0x41, 0x42], ["byte 44", "trailing garbage"])
        var hcrc = Self.bytes(Self.flagsGZ)
        hcrc[16] ^= 1  // inside FEXTRA, covered by the header CRC
        try check("hcrc.gz", hcrc, ["header CRC16 mismatch"])
        // Stored block with a bad NLEN.
        var stored = Self.bytes(Self.storedGZ)
        stored[13] ^= 0xFF
        try check("nlen.gz", stored, ["byte 11", "stored block length check failed"])
        try check("empty.gz", [], ["empty file"])
    }

    func testRandomCorruptionNeverCrashes() {
        var rng = RandomGenerator(seed: 7)
        let base = Self.bytes(Self.dynamicGZ)
        for _ in 0..<300 {
            var b = base
            for _ in 0..<(1 + rng.nextInt(below: 4)) { b[10 + rng.nextInt(below: b.count - 10)] = UInt8(rng.nextInt(below: 256)) }
            if rng.nextInt(below: 3) == 0 { b = Array(b[0..<(10 + rng.nextInt(below: b.count - 10))]) }
            do {
                let out = try Gzip.decompress(b, file: "fuzz.gz")
                XCTAssertEqual(out, Self.lcgText())  // only if the change was harmless
            } catch let e as DataError {
                XCTAssertTrue(e.description.hasPrefix("fuzz.gz: byte "), e.description)
            } catch { XCTFail("\(error)") }
        }
    }

    func testRealFashionMNISTFiles() throws {
        let dir = FashionMNIST.defaultDirectory
        guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("train-labels-idx1-ubyte.gz").path) else {
            throw XCTSkip("Fashion-MNIST not installed at \(dir.path) (apt-get install dataset-fashion-mnist)")
        }
        let labels = try Gzip.decompress(contentsOf: dir.appendingPathComponent("train-labels-idx1-ubyte.gz"))
        XCTAssertEqual(labels.count, 60_008)
        XCTAssertEqual(Array(labels[0..<8]), [0, 0, 8, 1, 0, 0, 0xEA, 0x60])
        let images = try Gzip.decompress(contentsOf: dir.appendingPathComponent("t10k-images-idx3-ubyte.gz"))
        XCTAssertEqual(images.count, 16 + 10_000 * 784)
        XCTAssertEqual(Array(images[0..<4]), [0, 0, 8, 3])
    }
}
