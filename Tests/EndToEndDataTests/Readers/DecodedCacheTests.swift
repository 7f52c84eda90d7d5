import EndToEnd
import Foundation
import XCTest
@testable import EndToEndData

/// The decoded-data cache: a hit maps back exactly what was decoded without decoding; a
/// changed source, a damaged entry or another variant decodes again; the cache never fails a
/// read, never changes its file when the tensor is written, and is off when asked.
final class DecodedCacheTests: XCTestCase {
    func source(_ dir: URL, _ name: String = "source.bin", bytes: Int = 100) throws -> URL {
        let url = dir.appendingPathComponent(name)
        try Data((0..<bytes).map { UInt8($0 & 0xFF) }).write(to: url)
        return url
    }

    /// Reads through the cache in `cache`, counting the decodes.
    func read(_ src: URL, cache: URL?, variant: String = "test-1", decodes: inout Int, value: Float = 1) throws -> Tensor {
        var n = 0
        let t = try DecodedCache.tensor(source: src, variant: variant, directory: cache, minimumBytes: 0) {
            n += 1
            return Tensor(shape: [3, 1, 2, 5]) { p, c in for i in 0..<c { p[i] = value * Float(i) + 0.25 } }
        }
        decodes += n
        return t
    }

    func entries(_ dir: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
    }

    func testAHitMapsBackTheDecodedTensorWithoutDecoding() throws {
        let dir = try makeTemporaryDirectory(self), cache = dir.appendingPathComponent("cache")
        let src = try source(dir)
        var decodes = 0
        let first = try read(src, cache: cache, decodes: &decodes)
        XCTAssertEqual(decodes, 1)
        XCTAssertEqual(entries(cache).count, 1, "one entry, and no temporary file left: \(entries(cache))")
        let second = try read(src, cache: cache, decodes: &decodes)
        XCTAssertEqual(decodes, 1, "the second read decoded again")
        XCTAssertEqual(second.shape, [3, 1, 2, 5])
        XCTAssertEqual(second.scalars, first.scalars)
        // Mapped storage is page-aligned (the payload starts a page into the file).
        XCTAssertEqual(Int(bitPattern: second.storage.pointer) % 64, 0)
    }

