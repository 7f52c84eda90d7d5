import EndToEndKernels
import Foundation

// Pure-Swift gzip (RFC 1952) and raw DEFLATE (RFC 1951) decoding.
//
// No system library is linked (valid gzip files go to the system's zlib where it is found, see
// `Gzip.decompress`; this decoder is the reference and reports every error). Huffman codes are decoded through lookup tables (a
// primary table indexed by the next 10 bits, with secondary tables for longer codes),
// the bit buffer is refilled eight bytes at a time, and all buffer access goes through
// unchecked pointers after explicit bounds reasoning. Every malformed input raises a
// `DataError` naming the file and the byte offset in the compressed input.

/// gzip decompression.
public enum Gzip {
    /// Whether `bytes` starts with the gzip magic `1f 8b`.
    public static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// The most a gzip or deflate stream may expand by default: this many output bytes per
    /// input byte (DEFLATE's own maximum is about 1032), plus `expansionAllowance`. Real data
    /// sets stay far below it; a decompression bomb does not.
    public static let maxExpansionRatio = 256
    /// Output bytes always allowed, whatever the input's size.
    public static let expansionAllowance = 1 << 20

    /// The default output limit for `compressedCount` input bytes.
    public static func defaultLimit(compressedCount n: Int) -> Int {
        let (r, o) = n.multipliedReportingOverflow(by: maxExpansionRatio)
        return o ? Int.max : r.addingReportingOverflow(expansionAllowance).overflow ? Int.max : r + expansionAllowance
    }

    /// Decompresses a whole gzip file.
    public static func decompress(contentsOf url: URL) throws -> [UInt8] {
        try decompress(DataFile.readBytes(url), file: url.path)
    }

    /// The first `count` decompressed bytes (fewer if the data are shorter), decoding no
    /// further: enough to read a header before deciding how much output to allow.
    public static func decompressPrefix(_ bytes: [UInt8], count: Int, file: String = "<memory>") throws -> [UInt8] {
        var reached: [UInt8]? = nil
        do {
            return try decompress(bytes, file: file, limit: count, limitReason: "", reachedLimit: &reached)
        } catch let e as DataError {
            if let reached { return Array(reached.prefix(count)) }
            throw e
        }
    }

    /// Decompresses gzip data: one or more members (concatenated `.gz` files), each
    /// with its header flags (FEXTRA, FNAME, FCOMMENT, FHCRC) honoured and its CRC32
    /// and ISIZE verified. `file` names the source in error messages. Output past `limit`
    /// (by default `defaultLimit(compressedCount:)`) is an error; `limitReason` says why
    /// the limit is what it is.
    ///
    /// Valid data are decoded by the system's zlib where it is found (``SystemZlib``, 4-5x
    /// faster); the Swift decoder here is the reference, used without zlib and for any input
    /// zlib rejects or that exceeds the limit, so every error message comes from it.
    public static func decompress(_ bytes: [UInt8], file: String = "<memory>", limit: Int? = nil, limitReason: String? = nil) throws -> [UInt8] {
        try decompress(bytes, file: file, limit: limit, limitReason: limitReason, decoder: .systemWhereAvailable)
    }

    /// Which decoder ``decompress(_:file:limit:limitReason:)`` tries first.
    enum Decoder { case systemWhereAvailable, swift }

    static func decompress(_ bytes: [UInt8], file: String, limit: Int?, limitReason: String?, decoder: Decoder) throws -> [UInt8] {
        if decoder == .systemWhereAvailable && SystemZlib.isAvailable,
           case .decoded(let out) = SystemZlib.gunzip(bytes, sizeHint: sizeHint(bytes), limit: limit ?? defaultLimit(compressedCount: bytes.count)) {
            return out
        }
        var reached: [UInt8]? = nil
        return try decompress(bytes, file: file, limit: limit, limitReason: limitReason, reachedLimit: &reached)
    }

