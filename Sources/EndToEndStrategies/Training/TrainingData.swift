import EndToEnd
import EndToEndData

/// Random-access training or test data for strategies: a count and a way to collate any set of
/// indices into a ``Batch``. Bootstrap samples (bagging) need the random access.
public struct TrainingData: @unchecked Sendable {
    public let count: Int
    private let collate: ([Int]) -> Batch

    public init(count: Int, batch: @escaping ([Int]) -> Batch) {
        self.count = count
        self.collate = batch
    }

    /// Any data set; data sets that collate whole batches at once (``TensorDataset``,
    /// ``ParityLines``) are used as such.
    public init<D: Dataset>(_ dataset: D) {
        self.init(count: dataset.count) { Batch.collate(dataset, indices: $0) }
    }

    public func batch(at indices: [Int]) -> Batch { collate(indices) }

    /// Consecutive batches covering every example once, in order.
    func sequentialBatches(size: Int) -> [[Int]] {
        stride(from: 0, to: count, by: size).map { Array($0..<min($0 + size, count)) }
    }
}

extension Batch {
    /// The examples at `rows` of this batch (for per-example gradients).
    func rows(_ rows: [Int]) -> Batch {
        func pick(_ t: Tensor) -> Tensor { t.indexSelect(axis: 0, IntTensor(rows.map { Int32($0) })) }
        return Batch(
            inputs: pick(inputs),
            labels: labels.map { l in
                let per = l.count / Swift.max(l.shape[0], 1)
                return IntTensor(shape: [rows.count] + l.shape.dropFirst(),
                                 scalars: rows.flatMap { l.scalars[($0 * per)..<(($0 + 1) * per)] })
            },
            targets: targets.map(pick),
            intermediates: intermediates.mapValues(pick),
            indices: rows.map { indices[$0] })
    }
}