    func testAChangedSourceOrAnotherVariantDecodesAgain() throws {
        let dir = try makeTemporaryDirectory(self), cache = dir.appendingPathComponent("cache")
        let src = try source(dir)
        var decodes = 0
        _ = try read(src, cache: cache, decodes: &decodes)
        _ = try read(src, cache: cache, variant: "test-2", decodes: &decodes, value: 2)
        XCTAssertEqual(decodes, 2, "another variant is another entry")
        // A new size, then the same size with a new modification time.
        _ = try source(dir, bytes: 101)
        let changed = try read(src, cache: cache, decodes: &decodes, value: 3)
        XCTAssertEqual(decodes, 3)
        XCTAssertEqual(changed.scalars[1], 3.25)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -3600)], ofItemAtPath: src.path)
        _ = try read(src, cache: cache, decodes: &decodes)
        XCTAssertEqual(decodes, 4)
        // And the rewritten entry is used again.
        let again = try read(src, cache: cache, decodes: &decodes, value: 9)
        XCTAssertEqual(decodes, 4)
        XCTAssertEqual(again.scalars[1], 1.25, "the entry holds what the last decode made")
    }

    func testADamagedEntryIsDecodedAgainAndRewritten() throws {
        let dir = try makeTemporaryDirectory(self), cache = dir.appendingPathComponent("cache")
        let src = try source(dir)
        var decodes = 0
        let want = try read(src, cache: cache, decodes: &decodes).scalars
        let entry = cache.appendingPathComponent(entries(cache)[0])
        let whole = try Data(contentsOf: entry)
        // Truncated payload, truncated header, a wrong magic, and a shape that disagrees with
        // the length (one dimension byte changed).
        var wrongMagic = whole
        wrongMagic[0] ^= 0xFF
        var wrongShape = whole
        wrongShape[DecodedCache.magic.count + 4 * 8] ^= 0x01
        for damaged in [whole.prefix(whole.count - 4), whole.prefix(100), wrongMagic, wrongShape] {
            try Data(damaged).write(to: entry)
            let got = try read(src, cache: cache, decodes: &decodes)
            XCTAssertEqual(got.scalars, want)
            XCTAssertEqual(try Data(contentsOf: entry), whole, "the damaged entry was not rewritten whole")
        }
        XCTAssertEqual(decodes, 5)
    }

    func testWritingTheTensorLeavesTheEntryAlone() throws {
        let dir = try makeTemporaryDirectory(self), cache = dir.appendingPathComponent("cache")
        let src = try source(dir)
        var decodes = 0
        _ = try read(src, cache: cache, decodes: &decodes)
        var mapped = try read(src, cache: cache, decodes: &decodes)
        XCTAssertEqual(decodes, 1)
        mapped.withUnsafeMutableData { p, n in for i in 0..<n { p[i] = -1 } }
        XCTAssertEqual(mapped.scalars, [Float](repeating: -1, count: 30))
        let fresh = try read(src, cache: cache, decodes: &decodes)
        XCTAssertEqual(decodes, 1)
        XCTAssertEqual(fresh.scalars[1], 1.25, "a write through the private mapping reached the file")
    }

    func testOffUnwritableAndSmallTensorsStillRead() throws {
        let dir = try makeTemporaryDirectory(self)
        let src = try source(dir)
        var decodes = 0
        // Off: nothing written, every read decodes.
        _ = try read(src, cache: nil, decodes: &decodes)
        _ = try read(src, cache: nil, decodes: &decodes)
        XCTAssertEqual(decodes, 2)
        // A cache path under a regular file cannot be created: the read still succeeds.
        let blocked = src.appendingPathComponent("cache")
        let t = try read(src, cache: blocked, decodes: &decodes)
        XCTAssertEqual(t.count, 30)
        XCTAssertEqual(decodes, 3)
        // Under the size floor nothing is stored.
        let cache = dir.appendingPathComponent("cache")
        _ = try DecodedCache.tensor(source: src, variant: "small", directory: cache, minimumBytes: 1 << 20) { Tensor([1, 2, 3]) }
        XCTAssertEqual(entries(cache), [])
        // A decode error is the read's error.
        XCTAssertThrowsError(try DecodedCache.tensor(source: src, variant: "bad", directory: cache, minimumBytes: 0) {
            throw DataError(file: src.path, message: "broken")
        }) { XCTAssertTrue("\($0)".contains("broken"), "\($0)") }
        XCTAssertEqual(entries(cache), [])
    }

    func testTheDirectoryFollowsTheEnvironment() {
        let saved = getenv("E2E_CACHE_DIR").map { String(cString: $0) }
        defer { if let saved { setenv("E2E_CACHE_DIR", saved, 1) } else { unsetenv("E2E_CACHE_DIR") } }
        setenv("E2E_CACHE_DIR", "/tmp/somewhere", 1)
        XCTAssertEqual(DecodedCache.directory?.path, "/tmp/somewhere")
        for off in ["off", "0", ""] {
            setenv("E2E_CACHE_DIR", off, 1)
            XCTAssertNil(DecodedCache.directory, "E2E_CACHE_DIR=\(off)")
        }
    }

    /// Fashion-MNIST's training images through the cache equal a fresh decode (skips without
    /// Debian's dataset-fashion-mnist).
    func testFashionMNISTImagesFromTheCacheEqualADecode() throws {
        let url = FashionMNIST.defaultDirectory.appendingPathComponent("t10k-images-idx3-ubyte.gz")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: url.path), "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)")
        let cache = try makeTemporaryDirectory(self)
        let saved = getenv("E2E_CACHE_DIR").map { String(cString: $0) }
        defer { if let saved { setenv("E2E_CACHE_DIR", saved, 1) } else { unsetenv("E2E_CACHE_DIR") } }
        setenv("E2E_CACHE_DIR", cache.path, 1)
        let stored = try IDX.readImages(url)
        XCTAssertEqual(entries(cache).count, 1)
        let mapped = try IDX.readImages(url)
        setenv("E2E_CACHE_DIR", "off", 1)
        let decoded = try IDX.readImages(url)
        XCTAssertEqual(mapped.shape, [10_000, 1, 28, 28])
        XCTAssertEqual(mapped.scalars, decoded.scalars)
        XCTAssertEqual(stored.scalars, decoded.scalars)
    }
}
