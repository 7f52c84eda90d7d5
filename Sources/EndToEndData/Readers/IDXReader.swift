import EndToEnd
import Foundation

/// Element types of the IDX format (the MNIST file format).
public enum IDXDataType: UInt8, Sendable, CustomStringConvertible {
    case ubyte = 0x08, byte = 0x09, short = 0x0B, int = 0x0C, float = 0x0D, double = 0x0E

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .ubyte, .byte: 1
        case .short: 2
        case .int, .float: 4
        case .double: 8
        }
    }

    /// Whether the type holds integers (usable as labels).
    public var isInteger: Bool { self != .float && self != .double }

    public var description: String {
        switch self {
        case .ubyte: "unsigned byte (0x08)"
        case .byte: "signed byte (0x09)"
        case .short: "short (0x0B)"
        case .int: "int (0x0C)"
        case .float: "float (0x0D)"
        case .double: "double (0x0E)"
        }
    }
}

/// A decoded IDX array: element type, shape, and the big-endian payload it was read from.
public struct IDXArray: Sendable {
    /// The element type.
    public let dataType: IDXDataType
    /// The dimensions, outermost first.
    public let shape: [Int]
    /// The file it came from (for error messages).
    public let file: String
    let bytes: [UInt8]
    let dataOffset: Int

    /// Number of elements.
    public var count: Int { Shape.count(shape) }

    /// All elements as `Float`, in row-major order, times `scale`.
    public func floatValues(scale: Float = 1) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buf, initialized in
            fill(buf.baseAddress!, scale: scale)
            initialized = count
        }
    }

    /// The elements as a tensor of this array's shape, times `scale`.
    public func tensor(scale: Float = 1) -> Tensor {
        Tensor(shape: shape) { p, _ in fill(p, scale: scale) }
    }

    func tensor(reshapedTo newShape: [Int], scale: Float) -> Tensor {
        Tensor(shape: newShape) { p, _ in fill(p, scale: scale) }
    }

    /// All elements as `Int32`; a `DataError` for float and double arrays.
    public func integerValues() throws -> [Int32] {
        guard dataType.isInteger else {
            throw DataError(file: file, location: "byte 2", message: "expected integer data (labels), found \(dataType)")
        }
        let n = count
        return bytes.withUnsafeBufferPointer { b in
            let p = b.baseAddress! + dataOffset
            return [Int32](unsafeUninitializedCapacity: n) { out, initialized in
                let o = out.baseAddress!
                switch dataType {
                case .ubyte: for i in 0..<n { o[i] = Int32(p[i]) }
                case .byte: for i in 0..<n { o[i] = Int32(Int8(bitPattern: p[i])) }
                case .short: for i in 0..<n { o[i] = Int32(Int16(bitPattern: UInt16(p[2 * i]) << 8 | UInt16(p[2 * i + 1]))) }
                case .int:
                    for i in 0..<n {
                        o[i] = Int32(bitPattern: UInt32(p[4 * i]) << 24 | UInt32(p[4 * i + 1]) << 16 | UInt32(p[4 * i + 2]) << 8 | UInt32(p[4 * i + 3]))
                    }
                case .float, .double: break
                }
                initialized = n
            }
        }
    }

    /// The elements as an `IntTensor` of this array's shape.
    public func intTensor() throws -> IntTensor {
        IntTensor(shape: shape, scalars: try integerValues())
    }

    private func fill(_ o: UnsafeMutablePointer<Float>, scale: Float) {
        let n = count
        bytes.withUnsafeBufferPointer { b in
            let p = b.baseAddress! + dataOffset
            switch dataType {
            case .ubyte:
                // Exact v / (1 / scale) for the usual 1/255 (a multiply would round differently).
                let lut = (0..<256).map { scale == 1 / 255 ? Float($0) / 255 : Float($0) * scale }
                lut.withUnsafeBufferPointer { t in for i in 0..<n { o[i] = t[Int(p[i])] } }
            case .byte: for i in 0..<n { o[i] = Float(Int8(bitPattern: p[i])) * scale }
            case .short: for i in 0..<n { o[i] = Float(Int16(bitPattern: UInt16(p[2 * i]) << 8 | UInt16(p[2 * i + 1]))) * scale }
            case .int:
                for i in 0..<n {
                    o[i] = Float(Int32(bitPattern: UInt32(p[4 * i]) << 24 | UInt32(p[4 * i + 1]) << 16 | UInt32(p[4 * i + 2]) << 8 | UInt32(p[4 * i + 3]))) * scale
                }
            case .float:
                for i in 0..<n {
                    o[i] = Float(bitPattern: UInt32(p[4 * i]) << 24 | UInt32(p[4 * i + 1]) << 16 | UInt32(p[4 * i + 2]) << 8 | UInt32(p[4 * i + 3])) * scale
                }
            case .double:
                for i in 0..<n {
                    var v: UInt64 = 0
                    for k in 0..<8 { v = v << 8 | UInt64(p[8 * i + k]) }
                    o[i] = Float(Double(bitPattern: v)) * scale
                }
            }
        }
    }
}