    /// The last member's ISIZE, capped by DEFLATE's maximum ratio so a corrupt trailer cannot
    /// request a huge allocation; four times the input when there is none.
    static func sizeHint(_ bytes: [UInt8]) -> Int {
        let n = bytes.count
        guard n >= 18 else { return n * 4 }
        let isize = Int(UInt32(bytes[n - 4]) | UInt32(bytes[n - 3]) << 8 | UInt32(bytes[n - 2]) << 16 | UInt32(bytes[n - 1]) << 24)
        return min(isize, n * 1032 + 1024)
    }

    /// `reachedLimit` receives the output decoded so far when decoding stops at the limit.
    static func decompress(_ bytes: [UInt8], file: String, limit: Int?, limitReason: String?, reachedLimit: inout [UInt8]?) throws -> [UInt8] {
        let cap = limit ?? defaultLimit(compressedCount: bytes.count)
        let reason = limitReason ?? "at most \(maxExpansionRatio) times the \(bytes.count)-byte compressed input, plus \(expansionAllowance >> 20) MiB"
        return try bytes.withUnsafeBufferPointer { buf -> [UInt8] in
            let n = buf.count
            func error(_ at: Int, _ message: String) -> DataError {
                DataError(file: file, location: "byte \(at)", message: message)
            }
            guard n > 0 else { throw DataError(file: file, message: "empty file, expected gzip data") }
            guard let p = buf.baseAddress else { throw DataError(file: file, message: "empty file, expected gzip data") }
            let out = InflateOutput(capacity: max(sizeHint(bytes), 64), limit: cap, file: file, limitReason: reason)
            // Only a decode stopped by the limit has more than `cap` bytes (a finished one never does).
            defer { if out.count > cap { reachedLimit = out.array() } }
            var pos = 0
            var member = 0
            while true {
                // Header.
                guard n - pos >= 10 else {
                    throw error(pos, "truncated gzip header: need 10 bytes, file has \(n - pos)")
                }
                guard p[pos] == 0x1F && p[pos + 1] == 0x8B else {
                    throw error(pos, String(format: "bad gzip magic %02x %02x, expected 1f 8b", p[pos], p[pos + 1]))
                }
                guard p[pos + 2] == 8 else {
                    throw error(pos + 2, "unsupported gzip compression method \(p[pos + 2]) (only 8, deflate, exists)")
                }
                let flags = p[pos + 3]
                guard flags & 0xE0 == 0 else {
                    throw error(pos + 3, String(format: "reserved gzip header flags set (0x%02x)", flags))
                }
                var q = pos + 10
                if flags & 0x04 != 0 {  // FEXTRA
                    guard n - q >= 2 else { throw error(q, "truncated gzip header: missing FEXTRA length") }
                    let xlen = Int(p[q]) | Int(p[q + 1]) << 8
                    q += 2
                    guard n - q >= xlen else {
                        throw error(q, "truncated gzip header: FEXTRA field of \(xlen) bytes, only \(n - q) left")
                    }
                    q += xlen
                }
                for (bit, name) in [(UInt8(0x08), "file name"), (UInt8(0x10), "comment")] where flags & bit != 0 {
                    var z = q
                    while z < n && p[z] != 0 { z += 1 }
                    guard z < n else { throw error(q, "truncated gzip header: unterminated \(name) (FNAME/FCOMMENT)") }
                    q = z + 1
                }
                if flags & 0x02 != 0 {  // FHCRC
                    guard n - q >= 2 else { throw error(q, "truncated gzip header: missing header CRC16") }
                    let stored = UInt16(p[q]) | UInt16(p[q + 1]) << 8
                    let computed = UInt16(truncatingIfNeeded: CRC32.update(0, p + pos, q - pos))
                    guard stored == computed else {
                        throw error(q, String(format: "gzip header CRC16 mismatch: stored 0x%04x, computed 0x%04x", stored, computed))
                    }
                    q += 2
                }
                // Compressed data.
                let start = out.count
                let end = try inflateStream(p, n, from: q, into: out, file: file)
                if out.count > cap { throw out.tooLarge(at: end) }
                // Trailer.
                guard n - end >= 8 else {
                    throw error(end, "truncated gzip trailer: need 8 bytes (CRC32, ISIZE), file has \(n - end)")
                }
                let storedCRC = UInt32(p[end]) | UInt32(p[end + 1]) << 8 | UInt32(p[end + 2]) << 16 | UInt32(p[end + 3]) << 24
                let storedSize = UInt32(p[end + 4]) | UInt32(p[end + 5]) << 8 | UInt32(p[end + 6]) << 16 | UInt32(p[end + 7]) << 24
                let crc = CRC32.update(0, out.base + start, out.count - start)
                guard crc == storedCRC else {
                    throw error(end, String(format: "CRC32 mismatch in gzip member %d: stored 0x%08x, computed 0x%08x (corrupt data)", member, storedCRC, crc))
                }
                let size = UInt32(truncatingIfNeeded: out.count - start)
                guard size == storedSize else {
                    throw error(end + 4, "ISIZE mismatch in gzip member \(member): stored \(storedSize), decoded \(size) bytes")
                }
                pos = end + 8
                member += 1
                if pos == n { break }
                if p[pos] == 0x1F && pos + 1 < n && p[pos + 1] == 0x8B { continue }  // next member
                var z = pos
                while z < n && p[z] == 0 { z += 1 }
                if z == n { break }  // zero padding, as gzip(1) tolerates
                throw error(pos, "trailing garbage after gzip member (\(n - pos) bytes that are not a gzip member)")
            }
            return out.array()
        }
    }
}

