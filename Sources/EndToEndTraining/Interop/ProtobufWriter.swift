import Foundation

/// A minimal Protocol Buffers encoder: varints, 32-bit floats and length-delimited fields,
/// enough to write ONNX's messages without a code generator.
///
/// Fields are appended in the order they are called; readers accept any order. Repeated
/// scalars are written one field per value (the unpacked form), which every protobuf
/// reader accepts for both proto2 and proto3 schemas.
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    /// Wire types of the protobuf encoding.
    enum WireType: UInt8 { case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5 }

    mutating func appendVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func appendKey(_ field: Int, _ wire: WireType) {
        appendVarint(UInt64(field) << 3 | UInt64(wire.rawValue))
    }

    /// An `int32`, `int64` or enum field. Negative values take ten bytes (two's complement
    /// as a 64-bit varint), as protobuf specifies for non-zigzag integers.
    mutating func int(_ field: Int, _ value: Int) {
        appendKey(field, .varint)
        appendVarint(UInt64(bitPattern: Int64(value)))
    }

    mutating func float(_ field: Int, _ value: Float) {
        appendKey(field, .fixed32)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func bytes(_ field: Int, _ value: [UInt8]) {
        appendKey(field, .lengthDelimited)
        appendVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func string(_ field: Int, _ value: String) { bytes(field, Array(value.utf8)) }

    /// An embedded message, encoded by `body`.
    mutating func message(_ field: Int, _ body: (inout ProtobufWriter) -> Void) {
        var inner = ProtobufWriter()
        body(&inner)
        bytes(field, inner.bytes)
    }
}
