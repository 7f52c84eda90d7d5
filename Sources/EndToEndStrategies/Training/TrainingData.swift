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

/// Draws training batches: a fresh shuffled pass per epoch (last partial batch dropped, so all
/// steps have the same size), or a bootstrap sample of the data for bagging. Seeded: two
/// samplers with the same seed give the same batches, so every strategy sees the same data order.
struct BatchSampler {
    let count: Int
    let batchSize: Int
    private var rng: RandomGenerator
    private var order: [Int] = []
    private var position = 0
    private let bootstrap: Bool

    init(count: Int, batchSize: Int, seed: UInt64, bootstrap: Bool = false) {
        precondition(count >= batchSize && batchSize > 0, "BatchSampler: batch size \(batchSize) for \(count) examples")
        self.count = count
        self.batchSize = batchSize
        self.rng = RandomGenerator(seed: seed)
        self.bootstrap = bootstrap
    }

    mutating func next() -> [Int] {
        if position + batchSize > order.count {
            order = bootstrap ? (0..<count).map { _ in rng.nextInt(below: count) } : rng.permutation(count)
            position = 0
        }
        defer { position += batchSize }
        return Array(order[position..<position + batchSize])
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
