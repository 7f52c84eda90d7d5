/// An n-dimensional array of integers: class labels, token ids, gather indices, argmax results.
///
/// Always dense and row-major; it is a plain value (copy-on-write through Swift's array)
/// and carries no gradient.
public struct IntTensor: Sendable, Equatable, CustomStringConvertible {
    /// Sizes of each dimension.
    public let shape: [Int]
    /// Elements in row-major order.
    public var scalars: [Int32]

    /// A tensor with the given shape and row-major elements.
    public init(shape: [Int], scalars: [Int32]) {
        guard Shape.count(shape) == scalars.count else {
            fail(TensorError("IntTensor(shape:scalars:)", "shape \(shapeString(shape)) needs \(Shape.count(shape)) values, got \(scalars.count)"))
        }
        self.shape = shape
        self.scalars = scalars
    }

    /// A vector of integers.
    public init(_ values: [Int]) { self.init(shape: [values.count], scalars: values.map { Int32($0) }) }

    /// A vector of `Int32`.
    public init(_ values: [Int32]) { self.init(shape: [values.count], scalars: values) }

    /// A tensor filled with `value`.
    public static func full(_ shape: [Int], _ value: Int32) -> IntTensor {
        IntTensor(shape: shape, scalars: [Int32](repeating: value, count: Shape.count(shape)))
    }

    /// `0, 1, ..., n - 1`.
    public static func arange(_ n: Int) -> IntTensor { IntTensor(Array(0..<n)) }

    /// Number of dimensions.
    public var rank: Int { shape.count }
    /// Number of elements.
    public var count: Int { scalars.count }

    /// The element at a full multi-index.
    public subscript(index: Int...) -> Int32 {
        guard index.count == rank else {
            fail(TensorError("IntTensor.subscript", "index \(index) has \(index.count) components for shape \(shapeString(shape))"))
        }
        var flat = 0
        for (d, i) in index.enumerated() {
            guard i >= 0 && i < shape[d] else {
                fail(TensorError("IntTensor.subscript", "index \(i) is out of range for dimension \(d) of size \(shape[d])"))
            }
            flat = flat * shape[d] + i
        }
        return scalars[flat]
    }

    /// The same elements with a new shape (one dimension may be `-1`).
    public func reshaped(_ newShape: [Int]) -> IntTensor {
        let target = check { () throws(TensorError) in try Shape.resolveReshape(newShape, from: shape) }
        return IntTensor(shape: target, scalars: scalars)
    }

    /// Rows `r` along the first axis.
    public subscript(_ r: Range<Int>) -> IntTensor {
        guard rank >= 1, r.lowerBound >= 0, r.upperBound <= shape[0] else {
            fail(TensorError("IntTensor.slice", "range \(r) is out of bounds for shape \(shapeString(shape))"))
        }
        let inner = shape.dropFirst().reduce(1, *)
        return IntTensor(shape: [r.count] + shape.dropFirst(), scalars: Array(scalars[(r.lowerBound * inner)..<(r.upperBound * inner)]))
    }

    /// The elements chosen by `indices` along the first axis.
    public func gathering(rows indices: [Int]) -> IntTensor {
        let inner = shape.dropFirst().reduce(1, *)
        var out = [Int32]()
        out.reserveCapacity(indices.count * inner)
        for i in indices {
            guard i >= 0 && i < (shape.first ?? 0) else {
                fail(TensorError("IntTensor.gathering", "row \(i) is out of range for shape \(shapeString(shape))"))
            }
            out.append(contentsOf: scalars[(i * inner)..<((i + 1) * inner)])
        }
        return IntTensor(shape: [indices.count] + shape.dropFirst(), scalars: out)
    }

    /// The values as a float tensor.
    public var asFloat: Tensor { Tensor(shape: shape, scalars: scalars.map { Float($0) }) }

    public var description: String { "IntTensor(shape: \(shapeString(shape)), \(scalars.count <= 20 ? scalars.description : Array(scalars.prefix(20)).description + "...")" }
}

extension Tensor {
    /// The values truncated toward zero as integers.
    public var asInt: IntTensor { IntTensor(shape: shape, scalars: scalars.map { Int32($0) }) }
}
