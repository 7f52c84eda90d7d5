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

    /// How the buffer is given back: `nil` for memory this storage allocated.
    private let release: (@Sendable (UnsafeMutablePointer<Float>) -> Void)?

    /// Allocates `count` uninitialized elements.
    public init(count: Int) {
        self.count = count
        release = nil
        _ = Allocator.isTuned
        // 64-byte alignment: one cache line, and what AVX-512 loads prefer in BLAS.
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// Allocates `count` elements set to `value`.
    public convenience init(count: Int, repeating value: Float) {
        self.init(count: count)
        pointer.initialize(repeating: value, count: count)
    }

    /// Takes over `count` elements at `pointer`, memory that something else allocated (a
    /// file mapped with `mmap`, say), and calls `release` with it when the last tensor
    /// holding it is gone. The pointer should be 64-byte aligned, as allocated storage is.
    public init(adopting pointer: UnsafeMutablePointer<Float>, count: Int,
                release: @escaping @Sendable (UnsafeMutablePointer<Float>) -> Void) {
        self.pointer = pointer
        self.count = count
        self.release = release
    }

    deinit {
        if let release { release(pointer) } else { pointer.deallocate() }
    }
}
