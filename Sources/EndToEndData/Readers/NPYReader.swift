import EndToEnd
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reader and writer for NumPy `.npy` files (format versions 1.0, 2.0 and 3.0).
///
/// Supported dtypes (little-endian or byte-order-free only): `<f4 <f8 <i4 <i8 |u1 |i1
/// <u2 <i2` (also `|b1`, `<u4`). Fortran-order arrays are transposed to row-major.
public enum NPY {
    /// A parsed header.
    public struct Header: Sendable, Equatable {
        /// The dtype string, e.g. `<f4`.
        public var descr: String
        public var fortranOrder: Bool
        public var shape: [Int]
        /// Byte offset of the data.
        public var dataOffset: Int
    }

    /// Reads an array as a `Float` tensor (integers are converted).
    public static func read(_ url: URL) throws -> Tensor {
        try decode(DataFile.readBytes(url), file: url.path)
    }

    /// Decodes `.npy` bytes already in memory as a `Float` tensor; `file` names them in errors.
    public static func decode(_ bytes: [UInt8], file: String = "<memory>") throws -> Tensor {
        let (h, kind) = try parse(bytes, file: file)
        let n = Shape.count(h.shape)
        let values: [Float] = bytes.withUnsafeBufferPointer { b in
            let p = UnsafeRawPointer(b.baseAddress!) + h.dataOffset
            return (0..<n).map { kind.float(p, $0) }
        }
        return Tensor(shape: h.shape, scalars: h.fortranOrder ? toRowMajor(values, h.shape) : values)
    }

    /// Reads an integer array as an `IntTensor`; float dtypes and values outside the
    /// `Int32` range are errors.
    public static func readIntegers(_ url: URL) throws -> IntTensor {
        let bytes = try DataFile.readBytes(url)
        let (h, kind) = try parse(bytes, file: url.path)
        guard kind.isInteger else {
            throw DataError(file: url.path, location: "header", message: "dtype '\(h.descr)' is not an integer type; use NPY.read for float arrays")
        }
        let n = Shape.count(h.shape)
        var values = [Int32](repeating: 0, count: n)
        try bytes.withUnsafeBufferPointer { b in
            let p = UnsafeRawPointer(b.baseAddress!) + h.dataOffset
            for i in 0..<n {
                let v = kind.integer(p, i)
                guard let x = Int32(exactly: v) else {
                    throw DataError(file: url.path, location: "byte \(h.dataOffset + i * kind.size)", message: "value \(v) at element \(i) does not fit in Int32")
                }
                values[i] = x
            }
        }
        return IntTensor(shape: h.shape, scalars: h.fortranOrder ? toRowMajor(values, h.shape) : values)
    }

    /// Reads and validates only the header.
    public static func readHeader(_ url: URL) throws -> Header {
        try parse(DataFile.readBytes(url), file: url.path).0
    }

    /// Writes `tensor` as a version 1.0 `<f4` C-order file. The data go to a temporary
    /// file in the same directory, which is then renamed over `url`, so readers never
    /// see a half-written file.
    public static func write(_ tensor: Tensor, to url: URL) throws {
        var payload = Data()
        tensor.scalars.withUnsafeBufferPointer { b in
            var le = b.map { $0.bitPattern.littleEndian }
            le.withUnsafeMutableBytes { payload.append(contentsOf: $0) }
        }
        try write(descr: "<f4", shape: tensor.shape, payload: payload, to: url)
    }

    /// Writes `tensor` as a version 1.0 `<i4` C-order file (class labels, ids), atomically
    /// like ``write(_:to:)-(Tensor,_)``.
    public static func write(_ tensor: IntTensor, to url: URL) throws {
        var payload = Data()
        var le = tensor.scalars.map { $0.littleEndian }
        le.withUnsafeMutableBytes { payload.append(contentsOf: $0) }
        try write(descr: "<i4", shape: tensor.shape, payload: payload, to: url)
    }