/// Raw DEFLATE decompression (no zlib or gzip wrapper).
public enum Inflate {
    /// Decodes a raw DEFLATE stream; bytes after the final block are an error, and so is
    /// output past `limit` (by default `Gzip.defaultLimit(compressedCount:)`).
    public static func inflate(_ bytes: [UInt8], file: String = "<memory>", limit: Int? = nil) throws -> [UInt8] {
        let cap = limit ?? Gzip.defaultLimit(compressedCount: bytes.count)
        return try bytes.withUnsafeBufferPointer { buf -> [UInt8] in
            guard let p = buf.baseAddress, buf.count > 0 else {
                throw DataError(file: file, location: "byte 0", message: "truncated deflate stream: no data")
            }
            let out = InflateOutput(capacity: max(64, buf.count * 4), limit: cap, file: file,
                                    limitReason: limit == nil ? "at most \(Gzip.maxExpansionRatio) times the compressed input" : "")
            let end = try inflateStream(p, buf.count, from: 0, into: out, file: file)
            if out.count > cap { throw out.tooLarge(at: end) }
            guard end == buf.count else {
                throw DataError(file: file, location: "byte \(end)", message: "trailing garbage: \(buf.count - end) bytes after the final deflate block")
            }
            return out.array()
        }
    }
}

