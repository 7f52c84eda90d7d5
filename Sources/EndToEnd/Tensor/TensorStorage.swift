import EndToEndKernels

/// Reference-counted, 64-byte aligned Float32 buffer shared by tensors and their views.
///
/// Tensors are value types; this class is what makes copy-on-write possible: a tensor that
/// is about to write checks `isKnownUniquelyReferenced` on its storage and copies first if
/// anyone else (a view, a saved tensor in the autodiff graph) still holds it.
public final class TensorStorage: @unchecked Sendable {
    /// Start of the buffer.
    public let pointer: UnsafeMutablePointer<Float>
    /// Number of `Float` elements in the buffer.
    public let count: Int

    /// Allocates `count` uninitialized elements.
    public init(count: Int) {
        self.count = count
        // 64-byte alignment: one cache line, and what AVX-512 loads prefer in BLAS.
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// Allocates `count` elements set to `value`.
    public convenience init(count: Int, repeating value: Float) {
        self.init(count: count)
        pointer.initialize(repeating: value, count: count)
    }

    deinit { pointer.deallocate() }
}
