import Foundation

/// Mono audio samples in [-1, 1] at a sample rate.
public struct AudioClip: Sendable, Equatable {
    /// Samples per second.
    public var sampleRate: Int
    /// The samples; several channels are averaged into one.
    public var samples: [Float]

    public init(sampleRate: Int, samples: [Float]) {
        self.sampleRate = sampleRate
        self.samples = samples
    }

    /// The length in seconds.
    public var duration: Double { sampleRate > 0 ? Double(samples.count) / Double(sampleRate) : 0 }
}

/// Reads RIFF/WAVE files: integer PCM of 8, 16, 24 or 32 bits and 32-bit IEEE float, any
/// number of channels (averaged to mono), as `espeak-ng -w` and `sox` write them.
///
/// Malformed input (a wrong magic, a truncated chunk, a missing `fmt ` or `data` chunk, an
/// unsupported encoding) throws a ``DataError`` naming the file and the byte offset.
public enum WAVReader {
    /// The clip in the file at `url`.
    public static func read(_ url: URL) throws -> AudioClip {
        try parse(DataFile.readBytes(url), file: url.path)
    }

    /// The clip held in `bytes`; `file` names the source in error messages.
    public static func parse(_ bytes: [UInt8], file: String = "<memory>") throws -> AudioClip {
        func fail(_ offset: Int, _ message: String) -> DataError { DataError(file: file, location: "byte \(offset)", message: message) }
        func u16(_ o: Int) -> Int { Int(bytes[o]) | Int(bytes[o + 1]) << 8 }
        func u32(_ o: Int) -> Int { u16(o) | u16(o + 2) << 16 }
        func tag(_ o: Int) -> String { String(decoding: bytes[o..<(o + 4)], as: UTF8.self) }

        guard bytes.count >= 12 else { throw DataError(file: file, message: "too short for a WAV file (\(bytes.count) bytes; the RIFF header needs 12)") }
        guard tag(0) == "RIFF" else { throw fail(0, "not a WAV file: expected 'RIFF', found \(quoted(bytes[0..<4]))") }
        guard tag(8) == "WAVE" else { throw fail(8, "not a WAV file: expected 'WAVE', found \(quoted(bytes[8..<12]))") }

        var format: (code: Int, channels: Int, rate: Int, blockAlign: Int, bits: Int)?
        var offset = 12
        while offset + 8 <= bytes.count {
            let id = tag(offset)
            var size = u32(offset + 4)
            let body = offset + 8
            if id == "data" {
                guard let f = format else { throw fail(offset, "'data' chunk before the 'fmt ' chunk") }
                // Streamed files (written before their length was known) declare a size
                // larger than the file; take what is there, whole frames only.
                if body + size > bytes.count {
                    guard size == 0xFFFF_FFFF || size == 0x7FFF_FFFF || size == 0 else {
                        throw fail(offset + 4, "'data' chunk declares \(size) bytes but only \(bytes.count - body) remain")
                    }
                    size = bytes.count - body
                }
                if size == 0 && body < bytes.count { size = bytes.count - body }
                return AudioClip(sampleRate: f.rate, samples: try decode(bytes, from: body, count: size / f.blockAlign, format: f, fail: fail))
            }
            if body + size > bytes.count { throw fail(offset + 4, "chunk '\(id)' declares \(size) bytes but only \(bytes.count - body) remain") }
            if id == "fmt " {
                guard size >= 16 else { throw fail(offset + 4, "'fmt ' chunk of \(size) bytes is too short (needs 16)") }
                var code = u16(body)
                let channels = u16(body + 2), rate = u32(body + 4), blockAlign = u16(body + 12), bits = u16(body + 14)
                if code == 0xFFFE {   // WAVE_FORMAT_EXTENSIBLE: the real code opens the sub-format GUID
                    guard size >= 40 else { throw fail(offset + 4, "extensible 'fmt ' chunk of \(size) bytes is too short (needs 40)") }
                    code = u16(body + 24)
                }
                guard code == 1 || code == 3 else { throw fail(body, "unsupported WAV encoding \(code); only PCM (1) and IEEE float (3) are read") }
                guard channels >= 1 else { throw fail(body + 2, "a WAV file needs at least one channel, found \(channels)") }
                guard rate >= 1 else { throw fail(body + 4, "sample rate must be positive, found \(rate)") }
                let supported = code == 1 ? [8, 16, 24, 32] : [32]
                guard supported.contains(bits) else {
                    throw fail(body + 14, "unsupported \(bits)-bit \(code == 1 ? "PCM" : "float") samples; supported: \(supported.map(String.init).joined(separator: ", "))")
                }
                guard blockAlign == channels * bits / 8 else {
                    throw fail(body + 12, "block align \(blockAlign) does not match \(channels) channel(s) of \(bits) bits")
                }
                format = (code, channels, rate, blockAlign, bits)
            }
            offset = body + size + (size & 1)   // chunks are padded to even sizes
        }
        throw DataError(file: file, message: format == nil ? "no 'fmt ' chunk" : "no 'data' chunk")
    }

    static func decode(_ bytes: [UInt8], from start: Int, count frames: Int,
                       format f: (code: Int, channels: Int, rate: Int, blockAlign: Int, bits: Int),
                       fail: (Int, String) -> DataError) throws -> [Float] {
        let width = f.bits / 8
        var out = [Float](repeating: 0, count: frames)
        let channelScale = 1 / Float(f.channels)
        for i in 0..<frames {
            var sum: Float = 0
            for c in 0..<f.channels {
                let o = start + i * f.blockAlign + c * width
                var raw: UInt32 = 0
                for b in 0..<width { raw |= UInt32(bytes[o + b]) << (8 * UInt32(b)) }
                let v: Float
                switch (f.code, f.bits) {
                case (3, _): v = Float(bitPattern: raw)
                case (_, 8): v = (Float(raw) - 128) / 128
                case (_, 16): v = Float(Int16(truncatingIfNeeded: raw)) / 32768
                case (_, 24): v = Float(Int32(bitPattern: raw << 8) >> 8) / 8_388_608
                default: v = Float(Int32(bitPattern: raw)) / 2_147_483_648
                }
                guard v.isFinite else { throw fail(o, "sample \(i) is not a finite number") }
                sum += v
            }
            out[i] = sum * channelScale
        }
        return out
    }

    static func quoted(_ b: ArraySlice<UInt8>) -> String {
        "'" + b.map { (32...126).contains($0) ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16) }.joined() + "'"
    }
}
