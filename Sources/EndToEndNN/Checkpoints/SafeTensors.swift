import EndToEnd
import Foundation

/// A checkpoint that could not be read, written or applied. The message names the file
/// (when there is one) and the problem.
public struct CheckpointError: Error, CustomStringConvertible, Sendable {
    /// The file involved, if any.
    public let file: URL?
    /// What went wrong.
    public let message: String

    public init(_ message: String, file: URL? = nil) {
        self.message = message
        self.file = file
    }

    public var description: String { file.map { "\($0.path): \(message)" } ?? message }

    /// The same error attributed to `file` (unless it already names one).
    func attributed(to url: URL) -> CheckpointError { file == nil ? CheckpointError(message, file: url) : self }
}

/// Reads and writes the safetensors format (https://github.com/huggingface/safetensors):
/// an 8-byte little-endian header length `N`, `N` bytes of UTF-8 JSON describing each
/// tensor (`dtype`, `shape`, `data_offsets` relative to the data buffer) and an optional
/// `__metadata__` string map, then the little-endian, row-major data buffer.
///
/// ```swift
/// try SafeTensors.write([("w", w), ("b", b)], metadata: ["epoch": "3"], to: url)
/// let (tensors, metadata) = try SafeTensors.read(contentsOf: url)
/// ```
public enum SafeTensors {
    /// Element types this reader understands. Every one converts to `Float`; the integer
    /// types can also be read exactly as ``IntTensor``.
    public enum DType: String, Sendable, CaseIterable {
        case f32 = "F32", f16 = "F16", bf16 = "BF16", f64 = "F64", i64 = "I64", i32 = "I32"

        /// Bytes per element.
        public var byteCount: Int {
            switch self {
            case .f16, .bf16: 2
            case .f32, .i32: 4
            case .f64, .i64: 8
            }
        }

        /// Whether the type holds integers.
        public var isInteger: Bool { self == .i64 || self == .i32 }
    }

    /// One tensor's header entry.
    public struct TensorInfo: Sendable, Equatable {
        public let name: String
        public let dtype: DType
        public let shape: [Int]
        /// Byte range in the data buffer (which starts right after the header).
        public let dataOffsets: Range<Int>
    }

    /// The parsed header of a file plus its bytes.
    struct Parsed {
        let url: URL
        let data: Data
        let dataStart: Int
        let infos: [TensorInfo]
        let metadata: [String: String]
    }

    // MARK: Reading

