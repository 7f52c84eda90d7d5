import XCTest
@testable import EndToEndTraining

/// The encoder (shared by the ONNX export and TensorBoard) against the examples of the
/// protobuf encoding guide and hand-computed bytes.
final class ProtobufWriterTests: XCTestCase {
    func encoded(_ body: (inout ProtobufWriter) -> Void) -> [UInt8] {
        var w = ProtobufWriter()
        body(&w)
        return w.bytes
    }

    func testVarints() {
        XCTAssertEqual(encoded { $0.varint(0) }, [0x00])
        XCTAssertEqual(encoded { $0.varint(127) }, [0x7F])
        XCTAssertEqual(encoded { $0.varint(128) }, [0x80, 0x01])
        XCTAssertEqual(encoded { $0.varint(300) }, [0xAC, 0x02])
        XCTAssertEqual(encoded { $0.varint(UInt64.max) }, [UInt8](repeating: 0xFF, count: 9) + [0x01])
    }

    func testFields() {
        XCTAssertEqual(encoded { $0.int64(1, 150) }, [0x08, 0x96, 0x01])                        // field 1, varint
        XCTAssertEqual(encoded { $0.int64(3, -1) }, [0x18] + [UInt8](repeating: 0xFF, count: 9) + [0x01])  // int64 −1: ten bytes
        XCTAssertEqual(encoded { $0.string(2, "testing") }, [0x12, 0x07] + Array("testing".utf8))
        XCTAssertEqual(encoded { $0.float(2, 1) }, [0x15, 0x00, 0x00, 0x80, 0x3F])            // fixed32, little-endian
        XCTAssertEqual(encoded { $0.int64(20, 7) }, [0xA0, 0x01, 0x07])                          // a two-byte key
        XCTAssertEqual(encoded { $0.double(1, 1) }, [0x09, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F])       // fixed64
        XCTAssertEqual(encoded { $0.packedDoubles(4, [1, -2]) },
                       [0x22, 0x10, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0, 0, 0, 0, 0, 0, 0x00, 0xC0])  // one length-delimited field
        XCTAssertEqual(encoded { $0.message(3) { $0.int64(1, 150) } }, [0x1A, 0x03, 0x08, 0x96, 0x01])
    }

    func testTensorProtoLayout() {
        var w = ProtobufWriter()
        ONNXTensorProto(name: "w", dims: [2], floats: [1, -2]).encode(&w)
        XCTAssertEqual(w.bytes, [0x08, 0x02,                 // dims: 2
                                 0x10, 0x01,                 // data_type: FLOAT
                                 0x42, 0x01, 0x77,           // name: "w"
                                 0x4A, 0x08, 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0])  // raw_data
    }
}
