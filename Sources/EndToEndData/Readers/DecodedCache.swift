import EndToEnd
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A cache of decoded data files: the `Float` tensor a reader made from a source file, kept as
/// a raw file and mapped back into memory on the next read.
///
/// Why: reading Fashion-MNIST's training images (26 MB of gzip) spent about 0.4 s of a
/// 2.2-3.3 s one-epoch `e2e train` inflating them, allocating 188 MB and converting bytes to
/// floats, and every rank of a data-parallel run did it again at the same moment. A mapped
/// cache file costs a few milliseconds, and the ranks share its pages in the page cache
/// instead of each holding a private copy. torchvision keeps decompressed copies for the same
/// reason.
///
/// - The cache directory is `E2E_CACHE_DIR`, else `$XDG_CACHE_HOME/endtoend`, else
///   `~/.cache/endtoend`. `E2E_CACHE_DIR=off` (or `0`, or empty) turns the cache off.
/// - An entry is keyed by the source's absolute path and the reader's `variant`, and is used
///   only while the source keeps the size and modification time recorded in its header, and
///   the file's length matches the shape it declares; anything else is decoded afresh and the
///   entry rewritten.
/// - Entries are written with ``AtomicFile`` (a temporary name, `fsync`, rename), so a
///   reader sees a whole entry or none (ranks that miss at once each write their own and the
///   last rename wins, with the same contents).
/// - The mapping is private: a tensor that writes into its data gets its own pages, and the
///   file is never changed.
/// - A cache that cannot be written (read-only home, full disk) is reported once on stderr and
///   the data is used as decoded.
public enum DecodedCache {
    /// Header bytes before the payload: a page, so the mapped floats are page-aligned.
    static let headerBytes = 4096
    static let magic: [UInt8] = Array("E2EDECODED1\n".utf8)

