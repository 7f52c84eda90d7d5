import EndToEnd

/// A mini-batch: the examples' tensors stacked along a new first dimension `B`.
public struct Batch: Sendable {
    /// Inputs, `[B, ...]`.
    public var inputs: Tensor
    /// Class labels, `[B]`, when the examples have labels.
    public var labels: IntTensor?
    /// Float targets, `[B, ...]`, when the examples have targets.
    public var targets: Tensor?
    /// Named intermediate targets, each `[B, ...]`.
    public var intermediates: [String: Tensor]
    /// The data set index of each example in the batch.
    public var indices: [Int]

    public init(inputs: Tensor, labels: IntTensor? = nil, targets: Tensor? = nil, intermediates: [String: Tensor] = [:], indices: [Int]) {
        self.inputs = inputs
        self.labels = labels
        self.targets = targets
        self.intermediates = intermediates
        self.indices = indices
    }

    /// Number of examples, `B`.
    public var count: Int { indices.count }

    /// The batch of `dataset`'s examples at `indices`: gathered directly when the data set
    /// conforms to ``BatchCollating`` (e.g. ``TensorDataset``), else stacked example by example.
    public static func collate<D: Dataset>(_ dataset: D, indices: [Int]) -> Batch {
        if let fast = dataset as? any BatchCollating { return fast.batch(at: indices) }
        return collate(indices.map { dataset.example(at: $0) }, indices: indices)
    }

    /// Stacks examples (generic collation). Every example must have the same input shape;
    /// labels, targets and each intermediate must be present in all examples or in none.
    public static func collate(_ examples: [Example], indices: [Int]? = nil) -> Batch {
        let idx = indices ?? Array(0..<examples.count)
        precondition(idx.count == examples.count, "Batch.collate: \(examples.count) examples but \(idx.count) indices")
        precondition(!examples.isEmpty, "Batch.collate: needs at least one example")
        let inputs = stackRows(examples.map(\.input), what: "input")
        var labels: IntTensor?
        let withLabels = examples.filter { $0.label != nil }.count
        if withLabels == examples.count {
            labels = IntTensor(shape: [examples.count], scalars: examples.map { $0.label! })
        } else {
            precondition(withLabels == 0, "Batch.collate: \(withLabels) of \(examples.count) examples have a label; all or none must")
        }
        var targets: Tensor?
        let withTargets = examples.filter { $0.target != nil }.count
        if withTargets == examples.count {
            targets = stackRows(examples.map { $0.target! }, what: "target")
        } else {
            precondition(withTargets == 0, "Batch.collate: \(withTargets) of \(examples.count) examples have a target; all or none must")
        }
        var intermediates: [String: Tensor] = [:]
        let names = Set(examples[0].intermediates.keys)
        for (i, e) in examples.enumerated() where Set(e.intermediates.keys) != names {
            preconditionFailure("Batch.collate: example \(i) has intermediates \(e.intermediates.keys.sorted()) but example 0 has \(names.sorted())")
        }
        for name in names {
            intermediates[name] = stackRows(examples.map { $0.intermediates[name]! }, what: "intermediate \"\(name)\"")
        }
        return Batch(inputs: inputs, labels: labels, targets: targets, intermediates: intermediates, indices: idx)
    }

    /// Stacks equally shaped tensors along a new first axis with one copy each.
    static func stackRows(_ tensors: [Tensor], what: String) -> Tensor {
        let shape = tensors[0].shape
        for (i, t) in tensors.enumerated() where t.shape != shape {
            preconditionFailure("Batch.collate: example \(i) has \(what) shape \(TensorDataset.shapeText(t.shape)) but example 0 has \(TensorDataset.shapeText(shape))")
        }
        let row = shape.reduce(1, *)
        return Tensor(shape: [tensors.count] + shape) { dst, _ in
            for (j, t) in tensors.enumerated() {
                t.withContiguousData { src in (dst + j * row).update(from: src, count: row) }
            }
        }
    }
}

/// Deterministic seed derivation (SplitMix64 mixing), so that a stream depends only on
/// `(seed, a, b, ...)`: never on access order or thread scheduling.
enum SeedMix {
    @inline(__always) static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A seed derived from `seed` and the `parts`.
    static func combine(_ seed: UInt64, _ parts: UInt64...) -> UInt64 {
        var h = mix(seed)
        for p in parts { h = mix(h ^ mix(p &+ 0x632B_E59B_D9B4_E019)) }
        return h
    }
}
