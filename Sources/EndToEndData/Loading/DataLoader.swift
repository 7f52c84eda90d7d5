import EndToEnd
import Foundation
import Synchronization

/// Iterates over a data set in mini-batches, like PyTorch's `DataLoader`.
///
/// Epoch `e` visits the examples in an order that depends only on `(seed, e)` (a
/// permutation when `shuffle`, else `0..<N`), and the transform of batch `b` of epoch `e`
/// draws from a generator seeded from `(seed, e, b)`; so the same seed gives the same batches
/// on every run, with or without prefetching.
///
/// With `prefetch > 0`, a background thread builds up to `prefetch` batches ahead of the
/// consumer (a bounded buffer), so the next batch is usually ready when a training step
/// ends. Dropping the iterator mid-epoch stops that thread and waits for it to exit.
///
/// ```swift
/// let loader = DataLoader(train, batchSize: 128, shuffle: true, seed: 0,
///                         transform: Transforms.randomHorizontalFlip())
/// for epoch in 0..<10 {
///     for batch in loader.epoch(epoch) { ... }
/// }
/// ```
public final class DataLoader<D: Dataset>: Sequence, Sendable {
    /// A batch transform; it must draw all its randomness from the generator it is given.
    public typealias Transform = @Sendable (inout Batch, inout RandomGenerator) -> Void

    public let dataset: D
    public let batchSize: Int
    public let shuffle: Bool
    public let seed: UInt64
    public let dropLast: Bool
    /// How many batches the background thread may build ahead; 0 builds them on demand in
    /// the consumer's thread.
    public let prefetch: Int
    public let transform: Transform?
    private let collateFn: @Sendable ([Int]) -> Batch
    private let epochCounter = Mutex<Int>(0)

    public init(
        _ dataset: D, batchSize: Int, shuffle: Bool = false, seed: UInt64 = 0, dropLast: Bool = false,
        prefetch: Int = 2, transform: Transform? = nil
    ) {
        precondition(batchSize > 0, "DataLoader: batchSize must be positive, got \(batchSize)")
        precondition(prefetch >= 0, "DataLoader: prefetch must be >= 0, got \(prefetch)")
        self.dataset = dataset
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.seed = seed
        self.dropLast = dropLast
        self.prefetch = prefetch
        self.transform = transform
        if let fast = dataset as? any BatchCollating {
            collateFn = { fast.batch(at: $0) }
        } else {
            collateFn = { indices in Batch.collate(indices.map { dataset.example(at: $0) }, indices: indices) }
        }
    }

    /// Batches per epoch.
    public var batchCount: Int {
        dropLast ? dataset.count / batchSize : (dataset.count + batchSize - 1) / batchSize
    }

    /// Batches per epoch (same as ``batchCount``).
    public var count: Int { batchCount }

    /// Examples per epoch: all of them, or those in full batches when `dropLast`.
    public var sampleCount: Int { dropLast ? batchCount * batchSize : dataset.count }

    public var underestimatedCount: Int { batchCount }

    /// The epoch that the next `makeIterator()` (a plain `for batch in loader`) will run;
    /// it starts at 0 and goes up by one with each `makeIterator()`.
    public var nextEpoch: Int {
        get { epochCounter.withLock { $0 } }
        set { epochCounter.withLock { $0 = newValue } }
    }

    /// The order in which epoch `epoch` visits the examples.
    public func order(epoch: Int) -> [Int] {
        guard shuffle else { return Array(0..<dataset.count) }
        var rng = RandomGenerator(seed: SeedMix.combine(seed, 0, UInt64(bitPattern: Int64(epoch))))
        return rng.permutation(dataset.count)
    }

    /// The data set indices of each batch of epoch `epoch`.
    public func batchIndices(epoch: Int) -> [[Int]] {
        let o = order(epoch: epoch)
        return (0..<batchCount).map { b in Array(o[(b * batchSize)..<Swift.min((b + 1) * batchSize, o.count)]) }
    }

    /// Batch `b` of epoch `epoch`, computed directly (what the iterator yields there).
    public func batch(_ b: Int, epoch: Int) -> Batch {
        precondition(b >= 0 && b < batchCount, "DataLoader.batch: batch \(b) is out of range 0..<\(batchCount)")
        return makeBatch(order: order(epoch: epoch), epoch: epoch, batch: b)
    }

