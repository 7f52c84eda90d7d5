import EndToEnd
import EndToEndData

/// Where a training stage takes its batches from.
///
/// Either epoch-structured (a ``DataLoader`` through ``EpochBatches``: a fixed number of
/// batches per epoch, whose order depends only on the loader's seed and the epoch) or an
/// endless stream (``SampledBatches`` over random-access data, or ``GeneratedBatches`` drawing
/// fresh examples). One stream may feed several stages in turn, so that a multi-stage run sees
/// one batch order, as a single-stage run would.
public protocol BatchStream: AnyObject {
    /// Batches per epoch for an epoch-structured stream; nil for an endless one.
    var batchesPerEpoch: Int? { get }
    /// Positions an epoch-structured stream at batch `batch` of epoch `epoch`. The loop calls
    /// it before a stage's first step and at each epoch boundary; endless streams ignore it.
    func start(epoch: Int, at batch: Int)
    /// The next batch (an epoch-structured stream is never asked past its epoch's end).
    func next() -> Batch
    /// The stream's own state for a run checkpoint (an epoch stream's position is the loop's
    /// and needs none); nil if the stream cannot be restored.
    func checkpointState() -> [String: String]?
    /// Restores what ``checkpointState()`` returned.
    func restore(checkpointState: [String: String]) throws
}

/// The batches of a ``BatchSource`` (a ``DataLoader``), epoch by epoch.
public final class EpochBatches: BatchStream {
    public let source: any BatchSource
    private var iterator: AnyIterator<Batch>?

    public init(_ source: some BatchSource) { self.source = source }

    public var batchesPerEpoch: Int? { source.batchCount }
    public func start(epoch: Int, at batch: Int) { iterator = source.batches(epoch: epoch, startingAt: batch) }
    public func next() -> Batch {
        guard let b = iterator?.next() else { preconditionFailure("EpochBatches: read past the end of an epoch") }
        return b
    }
    public func checkpointState() -> [String: String]? { [:] }
    public func restore(checkpointState: [String: String]) throws {}
}

/// Shuffled passes over random-access data (the last partial batch of a pass is dropped, so
/// every step has the same size), or bootstrap samples for bagging; endless and seeded.
public final class SampledBatches: BatchStream {
    public let count: Int
    public let batchSize: Int
    public let bootstrap: Bool
    private let collate: ([Int]) -> Batch
    private var rng: RandomGenerator
    private var order: [Int] = []
    private var position = 0

    /// - Parameter collate: the batch of the given example indices.
    public init(count: Int, batchSize: Int, seed: UInt64, bootstrap: Bool = false, collate: @escaping ([Int]) -> Batch) {
        precondition(count >= batchSize && batchSize > 0, "SampledBatches: batch size \(batchSize) for \(count) examples")
        self.count = count
        self.batchSize = batchSize
        self.bootstrap = bootstrap
        self.collate = collate
        rng = RandomGenerator(seed: seed)
    }

    public var batchesPerEpoch: Int? { nil }
    public func start(epoch: Int, at batch: Int) {}

    /// The indices of the next batch.
    public func nextIndices() -> [Int] {
        if position + batchSize > order.count {
            order = bootstrap ? (0..<count).map { _ in rng.nextInt(below: count) } : rng.permutation(count)
            position = 0
        }
        defer { position += batchSize }
        return Array(order[position..<position + batchSize])
    }

    public func next() -> Batch { collate(nextIndices()) }

    public func checkpointState() -> [String: String]? {
        ["rng": rng.state.map(String.init).joined(separator: ","), "position": String(position),
         "order": order.map(String.init).joined(separator: ",")]
    }

    public func restore(checkpointState s: [String: String]) throws {
        let words = (s["rng"] ?? "").split(separator: ",").compactMap { UInt64($0) }
        guard let g = RandomGenerator(state: words), let p = s["position"].flatMap(Int.init) else {
            throw TrainerError("SampledBatches: the checkpoint's sampler state is missing or malformed")
        }
        let o = (s["order"] ?? "").split(separator: ",").compactMap { Int($0) }
        guard p >= 0, p <= o.count, o.allSatisfy({ (0..<count).contains($0) }) else {
            throw TrainerError("SampledBatches: the checkpoint's sampler order does not fit \(count) examples")
        }
        (rng, position, order) = (g, p, o)
    }
}

/// Batches drawn by a closure, e.g. fresh examples from a generator every step (infinite data).
public final class GeneratedBatches: BatchStream {
    private let draw: () -> Batch
    private let save: (() -> [String: String])?
    private let load: (([String: String]) throws -> Void)?

    /// - Parameters:
    ///   - save, load: the generator's state for run checkpoints; without them the run cannot
    ///     be checkpointed.
    public init(save: (() -> [String: String])? = nil, load: (([String: String]) throws -> Void)? = nil,
                draw: @escaping () -> Batch) {
        self.draw = draw
        self.save = save
        self.load = load
    }

    public var batchesPerEpoch: Int? { nil }
    public func start(epoch: Int, at batch: Int) {}
    public func next() -> Batch { draw() }
    public func checkpointState() -> [String: String]? { save?() }
    public func restore(checkpointState s: [String: String]) throws {
        guard let load else { throw TrainerError("GeneratedBatches: this stream cannot be restored from a checkpoint") }
        try load(s)
    }
}