    /// The cache directory now in force, or `nil` when the cache is off.
    public static var directory: URL? {
        // getenv, not a snapshot of the environment: a change made while running takes effect.
        func env(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
        if let d = env("E2E_CACHE_DIR") {
            if d.isEmpty || d == "off" || d == "0" { return nil }
            return URL(fileURLWithPath: d)
        }
        if let x = env("XDG_CACHE_HOME"), !x.isEmpty { return URL(fileURLWithPath: x).appendingPathComponent("endtoend") }
        if let h = env("HOME"), !h.isEmpty { return URL(fileURLWithPath: h).appendingPathComponent(".cache/endtoend") }
        return nil
    }

    /// Decoded tensors smaller than this many bytes are not stored: they decode in a few
    /// milliseconds, and a file each would only fill the directory.
    public static let minimumBytes = 4 << 20

    /// The tensor `decode` makes from `source`, from the cache when it holds a current entry
    /// for (`source`, `variant`), else decoded (and stored when it has at least
    /// ``minimumBytes``). `variant` names the reader and its options (change it when the
    /// decoding changes). Errors are `decode`'s: a cache problem never fails the read.
    public static func tensor(source: URL, variant: String, decode: () throws -> Tensor) throws -> Tensor {
        try tensor(source: source, variant: variant, directory: directory, minimumBytes: minimumBytes, decode: decode)
    }

    static func tensor(source: URL, variant: String, directory: URL?, minimumBytes: Int, decode: () throws -> Tensor) throws -> Tensor {
        guard let dir = directory, let stamp = Stamp(source) else { return try decode() }
        let key = "\(source.standardizedFileURL.path)\n\(variant)"
        let entry = self.entry(for: key, variant: variant, in: dir)
        if let hit = load(entry, key: key, stamp: stamp) { return hit }
        let t = try decode()
        if t.count * MemoryLayout<Float>.size >= minimumBytes { store(t, at: entry, key: key, stamp: stamp) }
        return t
    }

    /// The entry's file: the variant's letters, digits and dashes, then a hash of the key.
    static func entry(for key: String, variant: String, in dir: URL) -> URL {
        dir.appendingPathComponent("\(variant.filter { $0.isLetter || $0.isNumber || $0 == "-" })-\(hex(fnv1a(key))).f32")
    }

    /// What identifies a version of the source file.
    struct Stamp: Equatable {
        let size: Int64, seconds: Int64, nanoseconds: Int64
        init?(_ url: URL) {
            var st = stat()
            guard stat(url.path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
            size = Int64(st.st_size)
            #if canImport(Darwin)
            seconds = Int64(st.st_mtimespec.tv_sec); nanoseconds = Int64(st.st_mtimespec.tv_nsec)
            #else
            seconds = Int64(st.st_mtim.tv_sec); nanoseconds = Int64(st.st_mtim.tv_nsec)
            #endif
        }
        init(size: Int64, seconds: Int64, nanoseconds: Int64) {
            self.size = size; self.seconds = seconds; self.nanoseconds = nanoseconds
        }
    }

    /// Header: magic, then little-endian Int64s [size, seconds, nanoseconds, rank, dims...],
    /// then the key's UTF-8 bytes preceded by their count; zeros to `headerBytes`.
    static func header(key: String, stamp: Stamp, shape: [Int]) -> [UInt8]? {
        var h = magic
        for v in [stamp.size, stamp.seconds, stamp.nanoseconds, Int64(shape.count)] + shape.map(Int64.init) {
            h += withUnsafeBytes(of: v.littleEndian) { Array($0) }
        }
        let k = Array(key.utf8)
        h += withUnsafeBytes(of: Int64(k.count).littleEndian) { Array($0) }
        h += k
        guard h.count <= headerBytes else { return nil }
        return h + [UInt8](repeating: 0, count: headerBytes - h.count)
    }

    /// The shape a header declares when it matches `key` and `stamp`, else `nil`.
    static func parse(_ h: UnsafeRawBufferPointer, key: String, stamp: Stamp) -> [Int]? {
        guard h.count >= headerBytes, Array(h.prefix(magic.count)) == magic else { return nil }
        var at = magic.count
        func next() -> Int64? {
            guard at + 8 <= h.count else { return nil }
            defer { at += 8 }
            return Int64(littleEndian: h.loadUnaligned(fromByteOffset: at, as: Int64.self))
        }
        guard let size = next(), let sec = next(), let nsec = next(), let rank = next(), (0...16).contains(rank),
              Stamp(size: size, seconds: sec, nanoseconds: nsec) == stamp else { return nil }
        var shape: [Int] = []
        for _ in 0..<rank {
            guard let d = next(), d >= 0, d <= Int64(Int32.max) else { return nil }
            shape.append(Int(d))
        }
        let k = Array(key.utf8)
        guard let n = next(), n == Int64(k.count), at + k.count <= h.count, Array(h[at..<(at + k.count)]) == k else { return nil }
        return shape
    }

    static func load(_ entry: URL, key: String, stamp: Stamp) -> Tensor? {
        let fd = open(entry.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, Int(st.st_size) >= headerBytes else { return nil }
        var head = [UInt8](repeating: 0, count: headerBytes)
        guard head.withUnsafeMutableBytes({ pread(fd, $0.baseAddress, headerBytes, 0) }) == headerBytes,
              let shape = head.withUnsafeBytes({ parse($0, key: key, stamp: stamp) }),
              let count = Shape.checkedCount(shape),
              Int(st.st_size) == headerBytes + count * MemoryLayout<Float>.size else { return nil }
        let length = Int(st.st_size)
        guard let base = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0), base != MAP_FAILED else { return nil }
        let floats = (base + headerBytes).bindMemory(to: Float.self, capacity: max(count, 1))
        let storage = TensorStorage(adopting: floats, count: count) { p in _ = munmap(UnsafeMutableRawPointer(p) - headerBytes, length) }
        return Tensor(storage: storage, shape: shape)
    }

    static func store(_ t: Tensor, at entry: URL, key: String, stamp: Stamp) {
        guard let head = header(key: key, stamp: stamp, shape: t.shape) else { return }
        let dir = entry.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try head.withUnsafeBytes { h in
                try t.withContiguousData { p in
                    try AtomicFile.write(parts: [h, UnsafeRawBufferPointer(start: p, count: t.count * MemoryLayout<Float>.size)], to: entry)
                }
            }
        } catch {
            warnOnce("note: cannot write the decoded-data cache at \(dir.path) (\(error)); data is decoded on every read. Set E2E_CACHE_DIR to a writable directory, or E2E_CACHE_DIR=off")
        }
    }

    private static let warned = Warned()
    private final class Warned: @unchecked Sendable {
        let lock = NSLock()
        var done = false
    }

    private static func warnOnce(_ message: String) {
        warned.lock.lock()
        defer { warned.lock.unlock() }
        guard !warned.done else { return }
        warned.done = true
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    private static func hex(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