/// zlib (RFC 1950) decompression: a two-byte header, a DEFLATE stream, an Adler-32 check.
public enum Zlib {
    /// Decodes a whole zlib stream; output past `limit` (by default
    /// `Gzip.defaultLimit(compressedCount:)`) is an error, and so is a wrong checksum.
    public static func decompress(_ bytes: [UInt8], file: String = "<memory>", limit: Int? = nil) throws -> [UInt8] {
        let cap = limit ?? Gzip.defaultLimit(compressedCount: bytes.count)
        guard bytes.count >= 6 else {
            throw DataError(file: file, location: "byte 0", message: "truncated zlib stream: \(bytes.count) bytes")
        }
        let cmf = Int(bytes[0]), flg = Int(bytes[1])
        guard cmf & 0x0F == 8, cmf >> 4 <= 7, (cmf << 8 | flg) % 31 == 0 else {
            throw DataError(file: file, location: "byte 0", message: "not a zlib stream (header 0x\(String(cmf << 8 | flg, radix: 16)))")
        }
        guard flg & 0x20 == 0 else {
            throw DataError(file: file, location: "byte 1", message: "zlib stream needs a preset dictionary; unsupported")
        }
        return try bytes.withUnsafeBufferPointer { buf -> [UInt8] in
            guard let p = buf.baseAddress else { throw DataError(file: file, location: "byte 0", message: "truncated zlib stream: no data") }
            let out = InflateOutput(capacity: max(64, buf.count * 4), limit: cap, file: file,
                                    limitReason: limit == nil ? "at most \(Gzip.maxExpansionRatio) times the compressed input" : "")
            let end = try inflateStream(p, buf.count, from: 2, into: out, file: file)
            if out.count > cap { throw out.tooLarge(at: end) }
            guard buf.count - end >= 4 else {
                throw DataError(file: file, location: "byte \(end)", message: "truncated zlib stream: missing Adler-32 checksum")
            }
            let stored = UInt32(buf[end]) << 24 | UInt32(buf[end + 1]) << 16 | UInt32(buf[end + 2]) << 8 | UInt32(buf[end + 3])
            let result = out.array()
            let actual = adler32(result)
            guard stored == actual else {
                throw DataError(file: file, location: "byte \(end)", message: "zlib Adler-32 mismatch (stored \(stored), computed \(actual))")
            }
            return result
        }
    }

    /// Adler-32 of `bytes`.
    public static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        var i = 0
        while i < bytes.count {
            // 5552 bytes is the most before `b` can overflow 32 bits (zlib's NMAX).
            let end = min(bytes.count, i + 5552)
            while i < end { a &+= UInt32(bytes[i]); b &+= a; i += 1 }
            a %= 65521; b %= 65521
        }
        return b << 16 | a
    }
}

/// CRC-32 (IEEE 802.3, as used by gzip and zip), slice-by-8.
public enum CRC32 {
    static let table: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            t[i] = c
        }
        for k in 1..<8 {
            for i in 0..<256 {
                let prev = t[(k - 1) * 256 + i]
                t[k * 256 + i] = (prev >> 8) ^ t[Int(prev & 0xFF)]
            }
        }
        return t
    }()

    /// The CRC-32 of `bytes`, continuing from `crc` (0 to start).
    public static func checksum(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBufferPointer { b in
            guard let base = b.baseAddress else { return crc }
            return update(crc, base, b.count)
        }
    }

    static func update(_ crc: UInt32, _ p: UnsafePointer<UInt8>, _ n: Int) -> UInt32 {
        table.withUnsafeBufferPointer { tb in
            let t = tb.baseAddress!
            var c = ~crc
            var i = 0
            while i &+ 8 <= n {
                let raw = UnsafeRawPointer(p + i)
                let lo = raw.loadUnaligned(as: UInt32.self).littleEndian ^ c
                let hi = raw.loadUnaligned(fromByteOffset: 4, as: UInt32.self).littleEndian
                c = t[1792 &+ Int(lo & 0xFF)] ^ t[1536 &+ Int((lo >> 8) & 0xFF)]
                    ^ t[1280 &+ Int((lo >> 16) & 0xFF)] ^ t[1024 &+ Int(lo >> 24)]
                    ^ t[768 &+ Int(hi & 0xFF)] ^ t[512 &+ Int((hi >> 8) & 0xFF)]
                    ^ t[256 &+ Int((hi >> 16) & 0xFF)] ^ t[Int(hi >> 24)]
                i &+= 8
            }
            while i < n {
                c = t[Int((c ^ UInt32(p[i])) & 0xFF)] ^ (c >> 8)
                i &+= 1
            }
            return ~c
        }
    }
}

// MARK: - Implementation

/// A growable output buffer of raw bytes that refuses to grow past `limit` (plus the few
/// hundred bytes one match may write before the next check), so a decompression bomb fails
/// with an error instead of exhausting memory.
final class InflateOutput {
    var base: UnsafeMutablePointer<UInt8>
    var count = 0
    var capacity: Int
    let limit: Int
    let file: String
    /// Why `limit` is what it is, for the error message.
    let limitReason: String

