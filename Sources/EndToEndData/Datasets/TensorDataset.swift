import EndToEnd

/// A data set that can build a whole ``Batch`` for a list of indices faster than stacking
/// one ``Example`` at a time (e.g. by copying rows straight out of big tensors).
/// ``DataLoader`` and ``Batch/collate(_:indices:)`` use it when a data set conforms.
public protocol BatchCollating: Dataset {
    /// The batch made of the examples at `indices`, in that order.
    func batch(at indices: [Int]) -> Batch
}

/// An in-memory data set held as a few big tensors whose first dimension is the example
/// index, like PyTorch's `TensorDataset`.
///
/// - `inputs`: `[N, ...]`
/// - `labels`: `[N]` class labels (optional)
/// - `targets`: `[N, ...]` float targets (optional)
/// - `intermediates`: named `[N, ...]` intermediate targets (optional)
///
/// ```swift
/// let data = try TensorDataset(inputs: x, labels: y)
/// let (train, valid) = try data.trainValidationSplit(validationFraction: 0.1, seed: 0)
/// ```
public struct TensorDataset: BatchCollating {
    /// All inputs, `[N, ...]`, contiguous.
    public let inputs: Tensor
    /// Class labels, `[N]`.
    public let labels: IntTensor?
    /// Float targets, `[N, ...]`, contiguous.
    public let targets: Tensor?
    /// Named intermediate targets, each `[N, ...]`, contiguous.
    public let intermediates: [String: Tensor]
    /// Number of examples, `N`.
    public let count: Int

    /// Wraps the tensors (no copy when they are already contiguous). Throws a
    /// ``TensorError`` naming the mismatch when the first dimensions disagree.
    public init(inputs: Tensor, labels: IntTensor? = nil, targets: Tensor? = nil, intermediates: [String: Tensor] = [:]) throws(TensorError) {
        let op = "TensorDataset"
        guard inputs.rank >= 1 else {
            throw TensorError(op, "inputs must have a leading example dimension, got a scalar")
        }
        let n = inputs.shape[0]
        if let labels {
            guard labels.rank == 1 else {
                throw TensorError(op, "labels must have shape [N] = [\(n)], got \(Self.shapeText(labels.shape))")
            }
            guard labels.shape[0] == n else {
                throw TensorError(op, "inputs have \(n) examples (shape \(Self.shapeText(inputs.shape))) but labels have \(labels.shape[0]) (shape \(Self.shapeText(labels.shape)))")
            }
        }
        if let targets {
            guard targets.rank >= 1, targets.shape[0] == n else {
                throw TensorError(op, "inputs have \(n) examples (shape \(Self.shapeText(inputs.shape))) but targets have shape \(Self.shapeText(targets.shape))")
            }
        }
        for name in intermediates.keys.sorted() {
            let t = intermediates[name]!
            guard t.rank >= 1, t.shape[0] == n else {
                throw TensorError(op, "inputs have \(n) examples (shape \(Self.shapeText(inputs.shape))) but intermediate \"\(name)\" has shape \(Self.shapeText(t.shape))")
            }
        }
        self.inputs = inputs.isContiguous ? inputs : inputs.contiguousCopy()
        self.labels = labels
        self.targets = targets.map { $0.isContiguous ? $0 : $0.contiguousCopy() }
        self.intermediates = intermediates.mapValues { $0.isContiguous ? $0 : $0.contiguousCopy() }
        self.count = n
    }

    /// The example at `index`; its tensors are views into the big tensors (no copy).
    public func example(at index: Int) -> Example {
        precondition(index >= 0 && index < count, "TensorDataset.example(at:): index \(index) is out of range 0..<\(count)")
        return Example(
            input: inputs[index],
            label: labels.map { $0.scalars[index] },
            target: targets.map { $0[index] },
            intermediates: intermediates.mapValues { $0[index] })
    }

