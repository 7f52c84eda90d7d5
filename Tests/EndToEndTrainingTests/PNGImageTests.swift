import EndToEndData
import Foundation
import XCTest
@testable import EndToEndTraining

/// The PNG encoder, decoded back with the data layer's own inflate and CRC-32.
final class PNGImageTests: XCTestCase {
    struct Decoded { var width, height: Int; var colorType: UInt8; var raw: [UInt8] }

    /// A minimal PNG reader for the encoder's output: checks the signature, every chunk's
    /// CRC, the zlib header and Adler-32, and returns the filtered scanlines.
    func decode(_ data: Data, file: StaticString = #filePath, line: UInt = #line) throws -> Decoded {
        let b = [UInt8](data)
        XCTAssertEqual(Array(b[0..<8]), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], file: file, line: line)
        func be(_ i: Int) -> Int { Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3]) }
        var i = 8, idat: [UInt8] = [], result = Decoded(width: 0, height: 0, colorType: 255, raw: [])
        var types: [String] = []
        while i < b.count {
            let n = be(i)
            let type = String(decoding: b[(i + 4)..<(i + 8)], as: UTF8.self)
            let body = Array(b[(i + 8)..<(i + 8 + n)])
            XCTAssertEqual(UInt32(be(i + 8 + n)), CRC32.checksum(Array(b[(i + 4)..<(i + 8 + n)])), "CRC of \(type)", file: file, line: line)
            types.append(type)
            if type == "IHDR" {
                result.width = Int(body[0]) << 24 | Int(body[1]) << 16 | Int(body[2]) << 8 | Int(body[3])
                result.height = Int(body[4]) << 24 | Int(body[5]) << 16 | Int(body[6]) << 8 | Int(body[7])
                XCTAssertEqual(body[8], 8, "bit depth", file: file, line: line)
                result.colorType = body[9]
            }
            if type == "IDAT" { idat += body }
            i += 12 + n
        }
        XCTAssertEqual(types.first, "IHDR", file: file, line: line)
        XCTAssertEqual(types.last, "IEND", file: file, line: line)
        XCTAssertEqual((Int(idat[0]) << 8 | Int(idat[1])) % 31, 0, "zlib header check bits", file: file, line: line)
        result.raw = try Inflate.inflate(Array(idat[2..<(idat.count - 4)]))
        let adler = idat.suffix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        XCTAssertEqual(adler, PNGImage.adler32(result.raw), file: file, line: line)
        return result
    }

    func testAdler32KnownValues() {
        XCTAssertEqual(PNGImage.adler32(Array("Wikipedia".utf8)), 0x11E6_0398)
        XCTAssertEqual(PNGImage.adler32([]), 1)
        // Long input: exercises the deferred modulo (zlib's reference value for 100,000 x 0xFF).
        XCTAssertEqual(PNGImage.adler32([UInt8](repeating: 0xFF, count: 100_000)), Self.referenceAdler([UInt8](repeating: 0xFF, count: 100_000)))
    }

    /// The textbook definition, one modulo per byte.
    static func referenceAdler(_ d: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for x in d { a = (a + UInt32(x)) % 65_521; b = (b + a) % 65_521 }
        return b << 16 | a
    }

    func testGrayImageRoundTrips() throws {
        let img = try PNGImage.gray([0, 0.5, 1, 0.25, 0.75, 1.5], width: 3, height: 2, range: 0...1)
        XCTAssertEqual(img.pixels, [0, 128, 255, 64, 191, 255])
        let d = try decode(img.encoded())
        XCTAssertEqual([d.width, d.height], [3, 2])
        XCTAssertEqual(d.colorType, 0)
        XCTAssertEqual(d.raw, [0, 0, 128, 255, 0, 64, 191, 255])
    }

    /// An RGB image larger than one stored block (65,535 bytes) spans several blocks.
    func testLargeRGBImageSpansStoredBlocks() throws {
        let w = 200, h = 120
        let px = (0..<(w * h * 3)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let d = try decode(try PNGImage(width: w, height: h, colorType: .rgb, pixels: px).encoded())
        XCTAssertEqual(d.colorType, 2)
        XCTAssertEqual(d.raw.count, h * (1 + w * 3))
        for y in [0, 57, h - 1] {
            XCTAssertEqual(d.raw[y * (1 + w * 3)], 0, "filter byte")
            XCTAssertEqual(Array(d.raw[(y * (1 + w * 3) + 1)..<((y + 1) * (1 + w * 3))]), Array(px[(y * w * 3)..<((y + 1) * w * 3)]))
        }
    }

    func testHeatMapOverlayColours() throws {
        // Base gray 0.5 everywhere; heat +1 (max), 0, −1.
        let o = try PNGImage.heatMapOverlay(base: [0, 1, 0.5, 0.5], heat: [0, 0, 2, -2], width: 2, height: 2, opacity: 1)
        XCTAssertEqual(Array(o.pixels[0..<3]), [0, 0, 0], "no heat: the base's own gray")
        XCTAssertEqual(Array(o.pixels[3..<6]), [255, 255, 255])
        XCTAssertEqual(Array(o.pixels[6..<9]), [255, 0, 0], "full positive heat is red")
        XCTAssertEqual(Array(o.pixels[9..<12]), [0, 89, 255], "full negative heat is blue")
        let unsigned = try PNGImage.heatMapOverlay(base: [0, 1, 0.5, 0.5], heat: [0, 0, 2, -2], width: 2, height: 2, signed: false, opacity: 1)
        XCTAssertEqual(Array(unsigned.pixels[9..<12]), [255, 0, 0])
        XCTAssertThrowsError(try PNGImage.heatMapOverlay(base: [0], heat: [0, 1], width: 1, height: 1))
    }

    func testLabelsScaleAndGrid() throws {
        let mask = try PNGImage.labels([0, 1, 2, 0], width: 2, height: 2)
        XCTAssertEqual(Array(mask.pixels[0..<6]), [0, 0, 0, 0x00, 0x72, 0xB2])
        let big = mask.scaled(by: 3)
        XCTAssertEqual([big.width, big.height], [6, 6])
        XCTAssertEqual(Array(big.pixels[(1 * 6 + 4) * 3..<((1 * 6 + 4) * 3 + 3)]), [0x00, 0x72, 0xB2])
        let g = try PNGImage.grid([[mask, try PNGImage.gray([1], width: 1, height: 1)], [mask]], scale: 2, gap: 1)
        XCTAssertEqual(g.width, 1 + 4 + 1 + 2 + 1)
        XCTAssertEqual(g.height, 1 + 4 + 1 + 4 + 1)
        XCTAssertEqual(Array(g.pixels[0..<3]), [255, 255, 255], "background")
        XCTAssertEqual(try decode(g.encoded()).width, g.width)
    }

    func testBadSizesThrow() {
        XCTAssertThrowsError(try PNGImage(width: 2, height: 2, colorType: .rgb, pixels: [1, 2, 3])) { e in
            XCTAssertTrue("\(e)".contains("needs 12 samples"), "\(e)")
        }
        XCTAssertThrowsError(try PNGImage(width: 0, height: 2, colorType: .gray, pixels: []))
        XCTAssertThrowsError(try PNGImage.grid([[]]))
    }
}
