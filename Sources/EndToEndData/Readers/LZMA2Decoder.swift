import Foundation

// Pure-Swift raw LZMA2 decoding (the stream liblzma writes with FORMAT_RAW and
// FILTER_LZMA2, as R's xz-compressed lazy-load entries hold it).
//
// The whole output is kept in memory, so it doubles as the dictionary: a match may reach
// back to the last dictionary reset, whatever dictionary size the encoder used. Every
// malformed input raises a `DataError` naming the byte offset in the compressed input.

/// Raw LZMA2 decompression.
public enum LZMA2Decoder {
    /// Raw LZMA2 stream (as liblzma's FORMAT_RAW with FILTER_LZMA2 writes it).
    ///
    /// Decoding stops at the end marker (a zero control byte) or at the end of `data`;
    /// output past `limit` or past `expectedSize` is an error, and so is a stream that ends
    /// short of `expectedSize`.
    public static func decompress(_ data: Data, expectedSize: Int? = nil, limit: Int) throws -> Data {
        try Data(decompress([UInt8](data), expectedSize: expectedSize, limit: limit, file: "<memory>"))
    }

    /// The same on bytes, with the file named in errors.
    public static func decompress(_ bytes: [UInt8], expectedSize: Int? = nil, limit: Int, file: String) throws -> [UInt8] {
        let cap = min(limit, expectedSize ?? Int.max)
        var out: [UInt8] = []
        out.reserveCapacity(min(cap, max(64, bytes.count.multipliedReportingOverflow(by: 4).overflow ? cap : bytes.count * 4)))
        try bytes.withUnsafeBufferPointer { buf in
            var decoder = LZMA2State(input: buf, file: file, cap: cap, capIsExpected: expectedSize.map { $0 <= limit } ?? false)
            try decoder.run(into: &out)
        }
        if let expectedSize, out.count != expectedSize {
            throw DataError(file: file, location: "byte \(bytes.count)",
                            message: "LZMA2 stream ends after \(out.count) bytes, expected \(expectedSize)")
        }
        return out
    }
}

/// One LZMA2 stream being decoded: the chunk layer and the LZMA decoder's state.
private struct LZMA2State {
    let input: UnsafeBufferPointer<UInt8>
    let file: String
    let cap: Int
    let capIsExpected: Bool
    var pos = 0              // next input byte

    // LZMA model.
    var lc = 0, lp = 0, pb = 0
    var probs: [UInt16] = []
    var state = 0
    var rep0 = 0, rep1 = 0, rep2 = 0, rep3 = 0
    var dictStart = 0        // output index of the last dictionary reset

    // Range coder over the current chunk's packed bytes.
    var range: UInt32 = 0
    var code: UInt32 = 0
    var rcPos = 0
    var rcEnd = 0

    init(input: UnsafeBufferPointer<UInt8>, file: String, cap: Int, capIsExpected: Bool) {
        self.input = input
        self.file = file
        self.cap = cap
        self.capIsExpected = capIsExpected
    }

    func error(_ at: Int, _ message: String) -> DataError {
        DataError(file: file, location: "byte \(at)", message: message)
    }

    // Offsets into `probs`, laid out as in the LZMA specification.
    static let isMatch = 0                       // [12][16]
    static let isRep = isMatch + 192             // [12]
    static let isRepG0 = isRep + 12
    static let isRepG1 = isRepG0 + 12
    static let isRepG2 = isRepG1 + 12
    static let isRep0Long = isRepG2 + 12         // [12][16]
    static let posSlot = isRep0Long + 192        // [4][64]
    static let specPos = posSlot + 256           // 114 (+1 so that the 1-based reverse trees fit)
    static let align = specPos + 115             // 16
    static let lenCoder = align + 16             // 514
    static let repLenCoder = lenCoder + 514      // 514
    static let literal = repLenCoder + 514       // 0x300 << (lc + lp)
    // Within a length coder.
    static let choice = 0, choice2 = 1, low = 2, mid = 2 + 128, high = 2 + 256

    mutating func resetState() {
        let n = LZMA2State.literal + (0x300 << (lc + lp))
        if probs.count != n { probs = [UInt16](repeating: 1024, count: n) }
        else { for i in 0..<n { probs[i] = 1024 } }
        state = 0
        rep0 = 0; rep1 = 0; rep2 = 0; rep3 = 0
    }

    mutating func byte(_ what: String) throws -> Int {
        guard pos < input.count else { throw error(pos, "truncated LZMA2 stream: missing \(what)") }
        defer { pos += 1 }
        return Int(input[pos])
    }

