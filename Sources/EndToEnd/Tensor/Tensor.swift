import EndToEndKernels

/// An n-dimensional array of `Float` with value semantics and reverse-mode autodiff.
///
/// Copies are cheap: tensors share a reference-counted ``TensorStorage`` and copy it only
/// when one of them is written to (copy-on-write). Views (``reshaped(_:)``,
/// ``permuted(_:)``, ``sliced(axis:_:)``, ``expanded(to:)``, ``squeezed(axis:)``) share
/// storage through their own shape, strides and offset.
///
/// A tensor that ``requiresGrad`` records the operations applied to it; calling
/// ``backward(_:)`` on a scalar result accumulates gradients into the ``grad`` of every
/// leaf tensor it depends on.
///
/// ```swift
/// var w = Tensor.randn([3, 2], seed: 0).requiringGrad()
/// let x = Tensor([[1, 2, 3]])
/// let loss = x.matmul(w).relu().sum()
/// loss.backward()
/// print(w.grad!)
/// ```
public struct Tensor: @unchecked Sendable {
    /// The shared buffer this tensor reads from.
    public internal(set) var storage: TensorStorage
    /// Sizes of each dimension; `[]` for a scalar.
    public internal(set) var shape: [Int]
    /// Element step of each dimension in `storage`; 0 for broadcast (expanded) dimensions.
    public internal(set) var strides: [Int]
    /// Index of the first element in `storage`.
    public internal(set) var offset: Int
    /// The autodiff record: a leaf accumulator or the op that produced this tensor.
    var node: GradNode?

    /// Wraps existing storage (no copy).
    public init(storage: TensorStorage, shape: [Int], strides: [Int]? = nil, offset: Int = 0) {
        self.storage = storage
        self.shape = shape
        self.strides = strides ?? Shape.contiguousStrides(shape)
        self.offset = offset
        self.node = nil
    }

    /// A new uninitialized contiguous tensor; `fill` must write every element.
    @inlinable
    public init(shape: [Int], fill: (UnsafeMutablePointer<Float>, Int) -> Void) {
        let n = Shape.count(shape)
        let s = TensorStorage(count: n)
        fill(s.pointer, n)
        self.init(storage: s, shape: shape)
    }

