import EndToEnd

/// A lookup table of `count` vectors of size `dimension` (PyTorch's `Embedding`,
/// initialized from N(0, 1)). `embedding(ids)` maps ids of any shape `S` to `S + [dimension]`.
public final class Embedding: Module, @unchecked Sendable {
    /// The table, `[count, dimension]`.
    public let weight: Parameter
    public let count: Int
    public let dimension: Int

    public init(_ count: Int, _ dimension: Int) {
        precondition(count > 0 && dimension > 0, "Embedding: sizes must be positive, got \(count) x \(dimension)")
        self.count = count; self.dimension = dimension
        weight = Parameter(Initializer.normal([count, dimension], std: 1))
        super.init()
    }

    public init(weight: Tensor) {
        precondition(weight.rank == 2, "Embedding: weight must be [count, dimension], got \(shapeText(weight.shape))")
        count = weight.shape[0]; dimension = weight.shape[1]
        self.weight = Parameter(weight)
        super.init()
    }

    /// Looks up every id; ids must be in `0..<count`.
    public func callAsFunction(_ ids: IntTensor) -> Tensor { weight.value.indexSelect(axis: 0, ids) }

    /// Looks up ids given as a float tensor of whole numbers (for use in ``Sequential``).
    public override func forward(_ x: Tensor) -> Tensor { self(x.asInt) }

    public override var summary: String { "Embedding(\(count), \(dimension))" }
}