/// Reader for IDX files (the MNIST / Fashion-MNIST format), raw or gzip-compressed.
///
/// Layout: `00 00 type ndims`, then `ndims` big-endian `UInt32` dimensions, then the
/// big-endian elements. gzip input is recognised by its magic `1f 8b`.
public enum IDX {
    /// Reads and validates an IDX file. Byte offsets in errors refer to the decompressed
    /// data when the file is gzip-compressed.
    public static func read(contentsOf url: URL) throws -> IDXArray {
        let (bytes, compressed) = try DataFile.readMaybeGzip(url, headerBytes: 4 + 4 * 255) { head in
            let h = try header(head, file: url.path, suffix: " of the decompressed data")
            return h.headerSize + h.dataBytes
        }
        return try parse(bytes, file: url.path, compressed: compressed)
    }

    /// Element type, shape, header size and data size declared by an IDX header; `bytes`
    /// may be just a prefix of the file (only the header is read).
    static func header(_ bytes: [UInt8], file: String, suffix: String) throws
        -> (type: IDXDataType, shape: [Int], headerSize: Int, dataBytes: Int)
    {
        func error(_ at: Int, _ message: String) -> DataError {
            DataError(file: file, location: "byte \(at)\(suffix)", message: message)
        }
        let n = bytes.count
        guard n > 0 else { throw DataError(file: file, message: "empty file, expected IDX data") }
        guard n >= 4 else { throw error(n, "truncated IDX header: expected 4 bytes, file has \(n)") }
        guard bytes[0] == 0 && bytes[1] == 0 else {
            throw error(0, String(format: "bad IDX magic %02x %02x %02x %02x: expected 00 00 <type> <ndims>", bytes[0], bytes[1], bytes[2], bytes[3]))
        }
        guard let type = IDXDataType(rawValue: bytes[2]) else {
            throw error(2, String(format: "unsupported IDX element type 0x%02x (supported: 08 ubyte, 09 byte, 0B short, 0C int, 0D float, 0E double)", bytes[2]))
        }
        let ndims = Int(bytes[3])
        let headerSize = 4 + 4 * ndims
        guard n >= headerSize else {
            throw error(n, "truncated IDX header: \(ndims) dimensions need \(headerSize) header bytes, file has \(n)")
        }
        var shape: [Int] = []
        for d in 0..<ndims {
            let o = 4 + 4 * d
            let dim = Int(UInt32(bytes[o]) << 24 | UInt32(bytes[o + 1]) << 16 | UInt32(bytes[o + 2]) << 8 | UInt32(bytes[o + 3]))
            shape.append(dim)
            // Checked with every dimension, zeros included: [0, 2^32-1, 2^32-1] holds no
            // element but its strides overflow.
            guard let total = Shape.checkedCount(shape), total <= Int(Int32.max) * 8 else {
                throw error(o, "IDX dimensions too large (\(shape))")
            }
        }
        let (dataBytes, overflow) = (Shape.checkedCount(shape) ?? 0).multipliedReportingOverflow(by: type.size)
        guard !overflow else { throw error(4, "IDX dimensions too large (\(shape))") }
        return (type, shape, headerSize, dataBytes)
    }

    /// Parses IDX bytes already in memory; `file` names them in errors.
    public static func parse(_ bytes: [UInt8], file: String = "<memory>", compressed: Bool = false) throws -> IDXArray {
        let suffix = compressed ? " of the decompressed data" : ""
        func error(_ at: Int, _ message: String) -> DataError {
            DataError(file: file, location: "byte \(at)\(suffix)", message: message)
        }
        let n = bytes.count
        let (type, shape, headerSize, expected) = try header(bytes, file: file, suffix: suffix)
        let actual = n - headerSize
        guard actual >= expected else {
            throw error(n, "truncated IDX data: shape \(shape) of \(type) needs \(expected) bytes after the \(headerSize)-byte header, found \(actual)")
        }
        guard actual == expected else {
            throw error(headerSize + expected, "trailing garbage: \(actual - expected) unexpected bytes after the \(expected) data bytes of shape \(shape)")
        }
        return IDXArray(dataType: type, shape: shape, file: file, bytes: bytes, dataOffset: headerSize)
    }

    /// Reads an image file as a `[N, 1, rows, cols]` tensor (a rank-4 file keeps its
    /// shape); unsigned bytes are scaled to [0, 1], other types are kept as they are.
    ///
    /// The decoded tensor is kept in the ``DecodedCache`` (on by default), so a second read of
    /// the same, unchanged file maps it back instead of inflating and converting again.
    public static func readImages(_ url: URL) throws -> Tensor {
        try DecodedCache.tensor(source: url, variant: "idx-images-1") {
            let a = try read(contentsOf: url)
            guard a.shape.count == 3 || a.shape.count == 4 else {
                throw DataError(file: url.path, location: "byte 3", message: "expected images with 3 dimensions [N, rows, cols], found shape \(a.shape)")
            }
            let scale: Float = a.dataType == .ubyte ? 1 / 255 : 1
            let shape = a.shape.count == 3 ? [a.shape[0], 1, a.shape[1], a.shape[2]] : a.shape
            return a.tensor(reshapedTo: shape, scale: scale)
        }
    }

    /// Reads a label file (integer type, one dimension) as an `IntTensor` `[N]`.
    public static func readLabels(_ url: URL) throws -> IntTensor {
        let a = try read(contentsOf: url)
        guard a.shape.count == 1 else {
            throw DataError(file: url.path, location: "byte 3", message: "expected labels with 1 dimension [N], found shape \(a.shape)")
        }
        return try a.intTensor()
    }
}