    /// A tensor holding `scalars` in row-major order with the given shape.
    public init(shape: [Int], scalars: [Float]) {
        let n = Shape.count(shape)
        guard n == scalars.count else {
            fail(TensorError("Tensor(shape:scalars:)", "shape \(shapeString(shape)) needs \(n) values, got \(scalars.count)"))
        }
        self.init(shape: shape) { p, n in
            scalars.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: n) }
        }
    }

    /// A scalar (rank-0) tensor.
    public init(_ value: Float) { self.init(shape: [], scalars: [value]) }
    /// A vector.
    public init(_ values: [Float]) { self.init(shape: [values.count], scalars: values) }
    /// A matrix from rows, which must all have the same length.
    public init(_ rows: [[Float]]) {
        let cols = rows.first?.count ?? 0
        for (i, r) in rows.enumerated() where r.count != cols {
            fail(TensorError("Tensor(_:)", "row \(i) has \(r.count) values, row 0 has \(cols)"))
        }
        self.init(shape: [rows.count, cols], scalars: rows.flatMap { $0 })
    }

    /// Number of dimensions.
    @inlinable public var rank: Int { shape.count }
    /// Number of elements.
    @inlinable public var count: Int { Shape.count(shape) }

    /// Where the first element is in storage: the start of a contiguous tensor's elements, for
    /// kernels that read them as one dense run.
    var elementPointer: UnsafeMutablePointer<Float> { storage.pointer + offset }

    /// Whether elements are laid out densely in row-major order starting at `offset`.
    public var isContiguous: Bool {
        var expected = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) where shape[i] != 1 {
            if strides[i] != expected { return false }
            expected *= shape[i]
        }
        return true
    }

    /// The elements in row-major order.
    public var scalars: [Float] {
        let c = contiguous()
        return Array(UnsafeBufferPointer(start: c.storage.pointer + c.offset, count: c.count))
    }

    /// The single element of a one-element tensor.
    public var item: Float {
        guard count == 1 else { fail(TensorError("item", "tensor of shape \(shapeString(shape)) has \(count) elements, not 1")) }
        return storage.pointer[offset]
    }

    /// The element at a full multi-index (negative indices count from the end).
    public subscript(index: Int...) -> Float {
        get { storage.pointer[elementOffset(index, op: "subscript")] }
    }

    func elementOffset(_ index: [Int], op: String) -> Int {
        guard index.count == rank else {
            fail(TensorError(op, "index \(index) has \(index.count) components for a tensor of shape \(shapeString(shape))"))
        }
        var o = offset
        for (d, i) in index.enumerated() {
            let j = i < 0 ? i + shape[d] : i
            guard j >= 0 && j < shape[d] else {
                fail(TensorError(op, "index \(i) is out of range for dimension \(d) of size \(shape[d]) in shape \(shapeString(shape))"))
            }
            o += j * strides[d]
        }
        return o
    }

    /// Calls `body` with a pointer to this tensor's elements in contiguous row-major order,
    /// copying first only if the tensor is a non-contiguous view.
    @inlinable
    public func withContiguousData<R>(_ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        if isContiguous { return try body(storage.pointer + offset) }
        let c = contiguousCopy()
        return try body(c.storage.pointer)
    }

    /// A contiguous tensor with the same values: `self` if already contiguous, else a copy.
    /// Differentiable.
    public func contiguous() -> Tensor {
        if isContiguous { return self }
        var out = contiguousCopy()
        out.recordUnary(self, op: "contiguous") { g in g }
        return out
    }

    /// A dense copy of the elements, without autodiff history.
    public func contiguousCopy() -> Tensor {
        let out = Tensor(shape: shape) { dst, _ in
            StridedCopy.copy(shape: shape, strides: strides, source: storage.pointer + offset, destination: dst)
        }
        return out
    }

    /// Ensures this tensor owns its storage densely before an in-place write (copy-on-write).
    mutating func makeUniqueContiguous() {
        if !isKnownUniquelyReferenced(&storage) || !isContiguous || offset != 0 || storage.count != count {
            let c = contiguousCopy()
            storage = c.storage
            strides = c.strides
            offset = 0
        }
    }

    /// Writes into this tensor's elements in place (contiguous, copy-on-write). The autodiff
    /// identity (a parameter's leaf) is kept, so optimizers can update parameters in place.
    public mutating func withUnsafeMutableData<R>(_ body: (UnsafeMutablePointer<Float>, Int) throws -> R) rethrows -> R {
        makeUniqueContiguous()
        return try body(storage.pointer, count)
    }

    /// Replaces the values with those of `other` (same shape), keeping autodiff identity.
    public mutating func assign(_ other: Tensor) {
        guard other.shape == shape else {
            fail(TensorError("assign", "shape \(shapeString(other.shape)) does not match \(shapeString(shape))"))
        }
        let src = other.contiguous()
        withUnsafeMutableData { p, n in p.update(from: src.storage.pointer + src.offset, count: n) }
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let values = scalars
        func fmt(_ v: Float) -> String { String(format4: v) }
        if rank == 0 { return "Tensor(\(fmt(values[0])))" }
        var out = ""
        func render(_ dim: Int, _ base: Int, _ indent: String) {
            let step = shape[(dim + 1)...].reduce(1, *)
            if dim == rank - 1 {
                let n = shape[dim]
                let items = n > 12 ? Array(0..<6) + [-1] + Array(n - 6..<n) : Array(0..<n)
                out += "[" + items.map { $0 < 0 ? "..." : fmt(values[base + $0]) }.joined(separator: ", ") + "]"
                return
            }
            out += "["
            let n = shape[dim]
            let items = n > 8 ? Array(0..<3) + [-1] + Array(n - 3..<n) : Array(0..<n)
            for (j, i) in items.enumerated() {
                if j > 0 { out += ",\n" + indent + " " }
                if i < 0 { out += "..."; continue }
                render(dim + 1, base + i * step, indent + " ")
            }
            out += "]"
        }
        render(0, 0, "       ")
        return "Tensor(shape: \(shapeString(shape)), \(out))"
    }
}

extension String {
    init(format4 v: Float) {
        if v.isNaN { self = "nan"; return }
        if v.isInfinite { self = v > 0 ? "inf" : "-inf"; return }
        if v == v.rounded() && Swift.abs(v) < 1e7 { self = String(Int(v)) + "."; return }
        var s = String(Double(v))
        if s.count > 10, Swift.abs(v) >= 1e-3, Swift.abs(v) < 1e6 {
            let scale = 1e6
            s = String(Double((Double(v) * scale).rounded() / scale))
        }
        self = s
    }
}