    static func write(descr: String, shape: [Int], payload: Data, to url: URL) throws {
        let shapeText = shape.isEmpty ? "()" : shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let hl = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(hl & 0xFF), UInt8(hl >> 8)])
        data.append(contentsOf: Array(header.utf8))
        data.append(payload)
        do { try AtomicFile.write(data, to: url) } catch let e as AtomicFile.WriteError {
            throw DataError(file: url.path, message: "cannot write: \(e.reason)")
        }
    }

    // MARK: - Parsing

    struct Kind {
        let size: Int
        let isInteger: Bool
        let float: (UnsafeRawPointer, Int) -> Float
        let integer: (UnsafeRawPointer, Int) -> Int64
    }

    static func kind(_ descr: String) -> Kind? {
        func k<T>(_: T.Type, _ f: @escaping (T) -> Float, _ i: @escaping (T) -> Int64, int: Bool) -> Kind {
            Kind(
                size: MemoryLayout<T>.size, isInteger: int,
                float: { p, j in f(p.loadUnaligned(fromByteOffset: j * MemoryLayout<T>.size, as: T.self)) },
                integer: { p, j in i(p.loadUnaligned(fromByteOffset: j * MemoryLayout<T>.size, as: T.self)) })
        }
        var d = descr
        if let first = d.first, first == "<" || first == "|" || first == "=" { d.removeFirst() }
        switch d {
        case "f4": return k(UInt32.self, { Float(bitPattern: UInt32(littleEndian: $0)) }, { Int64(Float(bitPattern: UInt32(littleEndian: $0))) }, int: false)
        case "f8": return k(UInt64.self, { Float(Double(bitPattern: UInt64(littleEndian: $0))) }, { Int64(Double(bitPattern: UInt64(littleEndian: $0))) }, int: false)
        case "i4": return k(Int32.self, { Float(Int32(littleEndian: $0)) }, { Int64(Int32(littleEndian: $0)) }, int: true)
        case "i8": return k(Int64.self, { Float(Int64(littleEndian: $0)) }, { Int64(littleEndian: $0) }, int: true)
        case "u4": return k(UInt32.self, { Float(UInt32(littleEndian: $0)) }, { Int64(UInt32(littleEndian: $0)) }, int: true)
        case "i2": return k(Int16.self, { Float(Int16(littleEndian: $0)) }, { Int64(Int16(littleEndian: $0)) }, int: true)
        case "u2": return k(UInt16.self, { Float(UInt16(littleEndian: $0)) }, { Int64(UInt16(littleEndian: $0)) }, int: true)
        case "u1", "b1": return k(UInt8.self, { Float($0) }, { Int64($0) }, int: true)
        case "i1": return k(Int8.self, { Float($0) }, { Int64($0) }, int: true)
        default: return nil
        }
    }

    static func parse(_ b: [UInt8], file: String) throws -> (Header, Kind) {
        func error(_ location: String, _ message: String) -> DataError { DataError(file: file, location: location, message: message) }
        guard !b.isEmpty else { throw DataError(file: file, message: "empty file, expected a .npy array") }
        let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
        guard b.count >= 6, Array(b[0..<6]) == magic else {
            let shown = b.prefix(6).map { String(format: "%02x", $0) }.joined(separator: " ")
            throw error("byte 0", "bad magic \(shown): expected 93 4e 55 4d 50 59 (\\x93NUMPY)")
        }
        guard b.count >= 8 else { throw error("byte \(b.count)", "truncated header: file ends before the format version") }
        let major = b[6], minor = b[7]
        let lenBytes: Int
        switch major {
        case 1: lenBytes = 2
        case 2, 3: lenBytes = 4
        default: throw error("byte 6", "unsupported .npy format version \(major).\(minor) (supported: 1.0, 2.0, 3.0)")
        }
        guard minor == 0 else { throw error("byte 7", "unsupported .npy format version \(major).\(minor) (supported: 1.0, 2.0, 3.0)") }
        guard b.count >= 8 + lenBytes else { throw error("byte \(b.count)", "truncated header: file ends inside the header length") }
        var hlen = 0
        for k in 0..<lenBytes { hlen |= Int(b[8 + k]) << (8 * k) }
        let start = 8 + lenBytes
        guard b.count - start >= hlen else {
            throw error("byte \(b.count)", "truncated header: header length \(hlen) but only \(b.count - start) bytes follow")
        }
        guard let text = String(validating: b[start..<(start + hlen)], as: UTF8.self) else {
            throw error("byte \(start)", "malformed header: not valid UTF-8/ASCII text")
        }
        var parser = HeaderParser(text: text, file: file, base: start)
        let dict = try parser.parseDict()
        guard case .string(let descr)? = dict["descr"] else {
            if case .list? = dict["descr"] { throw error("header", "unsupported dtype: structured (record) arrays are not supported") }
            throw error("header", "malformed header: missing or non-string 'descr' in \(text.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        guard case .bool(let fortran)? = dict["fortran_order"] else {
            throw error("header", "malformed header: missing or non-boolean 'fortran_order'")
        }
        guard case .tuple(let shape)? = dict["shape"] else {
            throw error("header", "malformed header: missing or non-tuple 'shape'")
        }
        if descr.hasPrefix(">") && !descr.hasSuffix("1") {
            throw error("header", "big-endian dtype '\(descr)' is not supported; convert with arr.astype('<\(descr.dropFirst())') before saving")
        }
        guard let kind = kind(descr.hasPrefix(">") ? "|" + descr.dropFirst() : descr) else {
            throw error("header", "unsupported dtype '\(descr)' (supported: <f4 <f8 <i4 <i8 <u4 <i2 <u2 |u1 |i1 |b1)")
        }
        // Every dimension counts, zeros included: (0, 2**62, 2**62) holds no element but
        // its strides overflow.
        guard let count = Shape.checkedCount(shape) else {
            throw error("header", "invalid shape \(shape): a negative dimension, or more elements than can be addressed")
        }
        let dataOffset = start + hlen
        let (expected, o) = count.multipliedReportingOverflow(by: kind.size)
        guard !o else { throw error("header", "shape \(shape) is too large") }
        let actual = b.count - dataOffset
        guard actual == expected else {
            throw error(
                "byte \(dataOffset)",
                "data size mismatch: shape \(shape) of '\(descr)' needs \(expected) bytes, file has \(actual)\(actual < expected ? " (truncated)" : " (trailing bytes)")")
        }
        return (Header(descr: descr, fortranOrder: fortran, shape: shape, dataOffset: dataOffset), kind)
    }

    /// Reorders column-major (Fortran) elements into row-major order.
    static func toRowMajor<T>(_ v: [T], _ shape: [Int]) -> [T] {
        let r = shape.count
        guard r > 1, !v.isEmpty else { return v }
        var fstride = [Int](repeating: 1, count: r)
        for k in 1..<r { fstride[k] = fstride[k - 1] * shape[k - 1] }
        var out: [T] = []
        out.reserveCapacity(v.count)
        var idx = [Int](repeating: 0, count: r)
        for _ in 0..<v.count {
            var src = 0
            for k in 0..<r { src += idx[k] * fstride[k] }
            out.append(v[src])
            var k = r - 1
            while k >= 0 {
                idx[k] += 1
                if idx[k] < shape[k] { break }
                idx[k] = 0
                k -= 1
            }
        }
        return out
    }
}

