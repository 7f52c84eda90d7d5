import EndToEnd
import EndToEndKernels
import Foundation
import XCTest
@testable import EndToEndData

/// `Gzip.decompress` tries the system's zlib first: it must accept exactly what the Swift
/// decoder accepts, with the same bytes, and leave every error to the Swift decoder.
final class InflateSystemZlibTests: XCTestCase {
    override func setUpWithError() throws {
        guard SystemZlib.isAvailable else { throw XCTSkip("the system's zlib (libz.so.1) is not loadable here, or E2E_ZLIB=0") }
    }

    static let fixtures = [InflateTests.storedGZ, InflateTests.fixedGZ, InflateTests.dynamicGZ, InflateTests.flagsGZ, InflateTests.multiGZ]
        .map(InflateTests.bytes)

    func swift(_ b: [UInt8], limit: Int? = nil) throws -> [UInt8] {
        try Gzip.decompress(b, file: "t.gz", limit: limit, limitReason: nil, decoder: .swift)
    }

    func testBothDecodersGiveTheSameBytesOnEveryFixture() throws {
        for (i, b) in Self.fixtures.enumerated() {
            let reference = try swift(b)
            XCTAssertEqual(SystemZlib.gunzip(b, sizeHint: Gzip.sizeHint(b), limit: .max), .decoded(reference), "fixture \(i)")
            XCTAssertEqual(try Gzip.decompress(b), reference, "fixture \(i)")
            XCTAssertEqual(try Gzip.decompress(b + [0, 0, 0]), reference, "fixture \(i) with zero padding")
        }
    }

    func testErrorsStillComeFromTheSwiftDecoder() {
        let fixed = InflateTests.bytes(InflateTests.fixedGZ)
        assertDataError(try Gzip.decompress(fixed + [0x41, 0x42], file: "g.gz"), ["g.gz", "byte 44", "trailing garbage"])
        assertDataError(try Gzip.decompress(fixed, file: "l.gz", limit: 10, limitReason: "the size its header declares"),
                        ["l.gz", "the size its header declares"])
        var crc = fixed
        crc[fixed.count - 8] ^= 1
        assertDataError(try Gzip.decompress(crc, file: "c.gz"), ["c.gz", "CRC32 mismatch"])
    }

    /// Random damage to the dynamic-Huffman fixture: zlib accepts it exactly when the Swift
    /// decoder does, with the same output.
    func testRandomDamageIsAcceptedByBothOrByNeither() {
        var rng = RandomGenerator(seed: 11)
        let base = InflateTests.bytes(InflateTests.dynamicGZ)
        var accepted = 0, rejected = 0
        for _ in 0..<400 {
            var b = base
            for _ in 0..<(1 + rng.nextInt(below: 3)) { b[rng.nextInt(below: b.count)] = UInt8(rng.nextInt(below: 256)) }
            if rng.nextInt(below: 4) == 0 { b = Array(b[0..<(1 + rng.nextInt(below: b.count - 1))]) }
            let reference = try? swift(b)
            switch SystemZlib.gunzip(b, sizeHint: Gzip.sizeHint(b), limit: Gzip.defaultLimit(compressedCount: b.count)) {
            case .decoded(let out):
                XCTAssertEqual(out, reference, "zlib accepted what the Swift decoder rejects, or decoded other bytes")
                accepted += 1
            case .overLimit, .rejected:
                XCTAssertNil(reference, "the Swift decoder accepted what zlib rejects")
                rejected += 1
            }
        }
        XCTAssertGreaterThan(rejected, 100)
        XCTAssertGreaterThan(accepted, 0, "header bytes such as the mtime are harmless to change")
    }

    func testRealFashionMNISTImagesDecodeAlike() throws {
        let file = FashionMNIST.defaultDirectory.appendingPathComponent("t10k-images-idx3-ubyte.gz")
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw XCTSkip("Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)")
        }
        let raw = try DataFile.readBytes(file)
        let viaZlib = SystemZlib.gunzip(raw, sizeHint: Gzip.sizeHint(raw), limit: .max)
        XCTAssertEqual(viaZlib, .decoded(try swift(raw)))
    }
}