    mutating func run(into out: inout [UInt8]) throws {
        var needDictReset = true, needProps = true, needStateReset = true
        while pos < input.count {
            let controlAt = pos
            let control = try byte("chunk control byte")
            if control == 0 { break }                       // end of stream
            if control >= 0xE0 || control == 1 {
                needProps = true; needDictReset = false
                dictStart = out.count
            } else if needDictReset {
                throw error(controlAt, "LZMA2 stream does not start with a dictionary reset (control byte 0x\(String(control, radix: 16)))")
            }
            if control >= 0x80 {
                let unpacked = ((control & 0x1F) << 16) + (try byte("chunk size") << 8) + (try byte("chunk size")) + 1
                let packed = (try byte("chunk size") << 8) + (try byte("chunk size")) + 1
                if control >= 0xC0 {
                    let p = try byte("properties byte")
                    guard p < 9 * 5 * 5 else { throw error(pos - 1, "invalid LZMA properties byte \(p)") }
                    let newLc = p % 9, newLp = (p / 9) % 5, newPb = p / 45
                    guard newLc + newLp <= 4 else { throw error(pos - 1, "invalid LZMA properties: lc \(newLc) + lp \(newLp) > 4") }
                    lc = newLc; lp = newLp; pb = newPb
                    needProps = false
                    resetState()
                    needStateReset = false
                } else if needProps {
                    throw error(controlAt, "LZMA chunk without properties after a dictionary reset")
                } else if control >= 0xA0 {
                    resetState()
                    needStateReset = false
                } else if needStateReset {
                    throw error(controlAt, "LZMA chunk without state reset after an uncompressed chunk")
                }
                guard packed <= input.count - pos else {
                    throw error(pos, "truncated LZMA2 stream: chunk declares \(packed) compressed bytes, \(input.count - pos) remain")
                }
                guard unpacked <= cap - out.count else { throw tooLarge(out.count + unpacked, at: controlAt) }
                try decodeChunk(from: pos, count: packed, unpacked: unpacked, into: &out)
                pos += packed
            } else {
                guard control <= 2 else { throw error(controlAt, "invalid LZMA2 control byte 0x\(String(control, radix: 16))") }
                let size = (try byte("chunk size") << 8) + (try byte("chunk size")) + 1
                guard size <= input.count - pos else {
                    throw error(pos, "truncated LZMA2 stream: uncompressed chunk declares \(size) bytes, \(input.count - pos) remain")
                }
                guard size <= cap - out.count else { throw tooLarge(out.count + size, at: controlAt) }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: input[pos..<(pos + size)]))
                pos += size
                // liblzma requires new properties or a state reset in the next LZMA chunk.
                needStateReset = true
            }
        }
    }

    func tooLarge(_ n: Int, at: Int) -> DataError {
        capIsExpected
            ? error(at, "LZMA2 stream decodes to more than the declared \(cap) bytes")
            : error(at, "LZMA2 output exceeds the limit of \(cap) bytes (at least \(n))")
    }

    // MARK: Range decoder

    mutating func rcInit() throws {
        guard rcEnd - rcPos >= 5 else { throw error(rcPos, "LZMA chunk too short for the range coder") }
        guard input[rcPos] == 0 else { throw error(rcPos, "corrupt LZMA chunk: range coder must start with a zero byte") }
        code = 0
        for i in 1...4 { code = (code << 8) | UInt32(input[rcPos + i]) }
        rcPos += 5
        range = 0xFFFF_FFFF
        guard code != range else { throw error(rcPos, "corrupt LZMA chunk: invalid range coder start") }
    }

    @inline(__always) mutating func normalize() throws {
        if range < (1 << 24) {
            guard rcPos < rcEnd else { throw error(rcPos, "corrupt LZMA chunk: compressed data end before the chunk's output is complete") }
            range <<= 8
            code = (code << 8) | UInt32(input[rcPos])
            rcPos += 1
        }
    }

    @inline(__always) mutating func bit(_ i: Int) throws -> Int {
        let p = UInt32(probs[i])
        let bound = (range >> 11) &* p
        let b: Int
        if code < bound {
            range = bound
            probs[i] = UInt16(p + ((2048 - p) >> 5))
            b = 0
        } else {
            range &-= bound
            code &-= bound
            probs[i] = UInt16(p - (p >> 5))
            b = 1
        }
        try normalize()
        return b
    }

    mutating func directBits(_ n: Int) throws -> Int {
        var r = 0
        for _ in 0..<n {
            range >>= 1
            var b = 0
            if code >= range { code &-= range; b = 1 }
            r = (r << 1) | b
            try normalize()
        }
        return r
    }

    mutating func tree(_ base: Int, _ bits: Int) throws -> Int {
        var m = 1
        for _ in 0..<bits { m = (m << 1) | (try bit(base + m)) }
        return m - (1 << bits)
    }

    mutating func reverseTree(_ base: Int, _ bits: Int) throws -> Int {
        var m = 1, sym = 0
        for i in 0..<bits {
            let b = try bit(base + m)
            m = (m << 1) | b
            sym |= b << i
        }
        return sym
    }

    mutating func length(_ coder: Int, _ posState: Int) throws -> Int {
        if try bit(coder + LZMA2State.choice) == 0 { return try tree(coder + LZMA2State.low + posState << 3, 3) }
        if try bit(coder + LZMA2State.choice2) == 0 { return 8 + (try tree(coder + LZMA2State.mid + posState << 3, 3)) }
        return 16 + (try tree(coder + LZMA2State.high, 8))
    }

    // MARK: LZMA chunk

    mutating func decodeChunk(from start: Int, count: Int, unpacked: Int, into out: inout [UInt8]) throws {
        rcPos = start
        rcEnd = start + count
        try rcInit()
        let end = out.count + unpacked
        let pbMask = (1 << pb) - 1, lpMask = (1 << lp) - 1
        while out.count < end {
            let total = out.count - dictStart
            let posState = total & pbMask
            if try bit(LZMA2State.isMatch + state << 4 + posState) == 0 {
                let prev = total > 0 ? Int(out[out.count - 1]) : 0
                let base = LZMA2State.literal + 0x300 * (((total & lpMask) << lc) + (prev >> (8 - lc)))
                var symbol = 1
                if state >= 7 {
                    var matchByte = Int(out[out.count - rep0 - 1])
                    repeat {
                        let matchBit = (matchByte >> 7) & 1
                        matchByte <<= 1
                        let b = try bit(base + ((1 + matchBit) << 8) + symbol)
                        symbol = (symbol << 1) | b
                        if matchBit != b { break }
                    } while symbol < 0x100
                }
                while symbol < 0x100 { symbol = (symbol << 1) | (try bit(base + symbol)) }
                out.append(UInt8(truncatingIfNeeded: symbol))
                state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6
                continue
            }
            var len: Int
            if try bit(LZMA2State.isRep + state) == 1 {
                guard total > 0 else { throw error(rcPos, "corrupt LZMA chunk: repeated match before any output") }
                if try bit(LZMA2State.isRepG0 + state) == 0 {
                    if try bit(LZMA2State.isRep0Long + state << 4 + posState) == 0 {
                        state = state < 7 ? 9 : 11
                        out.append(out[out.count - rep0 - 1])
                        continue
                    }
                } else {
                    let dist: Int
                    if try bit(LZMA2State.isRepG1 + state) == 0 {
                        dist = rep1
                    } else {
                        if try bit(LZMA2State.isRepG2 + state) == 0 { dist = rep2 } else { dist = rep3; rep3 = rep2 }
                        rep2 = rep1
                    }
                    rep1 = rep0
                    rep0 = dist
                }
                len = try length(LZMA2State.repLenCoder, posState)
                state = state < 7 ? 8 : 11
            } else {
                rep3 = rep2; rep2 = rep1; rep1 = rep0
                len = try length(LZMA2State.lenCoder, posState)
                state = state < 7 ? 7 : 10
                let lenState = min(len, 3)
                let slot = try tree(LZMA2State.posSlot + lenState << 6, 6)
                if slot < 4 {
                    rep0 = slot
                } else {
                    let direct = (slot >> 1) - 1
                    var dist = (2 | (slot & 1)) << direct
                    if slot < 14 {
                        dist += try reverseTree(LZMA2State.specPos + dist - slot, direct)
                    } else {
                        dist += (try directBits(direct - 4)) << 4
                        dist += try reverseTree(LZMA2State.align, 4)
                    }
                    rep0 = dist
                }
                guard rep0 < total else {
                    throw error(rcPos, rep0 == 0xFFFF_FFFF ? "corrupt LZMA chunk: end marker inside an LZMA2 chunk"
                                : "corrupt LZMA chunk: match distance \(rep0 + 1) reaches before the start of the data (\(total) bytes decoded)")
                }
            }
            len += 2
            guard len <= end - out.count else { throw error(rcPos, "corrupt LZMA chunk: match runs past the chunk's declared size") }
            var from = out.count - rep0 - 1
            for _ in 0..<len { out.append(out[from]); from += 1 }
        }
        guard rcPos == rcEnd else {
            throw error(rcPos, "corrupt LZMA chunk: \(rcEnd - rcPos) compressed bytes left after the chunk's output")
        }
    }
}
