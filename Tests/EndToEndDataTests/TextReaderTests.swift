import EndToEnd
import Foundation
import XCTest
@testable import EndToEndData

final class TextReaderTests: XCTestCase {
    func write(_ bytes: [UInt8], in dir: URL, _ name: String = "t.txt") throws -> URL {
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    func testModes() throws {
        let dir = try makeTemporaryDirectory(self)
        let url = try write(Array("hello\tworld\né".utf8), in: dir)
        let bytes = try TextCorpus.read(url, mode: .bytes)
        XCTAssertEqual(bytes.vocabularySize, 256)
        XCTAssertEqual(bytes.count, 14)
        XCTAssertEqual(bytes.tokens.scalars.last, 0xA9)
        let built = try TextCorpus.read(url)
        XCTAssertEqual(built.vocabulary?.symbols.map { String($0) }, ["\t", "\n", "d", "e", "h", "l", "o", "r", "w", "é"])
        XCTAssertEqual(built.count, 13)
        XCTAssertEqual(built.vocabulary!.decode(built.tokens.scalars), "hello\tworld\né")
        let v = TextCorpus.printableASCIIVocabulary
        XCTAssertEqual(v.symbols.count, 97)
        XCTAssertEqual(v.size, 98)
        let p = try TextCorpus.read(url, mode: .characters(vocabulary: v))
        XCTAssertEqual(p.vocabularySize, 98)
        XCTAssertEqual(Array(p.tokens.scalars.prefix(6)), [72, 69, 76, 76, 79, 96])  // "hello\t": ord - 32, tab = 96
        XCTAssertEqual(p.tokens.scalars[11], 95)  // "\n"
        XCTAssertEqual(p.tokens.scalars.last, 97)  // é is "other"
    }

    func testSequencesAndBatches() throws {
        let c = try TextCorpus.parse(Array("abcdefghij".utf8), mode: .bytes)
        let (x, y) = try c.sequences(length: 3)
        XCTAssertEqual(x.shape, [3, 3])
        XCTAssertEqual(x.scalars, Array("abcdefghi".utf8).map { Int32($0) })
        XCTAssertEqual(y.scalars, Array("bcdefghij".utf8).map { Int32($0) })
        var rng = RandomGenerator(seed: 1)
        let b = try c.batch(size: 5, length: 4, using: &rng)
        XCTAssertEqual(b.x.shape, [5, 4])
        XCTAssertEqual(b.y.shape, [5, 4])
        for r in 0..<5 {
            for t in 0..<4 { XCTAssertEqual(b.y[r, t], b.x[r, t] + 1) }  // consecutive letters
            if r > 0 { XCTAssertEqual(b.x[r, 0], b.y[r, 0] - 1) }
        }
        assertDataError(try c.batch(size: 2, length: 10, using: &rng), ["<memory>", "text too short"])
    }

    func testMalformedFiles() throws {
        let dir = try makeTemporaryDirectory(self)
        func check(_ bytes: [UInt8], mode: TextCorpus.Mode = .characters(vocabulary: nil), _ fragments: [String], line: UInt = #line) throws {
            let url = try write(bytes, in: dir, "bad-\(line).txt")
            assertDataError(try TextCorpus.read(url, mode: mode), [url.path] + fragments, line: line)
        }
        try check(Array("abc".utf8) + [0xFF, 0x41], ["byte 3", "invalid UTF-8", "0xff"])
        try check(Array("ab".utf8) + [0xC3], ["byte 2", "invalid UTF-8", "truncated"])
        try check(Array("ab".utf8) + [0xE2, 0x28, 0xA1], ["byte 2", "missing continuation"])
        try check([0x41, 0xC0, 0x80], ["byte 1", "invalid UTF-8"])  // overlong NUL
        try check([0x41, 0xED, 0xA0, 0x80], ["byte 1", "invalid UTF-8"])  // surrogate
        try check([], ["empty file"])
        try check([], mode: .bytes, ["empty file"])
        let small = TextVocabulary(symbols: ["a", "b"])
        try check(Array("abc".utf8), mode: .characters(vocabulary: small), ["byte 2", "U+0063", "not in the vocabulary"])
    }
}
