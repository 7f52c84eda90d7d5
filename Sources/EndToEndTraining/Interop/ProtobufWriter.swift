/// A minimal Protocol Buffers encoder, written by hand so that no protobuf library or
/// generated code is needed: varints, 32- and 64-bit scalars, length-delimited fields and
/// packed doubles, enough for ONNX's model messages and TensorBoard's `Event`s.
/// Wire format: https://protobuf.dev/programming-guides/encoding/
///
/// Fields are appended in the order they are called; readers accept any order. Repeated
/// scalars other than ``packedDoubles(_:_:)`` are written one field per value (the
/// unpacked form), which every protobuf reader accepts for proto2 and proto3 schemas.
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    /// Wire types of the protobuf encoding.
    enum WireType: UInt64 { case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5 }

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }

    mutating func key(_ field: Int, _ type: WireType) { varint(UInt64(field) << 3 | type.rawValue) }

    /// An `int32`, `int64` or enum field. Negative values take ten bytes (two's complement
    /// as a 64-bit varint), as protobuf specifies for non-zigzag integers.
    mutating func int64<T: BinaryInteger>(_ field: Int, _ value: T) {
        key(field, .varint)
        varint(UInt64(bitPattern: Int64(value)))
    }

    mutating func double(_ field: Int, _ value: Double) {
        key(field, .fixed64)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func float(_ field: Int, _ value: Float) {
        key(field, .fixed32)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func bytes(_ field: Int, _ value: [UInt8]) {
        key(field, .lengthDelimited)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func string(_ field: Int, _ value: String) { bytes(field, Array(value.utf8)) }

    /// An embedded message, encoded by `build`.
    mutating func message(_ field: Int, _ build: (inout ProtobufWriter) -> Void) {
        var inner = ProtobufWriter()
        build(&inner)
        bytes(field, inner.bytes)
    }

    /// A packed `repeated double`.
    mutating func packedDoubles(_ field: Int, _ values: [Double]) {
        var payload: [UInt8] = []
        payload.reserveCapacity(8 * values.count)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { payload.append(contentsOf: $0) } }
        bytes(field, payload)
    }
}