/// A tiny parser for the Python dict literal in a .npy header.
struct HeaderParser {
    enum Value { case string(String), bool(Bool), int(Int), tuple([Int]), list }
    let chars: [Character]
    var i = 0
    let file: String
    let base: Int
    let text: String

    init(text: String, file: String, base: Int) {
        self.text = text
        chars = Array(text)
        self.file = file
        self.base = base
    }

    func error(_ message: String) -> DataError {
        DataError(file: file, location: "header, character \(i + 1) (byte \(base + i))", message: "malformed header: \(message) in \(text.trimmingCharacters(in: .whitespacesAndNewlines))")
    }

    mutating func skipSpace() { while i < chars.count && chars[i].isWhitespace { i += 1 } }

    mutating func expect(_ c: Character) throws {
        skipSpace()
        guard i < chars.count, chars[i] == c else { throw error("expected '\(c)'") }
        i += 1
    }

    mutating func peek() -> Character? { skipSpace(); return i < chars.count ? chars[i] : nil }

    mutating func parseDict() throws -> [String: Value] {
        try expect("{")
        var d: [String: Value] = [:]
        while true {
            if peek() == "}" { i += 1; break }
            guard case .string(let key) = try parseValue() else { throw error("expected a string key") }
            try expect(":")
            d[key] = try parseValue()
            if peek() == "," { i += 1; continue }
            try expect("}")
            break
        }
        return d
    }

    mutating func parseValue() throws -> Value {
        guard let c = peek() else { throw error("unexpected end") }
        if c == "'" || c == "\"" {
            i += 1
            var s = ""
            while i < chars.count && chars[i] != c { s.append(chars[i]); i += 1 }
            guard i < chars.count else { throw error("unterminated string") }
            i += 1
            return .string(s)
        }
        if c == "(" {
            i += 1
            var items: [Int] = []
            while true {
                if peek() == ")" { i += 1; break }
                guard case .int(let v) = try parseValue() else { throw error("expected an integer in the shape tuple") }
                items.append(v)
                if peek() == "," { i += 1; continue }
                try expect(")")
                break
            }
            return .tuple(items)
        }
        if c == "[" {
            var depth = 0
            while i < chars.count {
                if chars[i] == "[" { depth += 1 } else if chars[i] == "]" { depth -= 1; if depth == 0 { i += 1; return .list } }
                i += 1
            }
            throw error("unterminated list")
        }
        if c.isNumber || c == "-" {
            var s = ""
            while i < chars.count && (chars[i].isNumber || chars[i] == "-") { s.append(chars[i]); i += 1 }
            if i < chars.count && chars[i] == "L" { i += 1 }  // Python 2 long
            guard let v = Int(s) else { throw error("bad integer '\(s)'") }
            return .int(v)
        }
        var word = ""
        while i < chars.count && (chars[i].isLetter || chars[i] == "_") { word.append(chars[i]); i += 1 }
        switch word {
        case "True": return .bool(true)
        case "False": return .bool(false)
        default: throw error(word.isEmpty ? "unexpected character '\(c)'" : "unexpected word '\(word)'")
        }
    }
}
