import Foundation

// The subset of ONNX's protobuf messages an exported model needs, with the field numbers
// of onnx/onnx.proto3 (ONNX IR version 8). Each `encode` writes the message's fields.

/// `TensorProto.DataType` values used here.
enum ONNXDataType: Int {
    case float = 1, int64 = 7
}

/// `TensorProto`: a named constant (an initializer or an attribute value), data as raw
/// little-endian bytes.
struct ONNXTensorProto {
    var name: String
    var dims: [Int]
    var dataType: ONNXDataType
    var rawData: [UInt8]

    init(name: String, dims: [Int], floats: [Float]) {
        precondition(dims.reduce(1, *) == floats.count, "ONNXTensorProto \(name): \(floats.count) values for dims \(dims)")
        self.name = name; self.dims = dims; dataType = .float
        var raw: [UInt8] = []
        raw.reserveCapacity(4 * floats.count)
        for f in floats { withUnsafeBytes(of: f.bitPattern.littleEndian) { raw.append(contentsOf: $0) } }
        rawData = raw
    }

    init(name: String, dims: [Int], int64s: [Int]) {
        precondition(dims.reduce(1, *) == int64s.count, "ONNXTensorProto \(name): \(int64s.count) values for dims \(dims)")
        self.name = name; self.dims = dims; dataType = .int64
        var raw: [UInt8] = []
        raw.reserveCapacity(8 * int64s.count)
        for v in int64s { withUnsafeBytes(of: Int64(v).littleEndian) { raw.append(contentsOf: $0) } }
        rawData = raw
    }

    func encode(_ w: inout ProtobufWriter) {
        for d in dims { w.int64(1, d) }
        w.int64(2, dataType.rawValue)
        w.string(8, name)
        w.bytes(9, rawData)
    }
}

/// `AttributeProto`: a node's named setting.
struct ONNXAttribute {
    enum Value {
        case float(Float), int(Int), string(String), floats([Float]), ints([Int]), strings([String])
    }
    var name: String
    var value: Value

    static func int(_ name: String, _ v: Int) -> Self { Self(name: name, value: .int(v)) }
    static func float(_ name: String, _ v: Float) -> Self { Self(name: name, value: .float(v)) }
    static func ints(_ name: String, _ v: [Int]) -> Self { Self(name: name, value: .ints(v)) }
    static func strings(_ name: String, _ v: [String]) -> Self { Self(name: name, value: .strings(v)) }

    func encode(_ w: inout ProtobufWriter) {
        w.string(1, name)
        // `type` (field 20): FLOAT 1, INT 2, STRING 3, FLOATS 6, INTS 7, STRINGS 8.
        switch value {
        case .float(let f): w.float(2, f); w.int64(20, 1)
        case .int(let i): w.int64(3, i); w.int64(20, 2)
        case .string(let s): w.string(4, s); w.int64(20, 3)
        case .floats(let fs): for f in fs { w.float(7, f) }; w.int64(20, 6)
        case .ints(let vs): for v in vs { w.int64(8, v) }; w.int64(20, 7)
        case .strings(let ss): for s in ss { w.string(9, s) }; w.int64(20, 8)
        }
    }
}

/// `NodeProto`: one operator application. An empty input name marks an omitted optional input.
struct ONNXNode {
    var opType: String
    var name: String
    var inputs: [String]
    var outputs: [String]
    var attributes: [ONNXAttribute] = []

    func encode(_ w: inout ProtobufWriter) {
        for i in inputs { w.string(1, i) }
        for o in outputs { w.string(2, o) }
        w.string(3, name)
        w.string(4, opType)
        for a in attributes { w.message(5) { a.encode(&$0) } }
    }
}

/// `ValueInfoProto` of a float tensor; `nil` dimensions are symbolic (`dimParam`).
struct ONNXValueInfo {
    var name: String
    var shape: [Int?]
    var dimParam = "batch"

    func encode(_ w: inout ProtobufWriter) {
        w.string(1, name)
        w.message(2) { type in                     // TypeProto
            type.message(1) { tensor in            // TypeProto.Tensor
                tensor.int64(1, ONNXDataType.float.rawValue)
                tensor.message(2) { shape in       // TensorShapeProto
                    for d in self.shape {
                        shape.message(1) { dim in  // TensorShapeProto.Dimension
                            if let d { dim.int64(1, d) } else { dim.string(2, dimParam) }
                        }
                    }
                }
            }
        }
    }
}

/// `GraphProto`.
struct ONNXGraph {
    var name: String
    var nodes: [ONNXNode]
    var initializers: [ONNXTensorProto]
    var inputs: [ONNXValueInfo]
    var outputs: [ONNXValueInfo]

    func encode(_ w: inout ProtobufWriter) {
        for n in nodes { w.message(1) { n.encode(&$0) } }
        w.string(2, name)
        for t in initializers { w.message(5) { t.encode(&$0) } }
        for i in inputs { w.message(11) { i.encode(&$0) } }
        for o in outputs { w.message(12) { o.encode(&$0) } }
    }
}

/// `ModelProto` with one opset import of the default domain.
struct ONNXModel {
    var irVersion: Int
    var opset: Int
    var producerName: String
    var producerVersion: String
    var docString: String
    var graph: ONNXGraph
    var metadata: [(String, String)] = []

    func encode(_ w: inout ProtobufWriter) {
        w.int64(1, irVersion)
        w.string(2, producerName)
        w.string(3, producerVersion)
        if !docString.isEmpty { w.string(6, docString) }
        w.message(7) { graph.encode(&$0) }
        w.message(8) { op in op.string(1, ""); op.int64(2, opset) }   // OperatorSetIdProto
        for (k, v) in metadata { w.message(14) { e in e.string(1, k); e.string(2, v) } }  // StringStringEntryProto
    }

    /// The serialized model.
    var serialized: [UInt8] {
        var w = ProtobufWriter()
        encode(&w)
        return w.bytes
    }
}