    init(capacity: Int, limit: Int = Int.max, file: String = "<memory>", limitReason: String = "") {
        self.limit = limit
        self.file = file
        self.limitReason = limitReason
        self.capacity = max(1, min(capacity, limit))
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// The error for output past `limit`; `at` is the byte offset in the compressed input.
    func tooLarge(at: Int) -> DataError {
        DataError(file: file, location: "byte \(at)",
                  message: "decompressed data exceed \(limit) bytes\(limitReason.isEmpty ? "" : " (\(limitReason))"); refusing to expand further")
    }

    func reserve(_ extra: Int, at position: Int) throws(DataError) {
        let needed = count + extra
        guard needed > capacity else { return }
        if count > limit { throw tooLarge(at: position) }
        var newCap = max(capacity * 2, 1024)
        while newCap < needed { newCap *= 2 }
        // Never past the limit by more than this request's slack.
        newCap = max(needed, min(newCap, limit &+ extra))
        let nb = UnsafeMutablePointer<UInt8>.allocate(capacity: newCap)
        nb.update(from: base, count: count)
        base.deallocate()
        base = nb
        capacity = newCap
    }

    func array() -> [UInt8] {
        [UInt8](UnsafeBufferPointer(start: base, count: count))
    }
}

/// A Huffman decoding table. Entries: bits 0-3 code length (0 = no such code), bits
/// 4... the symbol; or, with bit 31 set, a link to a secondary table: bits 0-3 its index
/// width, bits 4-30 its offset.
struct HuffmanTable {
    var entries: [UInt32]
    let primaryBits: Int

    /// Builds the canonical code for `lengths` (0 = unused symbol). Incomplete codes are
    /// accepted (unused bit patterns decode as errors); over-subscribed ones are not.
    init?(lengths: ArraySlice<UInt8>, primaryBits pb: Int) {
        primaryBits = pb
        var blCount = [Int](repeating: 0, count: 16)
        for l in lengths { blCount[Int(l)] += 1 }
        blCount[0] = 0
        var left = 1
        for len in 1...15 {
            left = (left << 1) - blCount[len]
            if left < 0 { return nil }
        }
        var nextCode = [Int](repeating: 0, count: 16)
        var code = 0
        for len in 1...15 {
            code = (code + blCount[len - 1]) << 1
            nextCode[len] = code
        }
        @inline(__always) func reversed(_ c: Int, _ len: Int) -> Int {
            var r = 0, c = c
            for _ in 0..<len { r = (r << 1) | (c & 1); c >>= 1 }
            return r
        }
        let size = 1 << pb, mask = size - 1
        // Pass 1: widths of the secondary tables.
        var codes = nextCode
        var subBits = [Int](repeating: 0, count: size)
        var symCodes = [Int](repeating: 0, count: lengths.count)
        for (i, l) in lengths.enumerated() where l > 0 {
            let len = Int(l)
            let r = reversed(codes[len], len)
            codes[len] += 1
            symCodes[i] = r
            if len > pb { subBits[r & mask] = max(subBits[r & mask], len - pb) }
        }
        var subOffset = [Int](repeating: 0, count: size)
        var total = size
        for prefix in 0..<size where subBits[prefix] > 0 {
            subOffset[prefix] = total
            total += 1 << subBits[prefix]
        }
        var e = [UInt32](repeating: 0, count: total)
        for prefix in 0..<size where subBits[prefix] > 0 {
            e[prefix] = 0x8000_0000 | UInt32(subOffset[prefix]) << 4 | UInt32(subBits[prefix])
        }
        // Pass 2: fill.
        for (i, l) in lengths.enumerated() where l > 0 {
            let len = Int(l), r = symCodes[i]
            let value = UInt32(i) << 4 | UInt32(len)
            if len <= pb {
                var k = r
                while k < size { e[k] = value; k += 1 << len }
            } else {
                let prefix = r & mask, sb = subBits[prefix], off = subOffset[prefix]
                var k = r >> pb
                while k < 1 << sb { e[off + k] = value; k += 1 << (len - pb) }
            }
        }
        entries = e
    }

