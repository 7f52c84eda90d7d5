import EndToEndKernels
import Foundation
import XCTest

/// The system-zlib gzip path: what it decodes, when it stops at the limit, what it hands back.
final class SystemZlibTests: XCTestCase {
    // gzip.compress(bytes((i * i) % 251 for i in range(5000)), mtime=0) (Python).
    static let squares = [UInt8](Data(base64Encoded: "H4sIAAAAAAACA2NgZOEUkFQxdAhMqZyw8shDVjXPvKn7Xkp7Va97LB8x+YJI6Iy7mkV7+ePWs8dsFsw5qdv3MfqQwWzemrept8LO+58JuBh5L+tzs+gSq7PpzHNsbtYqHyuQOVqqfq3H5efWYuMPW6qceC4vLHQWf3FgVlmIidjX24fXzmwvz4wN9nZ1tLd3dPUOjs0sb5+59vDtr2ImIWWzDrwQdy5ceJnHqWrLB+PirT9deq6plx6VKTimXHvTZg5z+lmrJaLNn7PuRV4MOON/PuxW6tsa3tkGh6I/9umezBHcHMO+Po5/b5Hm3RmhIhcmR8g/XlftJf1y39Q8TzXWh0dWTqhMCXQwVJEU4GRhZBj1+qjXR70+6vVRr496fdTro14f9fqo10e9Pur1Ua+Pen3U66NeH/X6qNfp5XUANtGF3IgTAAA=")!)
    static let squaresText = (0..<5000).map { UInt8(($0 * $0) % 251) }

    override func setUpWithError() throws {
        guard SystemZlib.isAvailable else { throw XCTSkip("the system's zlib (libz.so.1) is not loadable here, or E2E_ZLIB=0") }
    }

    func testDecodesGrowingFromATinyHintAndStopsAtTheLimit() {
        // A 64-byte first buffer doubles up to the 5,000 bytes.
        XCTAssertEqual(SystemZlib.gunzip(Self.squares, sizeHint: 1, limit: .max), .decoded(Self.squaresText))
        XCTAssertEqual(SystemZlib.gunzip(Self.squares, sizeHint: 5000, limit: 5000), .decoded(Self.squaresText), "exactly at the limit")
        XCTAssertEqual(SystemZlib.gunzip(Self.squares, sizeHint: 5000, limit: 4999), .overLimit)
        XCTAssertEqual(SystemZlib.gunzip(Self.squares, sizeHint: 10, limit: 100), .overLimit)
    }

    func testMembersAndZeroPaddingDecodeAndAnythingElseIsHandedBack() {
        let g = Self.squares
        XCTAssertEqual(SystemZlib.gunzip(g + g, sizeHint: 0, limit: .max), .decoded(Self.squaresText + Self.squaresText))
        XCTAssertEqual(SystemZlib.gunzip(g + [0, 0, 0, 0], sizeHint: 0, limit: .max), .decoded(Self.squaresText))
        XCTAssertEqual(SystemZlib.gunzip(g + [0, 0x41], sizeHint: 0, limit: .max), .rejected, "trailing garbage")
        XCTAssertEqual(SystemZlib.gunzip(Array(g.dropLast(5)), sizeHint: 0, limit: .max), .rejected, "truncated trailer")
        XCTAssertEqual(SystemZlib.gunzip(Array(g.prefix(40)), sizeHint: 0, limit: .max), .rejected, "truncated data")
        var crc = g
        crc[g.count - 8] ^= 1
        XCTAssertEqual(SystemZlib.gunzip(crc, sizeHint: 0, limit: .max), .rejected, "CRC-32 mismatch")
        XCTAssertEqual(SystemZlib.gunzip([], sizeHint: 0, limit: .max), .rejected)
        XCTAssertEqual(SystemZlib.gunzip([0x1F, 0x8B, 8, 0], sizeHint: 0, limit: .max), .rejected)
        XCTAssertNotNil(SystemZlib.version)
    }
}