    /// Every tensor in the file, converted to `Float`, and the `__metadata__` map.
    public static func read(contentsOf url: URL) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        floats(try parse(url))
    }

    /// Every tensor of safetensors bytes already in memory, converted to `Float`, and the
    /// `__metadata__` map; `name` names the data in errors.
    public static func read(data: Data, name: String = "<memory>") throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        floats(try parse(data, url: URL(fileURLWithPath: name)))
    }

    static func floats(_ p: Parsed) -> (tensors: [String: Tensor], metadata: [String: String]) {
        var out: [String: Tensor] = [:]
        for info in p.infos { out[info.name] = decodeFloat(p, info) }
        return (out, p.metadata)
    }

    /// The integer tensors (`I64`, `I32`) of the file as exact ``IntTensor``s (floating-point
    /// entries are left out), and the `__metadata__` map. `I64` values outside the
    /// `Int32` range are an error.
    public static func readIntegers(contentsOf url: URL) throws -> (tensors: [String: IntTensor], metadata: [String: String]) {
        let p = try parse(url)
        var out: [String: IntTensor] = [:]
        for info in p.infos where info.dtype.isInteger {
            let n = Shape.count(info.shape)
            var values = [Int32](repeating: 0, count: n)
            var bad: Int64?
            p.data.withUnsafeBytes { raw in
                let base = p.dataStart + info.dataOffsets.lowerBound
                for i in 0..<n {
                    if info.dtype == .i32 {
                        values[i] = Int32(littleEndian: raw.loadUnaligned(fromByteOffset: base + 4 * i, as: Int32.self))
                    } else {
                        let v = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: base + 8 * i, as: Int64.self))
                        guard let w = Int32(exactly: v) else { bad = v; return }
                        values[i] = w
                    }
                }
            }
            if let bad {
                throw CheckpointError("tensor '\(info.name)' (I64) holds \(bad), outside the Int32 range of IntTensor", file: url)
            }
            out[info.name] = IntTensor(shape: info.shape, scalars: values)
        }
        return (out, p.metadata)
    }

    /// The header alone: each tensor's dtype, shape and byte range, and the metadata.
    public static func readHeader(contentsOf url: URL) throws -> (tensors: [TensorInfo], metadata: [String: String]) {
        let p = try parse(url)
        return (p.infos, p.metadata)
    }

    static func parse(_ url: URL) throws -> Parsed {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw CheckpointError("cannot read file: \(error.localizedDescription)", file: url)
        }
        do { return try parse(data, url: url) } catch let e as CheckpointError { throw e.attributed(to: url) }
    }

    static func parse(_ data: Data, url: URL) throws -> Parsed {
        func fail(_ message: String) -> CheckpointError { CheckpointError(message, file: url) }
        let size = data.count
        guard size >= 8 else {
            throw fail("file is \(size) bytes, shorter than the 8-byte header length that starts a safetensors file")
        }
        let rawLength = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 0, as: UInt64.self)) }
        guard rawLength <= UInt64(size - 8) else {
            throw fail("header length \(rawLength) is larger than the \(size - 8) bytes that follow it (file is \(size) bytes; truncated or not a safetensors file)")
        }
        let headerLength = Int(rawLength)
        let dataStart = 8 + headerLength
        let bufferSize = size - dataStart
        let headerBytes = data.subdata(in: (data.startIndex + 8)..<(data.startIndex + dataStart))
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: headerBytes, options: []) } catch {
            throw fail("header (\(headerLength) bytes) is not valid JSON: \(error.localizedDescription)")
        }
        guard let header = json as? [String: Any] else {
            throw fail("header is not a JSON object but \(type(of: json))")
        }

        var metadata: [String: String] = [:]
        if let m = header["__metadata__"] {
            guard let dict = m as? [String: Any] else { throw fail("__metadata__ is not a JSON object") }
            for (k, v) in dict {
                guard let s = v as? String else { throw fail("__metadata__ value for '\(k)' is not a string") }
                metadata[k] = s
            }
        }

        var infos: [TensorInfo] = []
        for name in header.keys.sorted() where name != "__metadata__" {
            guard let entry = header[name] as? [String: Any] else { throw fail("entry for tensor '\(name)' is not a JSON object") }
            let missing = ["dtype", "shape", "data_offsets"].filter { entry[$0] == nil }
            guard missing.isEmpty else {
                throw fail("entry for tensor '\(name)' is missing \(missing.joined(separator: ", "))")
            }
            guard let dtypeName = entry["dtype"] as? String else { throw fail("tensor '\(name)': dtype is not a string") }
            guard let dtype = DType(rawValue: dtypeName) else {
                throw fail("tensor '\(name)' has unsupported dtype '\(dtypeName)' (supported: \(DType.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard let shape = intArray(entry["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
                throw fail("tensor '\(name)': shape \(describe(entry["shape"])) is not an array of non-negative integers")
            }
            guard let offsets = intArray(entry["data_offsets"]), offsets.count == 2, offsets.allSatisfy({ $0 >= 0 }) else {
                throw fail("tensor '\(name)': data_offsets \(describe(entry["data_offsets"])) is not a pair of non-negative integers")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin <= end else {
                throw fail("tensor '\(name)': data_offsets [\(begin), \(end)] end before they begin")
            }
            // Zeros included: [0, 2^62, 2^62] holds nothing but its strides overflow.
            guard let count = Shape.checkedCount(shape) else {
                throw fail("tensor '\(name)': shape \(shapeText(shape)) is too large")
            }
            let (needed, overflow) = count.multipliedReportingOverflow(by: dtype.byteCount)
            guard !overflow, needed == end - begin else {
                throw fail("tensor '\(name)' of shape \(shapeText(shape)) and dtype \(dtype.rawValue) needs \(overflow ? "too many" : String(needed)) bytes, but data_offsets [\(begin), \(end)] span \(end - begin) bytes")
            }
            guard end <= bufferSize else {
                throw fail("data is truncated: tensor '\(name)' data_offsets [\(begin), \(end)] extend past the end of the \(bufferSize)-byte data buffer (file is \(size) bytes, header \(headerLength) bytes)")
            }
            infos.append(TensorInfo(name: name, dtype: dtype, shape: shape, dataOffsets: begin..<end))
        }

        // Byte ranges may not overlap (empty tensors occupy no bytes).
        let byStart = infos.filter { !$0.dataOffsets.isEmpty }.sorted { $0.dataOffsets.lowerBound < $1.dataOffsets.lowerBound }
        for (a, b) in zip(byStart, byStart.dropFirst()) where b.dataOffsets.lowerBound < a.dataOffsets.upperBound {
            throw fail("tensors '\(a.name)' [\(a.dataOffsets.lowerBound), \(a.dataOffsets.upperBound)] and '\(b.name)' [\(b.dataOffsets.lowerBound), \(b.dataOffsets.upperBound)] have overlapping data_offsets")
        }
        return Parsed(url: url, data: data, dataStart: dataStart, infos: infos, metadata: metadata)
    }

    static func intArray(_ value: Any?) -> [Int]? {
        guard let array = value as? [Any] else { return nil }
        var out: [Int] = []
        for v in array {
            if let n = v as? NSNumber {
                // Reject non-integral numbers.
                let d = n.doubleValue
                guard d == d.rounded(), let i = Int(exactly: n.int64Value), Double(i) == d else { return nil }
                out.append(i)
            } else if let i = v as? Int { out.append(i) } else { return nil }
        }
        return out
    }

    static func describe(_ value: Any?) -> String {
        guard let value else { return "null" }
        if let a = value as? [Any] { return "[" + a.map { "\($0)" }.joined(separator: ", ") + "]" }
        return "\(value)"
    }

    static func decodeFloat(_ p: Parsed, _ info: TensorInfo) -> Tensor {
        Tensor(shape: info.shape) { dst, n in
            p.data.withUnsafeBytes { raw in
                let base = p.dataStart + info.dataOffsets.lowerBound
                switch info.dtype {
                case .f32:
                    for i in 0..<n { dst[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: base + 4 * i, as: UInt32.self))) }
                case .f64:
                    for i in 0..<n { dst[i] = Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: base + 8 * i, as: UInt64.self)))) }
                case .f16:
                    for i in 0..<n { dst[i] = halfToFloat(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: base + 2 * i, as: UInt16.self))) }
                case .bf16:
                    for i in 0..<n { dst[i] = Float(bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: base + 2 * i, as: UInt16.self))) << 16) }
                case .i32:
                    for i in 0..<n { dst[i] = Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: base + 4 * i, as: Int32.self))) }
                case .i64:
                    for i in 0..<n { dst[i] = Float(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: base + 8 * i, as: Int64.self))) }
                }
            }
        }
    }

    /// IEEE 754 binary16 to binary32, exact (subnormals, infinities and NaN included).
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h >> 15) << 31
        let exponent = Int((h >> 10) & 0x1F)
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
        if exponent == 0 {
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign != 0 ? -magnitude : magnitude
        }
        return Float(bitPattern: sign | (UInt32(exponent - 15 + 127) << 23) | (mantissa << 13))
    }

    // MARK: Writing

    /// Writes `tensors` as `F32` (and `integers` as `I64`) with the given metadata.
    ///
    /// The file is written atomically: to a temporary file in the destination's directory,
    /// flushed, then renamed over `url`, so `url` holds either its old or its new content,
    /// never a partial file. On failure the temporary file is removed.
    public static func write(_ tensors: [(String, Tensor)], integers: [(String, IntTensor)] = [], metadata: [String: String] = [:], to url: URL) throws {
        let bytes: Data
        do { bytes = try encode(tensors, integers: integers, metadata: metadata) } catch let e as CheckpointError { throw e.attributed(to: url) }
        try writeAtomically(bytes, to: url)
    }

    /// The file's bytes: header length, space-padded JSON header, data buffer.
    public static func encode(_ tensors: [(String, Tensor)], integers: [(String, IntTensor)] = [], metadata: [String: String] = [:]) throws -> Data {
        var seen = Set<String>()
        for name in tensors.map(\.0) + integers.map(\.0) {
            guard name != "__metadata__" else { throw CheckpointError("'__metadata__' cannot be used as a tensor name") }
            guard seen.insert(name).inserted else { throw CheckpointError("tensor name '\(name)' appears more than once") }
        }
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for (name, t) in tensors {
            header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + 4 * t.count]] as [String: Any]
            offset += 4 * t.count
        }
        for (name, t) in integers {
            header[name] = ["dtype": "I64", "shape": t.shape, "data_offsets": [offset, offset + 8 * t.scalars.count]] as [String: Any]
            offset += 8 * t.scalars.count
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes])
        json.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8))

        var out = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        for (_, t) in tensors {
            t.withContiguousData { p in
                #if _endian(little)
                out.append(UnsafeBufferPointer(start: p, count: t.count))
                #else
                for i in 0..<t.count { withUnsafeBytes(of: p[i].bitPattern.littleEndian) { out.append(contentsOf: $0) } }
                #endif
            }
        }
        for (_, t) in integers {
            for v in t.scalars { withUnsafeBytes(of: Int64(v).littleEndian) { out.append(contentsOf: $0) } }
        }
        return out
    }

    /// Writes `bytes` to a temporary file beside `url`, flushes it, renames it over `url` and
    /// flushes the folder (``AtomicFile``); any file, not only safetensors: exporters write
    /// their side files with it.
    public static func writeAtomically(_ bytes: Data, to url: URL) throws {
        do { try AtomicFile.write(bytes, to: url) } catch let e as AtomicFile.WriteError {
            throw CheckpointError("cannot write: \(e.reason)", file: url)
        }
    }
}