    func makeBatch(order: [Int], epoch: Int, batch b: Int) -> Batch {
        let indices = Array(order[(b * batchSize)..<Swift.min((b + 1) * batchSize, order.count)])
        var out = collateFn(indices)
        if let transform {
            var rng = RandomGenerator(seed: SeedMix.combine(seed, 1, UInt64(bitPattern: Int64(epoch)), UInt64(b)))
            transform(&out, &rng)
        }
        return out
    }

    /// The batches of epoch `e`.
    public func epoch(_ e: Int) -> Epoch { Epoch(loader: self, epoch: e) }

    /// An iterator over the next epoch (see ``nextEpoch``).
    public func makeIterator() -> Iterator {
        let e = epochCounter.withLock { e in
            defer { e += 1 }
            return e
        }
        return Iterator(loader: self, epoch: e)
    }

    /// One epoch's batches, as a sequence.
    public struct Epoch: Sequence, Sendable {
        public let loader: DataLoader
        public let epoch: Int
        public var underestimatedCount: Int { loader.batchCount }
        public var count: Int { loader.batchCount }
        public func makeIterator() -> Iterator { Iterator(loader: loader, epoch: epoch) }
    }

    /// Yields one epoch's batches. With prefetching, it owns a background producer thread,
    /// which it stops (and waits for) when it is released, even mid-epoch.
    public final class Iterator: IteratorProtocol {
        public let epoch: Int
        /// Index of the batch the next `next()` returns.
        public private(set) var batchIndex = 0
        private let loader: DataLoader
        private let order: [Int]
        private let pipeline: PrefetchPipeline?

        init(loader: DataLoader, epoch: Int) {
            self.loader = loader
            self.epoch = epoch
            let order = loader.order(epoch: epoch)
            self.order = order
            if loader.prefetch > 0 && loader.batchCount > 0 {
                let n = loader.batchCount
                pipeline = PrefetchPipeline(capacity: loader.prefetch, batchCount: n) { b in
                    loader.makeBatch(order: order, epoch: epoch, batch: b)
                }
            } else {
                pipeline = nil
            }
        }

        public func next() -> Batch? {
            guard batchIndex < loader.batchCount else { return nil }
            defer { batchIndex += 1 }
            if let pipeline { return pipeline.take() }
            return loader.makeBatch(order: order, epoch: epoch, batch: batchIndex)
        }

        deinit { pipeline?.shutDown() }
    }
}

/// A producer thread filling a bounded FIFO of batches.
final class PrefetchPipeline: @unchecked Sendable {
    /// Producer threads currently running (for tests and leak checks).
    static let liveProducers = Atomic<Int>(0)

    private let condition = NSCondition()
    private let capacity: Int
    // Guarded by `condition`.
    private var buffer: [Batch] = []
    private var cancelled = false
    private var finished = false

    init(capacity: Int, batchCount: Int, make: @escaping @Sendable (Int) -> Batch) {
        self.capacity = capacity
        Self.liveProducers.add(1, ordering: .relaxed)
        let thread = Thread { [self] in
            self.produce(batchCount: batchCount, make: make)
        }
        thread.name = "DataLoader.prefetch"
        thread.start()
    }

    private func produce(batchCount: Int, make: @Sendable (Int) -> Batch) {
        for b in 0..<batchCount {
            condition.lock()
            let stop = cancelled
            condition.unlock()
            if stop { break }
            let batch = make(b)
            condition.lock()
            while buffer.count >= capacity && !cancelled { condition.wait() }
            if cancelled {
                condition.unlock()
                break
            }
            buffer.append(batch)
            condition.broadcast()
            condition.unlock()
        }
        condition.lock()
        Self.liveProducers.subtract(1, ordering: .relaxed)
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch, waiting for the producer if needed.
    func take() -> Batch? {
        condition.lock()
        defer { condition.unlock() }
        while buffer.isEmpty && !finished { condition.wait() }
        if buffer.isEmpty { return nil }
        let b = buffer.removeFirst()
        condition.broadcast()
        return b
    }

    /// Stops the producer and waits until it has finished its current batch and exited.
    func shutDown() {
        condition.lock()
        cancelled = true
        buffer.removeAll()
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }
}