    static let fixedLiteral: HuffmanTable = {
        var l = [UInt8](repeating: 8, count: 288)
        for i in 144..<256 { l[i] = 9 }
        for i in 256..<280 { l[i] = 7 }
        return HuffmanTable(lengths: l[...], primaryBits: 10)!
    }()

    static let fixedDistance = HuffmanTable(lengths: [UInt8](repeating: 5, count: 32)[...], primaryBits: 8)!
}

/// Length (indices 0-28) and distance (indices 32-61) codes: base << 8 | extra bits.
private let lengthDistanceTable: [UInt32] = {
    let lenBase: [UInt32] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    let lenExtra: [UInt32] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    let distBase: [UInt32] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    let distExtra: [UInt32] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
    var t = [UInt32](repeating: 0, count: 64)
    for i in 0..<29 { t[i] = lenBase[i] << 8 | lenExtra[i] }
    for i in 0..<30 { t[32 + i] = distBase[i] << 8 | distExtra[i] }
    return t
}()

private let codeLengthOrder: [Int] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

/// LSB-first bit reader over the compressed input.
struct BitReader {
    let p: UnsafePointer<UInt8>
    let n: Int
    var pos: Int
    /// Bits not yet consumed (low bits first). Bits above `cnt` may hold a copy of the
    /// next input byte's low bits (from an 8-byte load); re-ORing them is harmless.
    var buf: UInt64 = 0
    var cnt: Int = 0
    let file: String

    init(_ p: UnsafePointer<UInt8>, _ n: Int, _ pos: Int, file: String) {
        self.p = p; self.n = n; self.pos = pos; self.file = file
    }

    /// Byte offset of the next unconsumed bit, for error messages.
    var offset: Int { pos - (cnt + 7) / 8 }

    func error(_ message: String) -> DataError {
        DataError(file: file, location: "byte \(min(offset, n))", message: message)
    }

    func truncated(_ what: StaticString) -> DataError {
        DataError(file: file, location: "byte \(n)", message: "truncated deflate stream: input ends inside \(what)")
    }

    @inline(__always) mutating func refill() {
        if pos &+ 8 <= n {
            buf |= UnsafeRawPointer(p + pos).loadUnaligned(as: UInt64.self).littleEndian << UInt64(cnt)
            let k = (63 &- cnt) >> 3
            pos &+= k
            cnt &+= k << 3
        } else {
            while cnt <= 56 && pos < n {
                buf |= UInt64(p[pos]) << UInt64(cnt)
                pos &+= 1
                cnt &+= 8
            }
        }
    }

    /// The next `k` (≤ 32) bits as an integer.
    @inline(__always) mutating func take(_ k: Int, _ what: StaticString) throws -> Int {
        if cnt < k {
            refill()
            if cnt < k { throw truncated(what) }
        }
        let v = Int(truncatingIfNeeded: buf & ((1 << UInt64(k)) &- 1))
        buf >>= UInt64(k)
        cnt &-= k
        return v
    }