    /// Gathers the rows at `indices` with one `memcpy` per row and tensor.
    public func batch(at indices: [Int]) -> Batch {
        Batch(
            inputs: Self.gatherRows(inputs, indices),
            labels: labels.map { l in IntTensor(shape: [indices.count], scalars: indices.map { l.scalars[$0] }) },
            targets: targets.map { Self.gatherRows($0, indices) },
            intermediates: intermediates.mapValues { Self.gatherRows($0, indices) },
            indices: indices)
    }

    /// A new data set holding copies of the examples at `indices`, in that order.
    public func subset(_ indices: [Int]) -> TensorDataset {
        let b = batch(at: indices)
        // Shapes agree by construction.
        return try! TensorDataset(inputs: b.inputs, labels: b.labels, targets: b.targets, intermediates: b.intermediates)
    }

    /// Consecutive parts of the given sizes, after shuffling the example order with `seed`
    /// (or in the stored order when `seed` is nil). The counts may add up to less than
    /// `count`; the remaining examples are left out.
    public func split(counts: [Int], seed: UInt64?) throws(TensorError) -> [TensorDataset] {
        guard counts.allSatisfy({ $0 >= 0 }) else {
            throw TensorError("TensorDataset.split", "counts must be non-negative, got \(counts)")
        }
        let total = counts.reduce(0, +)
        guard total <= count else {
            throw TensorError("TensorDataset.split", "counts \(counts) add up to \(total), more than the \(count) examples")
        }
        var order: [Int]
        if let seed {
            var rng = RandomGenerator(seed: seed)
            order = rng.permutation(count)
        } else {
            order = Array(0..<count)
        }
        var parts: [TensorDataset] = []
        var start = 0
        for c in counts {
            parts.append(subset(Array(order[start..<(start + c)])))
            start += c
        }
        return parts
    }

    /// Parts holding the given fractions of the examples (e.g. `[0.9, 0.1]`), after
    /// shuffling with `seed` (in stored order when nil). Each part gets
    /// `floor(fraction * count)` examples; when the fractions add up to 1 the rounding
    /// remainder goes to the first part, so no example is lost.
    public func split(fractions: [Double], seed: UInt64?) throws(TensorError) -> [TensorDataset] {
        guard !fractions.isEmpty, fractions.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw TensorError("TensorDataset.split", "fractions must be a non-empty list of non-negative numbers, got \(fractions)")
        }
        let sum = fractions.reduce(0, +)
        guard sum <= 1 + 1e-9 else {
            throw TensorError("TensorDataset.split", "fractions \(fractions) add up to \(sum), more than 1")
        }
        var counts = fractions.map { Int(($0 * Double(count)).rounded(.down)) }
        if abs(sum - 1) <= 1e-9 { counts[0] += count - counts.reduce(0, +) }
        return try split(counts: counts, seed: seed)
    }

    /// A shuffled train / validation split; the validation part has
    /// `floor(validationFraction * count)` examples.
    public func trainValidationSplit(validationFraction: Double, seed: UInt64) throws(TensorError) -> (train: TensorDataset, validation: TensorDataset) {
        guard validationFraction >= 0 && validationFraction <= 1 else {
            throw TensorError("TensorDataset.trainValidationSplit", "validationFraction must be in [0, 1], got \(validationFraction)")
        }
        let nValid = Int((validationFraction * Double(count)).rounded(.down))
        let parts = try split(counts: [count - nValid, nValid], seed: seed)
        return (parts[0], parts[1])
    }

    /// `t[indices]` along the first axis for a contiguous `t`, one `memcpy` per row.
    static func gatherRows(_ t: Tensor, _ indices: [Int]) -> Tensor {
        let n = t.shape[0]
        let rest = Array(t.shape.dropFirst())
        let row = rest.reduce(1, *)
        let src = t.storage.pointer + t.offset
        return Tensor(shape: [indices.count] + rest) { dst, _ in
            for (j, i) in indices.enumerated() {
                precondition(i >= 0 && i < n, "TensorDataset: index \(i) is out of range 0..<\(n)")
                (dst + j * row).update(from: src + i * row, count: row)
            }
        }
    }

    static func shapeText(_ s: [Int]) -> String { "[" + s.map(String.init).joined(separator: ", ") + "]" }
}