    /// The next Huffman-coded symbol.
    @inline(__always) mutating func decode(_ t: UnsafePointer<UInt32>, _ pb: Int, _ what: StaticString) throws -> Int {
        if cnt < 15 { refill() }
        var e = t[Int(truncatingIfNeeded: buf & ((1 << UInt64(pb)) &- 1))]
        if e & 0x8000_0000 != 0 {
            let sb = UInt64(e & 0xF)
            let off = Int((e >> 4) & 0x07FF_FFFF)
            e = t[off &+ Int(truncatingIfNeeded: (buf >> UInt64(pb)) & ((1 << sb) &- 1))]
        }
        let len = Int(e & 0xF)
        if len > cnt || len == 0 {
            if len == 0 && cnt >= 15 { throw error("invalid Huffman code in \(what)") }
            // Not enough input for this code, or an invalid pattern made of the
            // (zero) bits past the end.
            if len == 0 { throw pos >= n ? truncated(what) : error("invalid Huffman code in \(what)") }
            throw truncated(what)
        }
        buf >>= UInt64(len)
        cnt &-= len
        return Int(e >> 4)
    }
}

/// Decodes one DEFLATE stream starting at byte `start` of `p[0..<n]`, appending to
/// `out`. Returns the byte offset just past the stream (its final byte, padded).
func inflateStream(_ p: UnsafePointer<UInt8>, _ n: Int, from start: Int, into out: InflateOutput, file: String) throws -> Int {
    var br = BitReader(p, n, start, file: file)
    let windowStart = out.count
    var final = false
    var blockIndex = 0
    while !final {
        final = try br.take(1, "a block header") == 1
        let type = try br.take(2, "a block header")
        switch type {
        case 0:
            // Stored: skip to a byte boundary, then LEN and NLEN.
            let drop = br.cnt & 7
            br.buf >>= UInt64(drop)
            br.cnt -= drop
            br.pos -= br.cnt >> 3
            br.buf = 0
            br.cnt = 0
            guard n - br.pos >= 4 else { throw br.truncated("a stored block header") }
            let len = Int(p[br.pos]) | Int(p[br.pos + 1]) << 8
            let nlen = Int(p[br.pos + 2]) | Int(p[br.pos + 3]) << 8
            guard len == (~nlen & 0xFFFF) else {
                throw br.error(String(format: "stored block length check failed (LEN 0x%04x, NLEN 0x%04x)", len, nlen))
            }
            br.pos += 4
            guard n - br.pos >= len else {
                throw DataError(file: file, location: "byte \(n)", message: "truncated deflate stream: stored block of \(len) bytes has only \(n - br.pos)")
            }
            // Past the limit: keep what fits (plus one byte, so a prefix read sees it reached) and stop.
            let room = out.limit - out.count
            let take = len > room ? max(0, room + 1) : len
            try out.reserve(take, at: br.pos)
            (out.base + out.count).update(from: p + br.pos, count: take)
            out.count += take
            if take < len { throw out.tooLarge(at: br.pos) }
            br.pos += len
        case 1:
            try HuffmanTable.fixedLiteral.entries.withUnsafeBufferPointer { lit in
                try HuffmanTable.fixedDistance.entries.withUnsafeBufferPointer { dist in
                    try decodeBlock(&br, lit.baseAddress!, 10, dist.baseAddress!, 8, out, windowStart)
                }
            }
        case 2:
            let hlit = try br.take(5, "a dynamic block header") + 257
            let hdist = try br.take(5, "a dynamic block header") + 1
            let hclen = try br.take(4, "a dynamic block header") + 4
            guard hlit <= 286 else { throw br.error("invalid dynamic block header: \(hlit) literal/length codes (at most 286)") }
            guard hdist <= 30 else { throw br.error("invalid dynamic block header: \(hdist) distance codes (at most 30)") }
            var clLengths = [UInt8](repeating: 0, count: 19)
            for i in 0..<hclen { clLengths[codeLengthOrder[i]] = UInt8(try br.take(3, "a dynamic block header")) }
            guard let clTable = HuffmanTable(lengths: clLengths[...], primaryBits: 7) else {
                throw br.error("invalid dynamic block header: over-subscribed code-length code")
            }
            let total = hlit + hdist
            var lengths = [UInt8](repeating: 0, count: total)
            try clTable.entries.withUnsafeBufferPointer { cl in
                var i = 0
                while i < total {
                    let sym = try br.decode(cl.baseAddress!, 7, "the code lengths of a dynamic block")
                    if sym < 16 {
                        lengths[i] = UInt8(sym)
                        i += 1
                        continue
                    }
                    var value: UInt8 = 0
                    let repeatCount: Int
                    switch sym {
                    case 16:
                        guard i > 0 else { throw br.error("invalid dynamic block header: repeat code 16 with no previous length") }
                        value = lengths[i - 1]
                        repeatCount = 3 + (try br.take(2, "a dynamic block header"))
                    case 17: repeatCount = 3 + (try br.take(3, "a dynamic block header"))
                    default: repeatCount = 11 + (try br.take(7, "a dynamic block header"))
                    }
                    guard i + repeatCount <= total else {
                        throw br.error("invalid dynamic block header: code-length repeat runs past the \(total) codes")
                    }
                    for k in i..<(i + repeatCount) { lengths[k] = value }
                    i += repeatCount
                }
            }
            guard lengths[256] != 0 else { throw br.error("invalid dynamic block header: no end-of-block code") }
            guard let lit = HuffmanTable(lengths: lengths[0..<hlit], primaryBits: 10) else {
                throw br.error("invalid dynamic block header: over-subscribed literal/length code")
            }
            guard let dist = HuffmanTable(lengths: lengths[hlit...], primaryBits: 8) else {
                throw br.error("invalid dynamic block header: over-subscribed distance code")
            }
            try lit.entries.withUnsafeBufferPointer { l in
                try dist.entries.withUnsafeBufferPointer { d in
                    try decodeBlock(&br, l.baseAddress!, 10, d.baseAddress!, 8, out, windowStart)
                }
            }
        default:
            throw br.error("invalid deflate block type 3 (reserved) in block \(blockIndex)")
        }
        blockIndex += 1
    }
    // Give back whole unconsumed bytes; the last partial byte belongs to the stream.
    return br.pos - br.cnt / 8
}

/// Decodes the symbols of one Huffman-coded block up to its end-of-block code.
@inline(__always)
private func decodeBlock(
    _ br: inout BitReader, _ lit: UnsafePointer<UInt32>, _ litBits: Int,
    _ dist: UnsafePointer<UInt32>, _ distBits: Int, _ out: InflateOutput, _ windowStart: Int
) throws {
    try lengthDistanceTable.withUnsafeBufferPointer { ldb in
        let ld = ldb.baseAddress!
        var o = out.base
        var count = out.count
        var cap = out.capacity
        defer { out.count = count }
        while true {
            if count &+ 266 > cap {
                out.count = count
                try out.reserve(266, at: br.offset)
                o = out.base
                cap = out.capacity
            }
            br.refill()
            let sym = try br.decode(lit, litBits, "a compressed block")
            if sym < 256 {
                o[count] = UInt8(truncatingIfNeeded: sym)
                count &+= 1
                continue
            }
            if sym == 256 { break }
            let li = sym &- 257
            guard li < 29 else { throw br.error("invalid literal/length symbol \(sym)") }
            let le = ld[li]
            var length = Int(le >> 8)
            let lx = Int(le & 0xFF)
            if lx > 0 { length &+= try br.take(lx, "a length code's extra bits") }
            let ds = try br.decode(dist, distBits, "a compressed block")
            guard ds < 30 else { throw br.error("invalid distance symbol \(ds)") }
            let de = ld[32 &+ ds]
            var distance = Int(de >> 8)
            let dx = Int(de & 0xFF)
            if dx > 0 { distance &+= try br.take(dx, "a distance code's extra bits") }
            guard distance <= count &- windowStart else {
                throw br.error("invalid distance \(distance): only \(count - windowStart) bytes decoded so far")
            }
            let dst = o + count
            let src = dst - distance
            if distance >= 8 {
                // 8-byte chunks; may write up to 7 bytes past the match (capacity has
                // slack), which later output overwrites.
                let d = UnsafeMutableRawPointer(dst), s = UnsafeRawPointer(src)
                var i = 0
                repeat {
                    d.storeBytes(of: s.loadUnaligned(fromByteOffset: i, as: UInt64.self), toByteOffset: i, as: UInt64.self)
                    i &+= 8
                } while i < length
            } else if distance == 1 {
                dst.update(repeating: src.pointee, count: length)
            } else {
                var i = 0
                while i < length { dst[i] = src[i]; i &+= 1 }
            }
            count &+= length
        }
    }
}
