import EndToEnd
import EndToEndData
import EndToEndNN
import Foundation

/// Data-parallel training over a ``Communicator``: every process holds the whole model, takes
/// its contiguous slice of each global batch, and all processes take the same optimizer step
/// with the gradient of the whole batch.
///
/// A ``TrainingRun`` with ``TrainingRun/dataParallel`` set:
/// - broadcasts the stage's parameters from rank 0 when a stage begins (every rank starts from
///   the same weights, also after a resume or a stage that created a head);
/// - splits each batch (the configured, global, batch) with ``slice(_:)``: rank r takes rows
///   `slice(B)` in the single-process order, sizes differing by at most one;
/// - scales each rank's loss by its share of the batch before backward, so the sum of the
///   ranks' gradients is the gradient of the mean over the whole batch, even for unequal
///   slices;
/// - sums the gradients with allreduce between backward and the optimizer step (as a
///   ``GradientHook``): large ones in their own storage, small ones in buckets of
///   ``bucketBytes``. The tape has no per-parameter completion hook, so
///   the allreduce follows backward instead of overlapping it; ``allreduceSeconds`` measures
///   what that costs;
/// - gathers the outputs and the batch-weighted loss, so observers, metrics and the watchdog
///   see the global batch exactly as a single process does;
/// - optionally (``shardsOptimizerStep``, `E2E_SHARD_OPTIMIZER=1`) splits the optimizer step of
///   the large gradients over the ranks: reduce-scatter, each rank updates its block, allgather
///   (``reduceGradients(_:shardable:)``, ``finishShardedStep()``), with the optimizer state made
///   whole again before checkpoints (``synchronizeOptimizerState(_:)``).
///
/// Module buffers (batch-norm running statistics) stay per rank: each rank normalises with
/// the statistics of its own slice, and rank 0's are the ones saved.
public final class DataParallel: GradientHook {
    public let communicator: Communicator
    /// Largest allreduce message, in bytes (1–4 MiB keeps latency amortised without a large
    /// staging buffer).
    public let bucketBytes: Int
    /// Seconds spent in the gradient allreduce so far (included in training time).
    public private(set) var allreduceSeconds = 0.0
    /// Gradient allreduce calls so far.
    public private(set) var allreduceCalls = 0

    /// Smallest gradient, in bytes, reduced in its own storage instead of a bucket.
    public let inPlaceBytes: Int

    public init(communicator: Communicator, bucketBytes: Int = 4 << 20, inPlaceBytes: Int = 256 << 10,
                shardsOptimizerStep: Bool = DataParallel.shardingRequested) {
        self.shardsOptimizerStep = shardsOptimizerStep
        precondition(bucketBytes >= 4, "DataParallel: bucketBytes must hold one Float")
        precondition(inPlaceBytes >= 4, "DataParallel: inPlaceBytes must hold one Float")
        self.communicator = communicator
        self.bucketBytes = bucketBytes
        self.inPlaceBytes = inPlaceBytes
    }

    public var rank: Int { communicator.rank }
    public var size: Int { communicator.size }

    /// This rank's rows of a global batch of `count` examples: contiguous, in rank order, the
    /// first `count % size` ranks taking one more.
    public func slice(_ count: Int) -> Range<Int> {
        let base = count / size, extra = count % size
        let start = rank * base + min(rank, extra)
        return start..<(start + base + (rank < extra ? 1 : 0))
    }

    /// This rank's part of `batch` (rows ``slice(_:)`` of every field).
    public func localBatch(_ batch: Batch) -> Batch {
        let r = slice(batch.count)
        if r.count == batch.count { return batch }
        return Batch(
            inputs: batch.inputs.sliced(axis: 0, r), labels: batch.labels.map { $0[r] },
            targets: batch.targets.map { $0.sliced(axis: 0, r) },
            intermediates: batch.intermediates.mapValues { $0.sliced(axis: 0, r) },
            indices: Array(batch.indices[r]))
    }

    /// Makes every rank's `parameters` equal to rank 0's.
    public func broadcast(_ parameters: [Parameter]) throws {
        guard size > 1 else { return }
        for p in parameters {
            try p.value.withUnsafeMutableData { ptr, n in
                try communicator.broadcast(UnsafeMutableBufferPointer(start: ptr, count: n), root: 0)
            }
        }
    }

    /// The whole batch's output and loss from each rank's: the outputs concatenated in rank
    /// order along the first axis (nil when no rank has one), and the mean of the ranks'
    /// `loss`es weighted by their `count`s (the mean over the whole batch for a mean loss).
    /// A rank with an empty slice passes `nil` and a count of 0.
    public func gather(output: Tensor?, loss: Double, count: Int) throws -> (output: Tensor?, loss: Double) {
        guard size > 1 else { return (output, loss) }
        // One message per rank: [loss·count, count, rank of the output (-1: none), dims...] then the values.
        var header: [Double] = [loss * Double(count), Double(count), Double(output?.rank ?? -1)]
        header += (output?.shape ?? []).map(Double.init)
        var bytes = [UInt8]()
        bytes += withUnsafeBytes(of: Int64(header.count)) { Array($0) }
        bytes += header.withUnsafeBytes { Array($0) }
        if let output { bytes += output.withContiguousData { p in Array(UnsafeRawBufferPointer(start: p, count: output.count * 4)) } }
        var weighted = 0.0, total = 0.0
        var values: [Float] = []
        var trailing: [Int]?, rows = 0
        for piece in try communicator.allgather(bytes) {
            let (h, body) = try Self.parse(piece)
            weighted += h[0]
            total += h[1]
            let rank = Int(h[2])
            guard rank >= 1 else { continue }
            let shape = h[3...].map { Int($0) }
            let inner = Array(shape.dropFirst())
            if let t = trailing, t != inner {
                throw DistributedError("data-parallel: ranks' outputs differ in shape beyond the batch axis (\(t) and \(inner))")
            }
            trailing = inner
            rows += shape[0]
            guard body.count == shape.reduce(1, *) * 4 else { throw DistributedError("data-parallel: an output message has the wrong length") }
            values += body.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        }
        let mean = total > 0 ? weighted / total : loss
        guard let trailing else { return (nil, mean) }
        return (Tensor(shape: [rows] + trailing, scalars: values), mean)
    }

    private static func parse(_ piece: [UInt8]) throws -> (header: [Double], body: ArraySlice<UInt8>) {
        guard piece.count >= 8 else { throw DistributedError("data-parallel: a message is too short") }
        let n = piece.withUnsafeBytes { Int($0.loadUnaligned(as: Int64.self)) }
        guard n >= 3, n <= 64, piece.count >= 8 + n * 8 else { throw DistributedError("data-parallel: a message header is malformed") }
        let header = piece[8..<(8 + n * 8)].withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
        return (header, piece[(8 + n * 8)...])
    }

    /// Sums the ranks' gradients (already scaled by each rank's share of the batch), so every
    /// rank holds the gradient of the whole batch. A parameter without a gradient on every rank
    /// keeps none.
    ///
    /// Gradients of at least ``inPlaceBytes`` are reduced in their own storage, one allreduce
    /// each: copying them into a bucket and back cost about a third of the allreduce's time on
    /// the MLP (perf, 2 ranks), and at that size one message per tensor costs no latency worth
    /// saving. Smaller ones share buckets of at most ``bucketBytes``, whose buffers persist from
    /// step to step (rebuilt only when the parameter list changes, as at a new stage); the last
    /// bucket also carries one presence flag per parameter, so it is reduced first and every
    /// rank knows which in-place gradients to reduce (a rank without one contributes zeros).
    public func gradientsReady(_ parameters: [Parameter], run: TrainingRun) throws {
        try reduceGradients(parameters, shardable: false)
    }

    /// Whether ``reduceGradients(_:shardable:)`` may split the optimizer step over the ranks
    /// (ZeRO stage 1, as PyTorch's `ZeroRedundancyOptimizer`, within each large tensor).
    ///
    /// Off unless `E2E_SHARD_OPTIMIZER=1` (``shardingRequested``): with Open MPI 4.1.4 over
    /// shared memory a reduce-scatter of the MLP's 1.6 MB weight gradient took longer than the
    /// whole allreduce (469 calls: 0.15-0.18 s against 0.12-0.14, plus 0.04 s for the
    /// allgather), which ate the half of the SGD update it saved; the 2-rank epoch measured no
    /// faster (Intel Xeon). It pays where the update is costly against the exchange (Adam on
    /// large tensors, an MPI whose reduce-scatter runs at half an allreduce's cost).
    public let shardsOptimizerStep: Bool

    /// Whether the environment asks for sharded optimizer steps (`E2E_SHARD_OPTIMIZER=1`).
    public static var shardingRequested: Bool {
        getenv("E2E_SHARD_OPTIMIZER").map { String(cString: $0) == "1" } ?? false
    }

    /// The element ranges this rank updates in the coming optimizer step (empty: every rank
    /// updates everything). Set by ``reduceGradients(_:shardable:)``.
    public private(set) var pendingShards: [ObjectIdentifier: Range<Int>] = [:]
    private var shardedParameters: [Parameter] = []
    /// Parameters whose optimizer state is current only in each rank's own block.
    private var staleState: Set<ObjectIdentifier> = []

    /// This rank's block of a tensor of `count` elements (cut as a batch is, ``slice(_:)``),
    /// and every rank's block size.
    func blocks(_ count: Int) -> (mine: Range<Int>, counts: [Int]) {
        (slice(count), (0..<size).map { r in count / size + (r < count % size ? 1 : 0) })
    }

    /// Sums the gradients over the ranks (see ``gradientsReady(_:run:)``). With `shardable`
    /// (the caller's optimizer updates element ranges and nothing reads the gradients before
    /// its step) and ``shardsOptimizerStep``, a gradient reduced in its own storage that every
    /// rank has is reduce-scattered instead: this rank gets the sum of its block only and
    /// updates only that block (``pendingShards``, for ``Optimizer/step(shards:)``), and
    /// ``finishShardedStep()`` then gathers the updated blocks. The bytes moved are an
    /// allreduce's; the update work per rank is 1/size of it (on the 2-rank MLP the SGD update
    /// was 11 % of each rank's step, for all 535,818 parameters on both ranks).
    public func reduceGradients(_ parameters: [Parameter], shardable: Bool) throws {
        pendingShards = [:]
        shardedParameters = []
        guard size > 1 else { return }
        let start = DispatchTime.now().uptimeNanoseconds
        defer {
            allreduceSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        let counts = parameters.map(\.count)
        if counts != layout { plan(counts) }
        // The flags' bucket goes first: what follows depends on them.
        for b in buckets.indices.reversed() {
            let members = buckets[b]
            let flagged = b == buckets.count - 1
            try buffers[b].withUnsafeMutableBufferPointer { buffer in
                let dst = buffer.baseAddress!
                var offset = 0
                for i in members {
                    let p = parameters[i]
                    if let g = p.grad {
                        g.withContiguousData { (dst + offset).update(from: $0, count: p.count) }
                    } else {
                        (dst + offset).update(repeating: 0, count: p.count)
                    }
                    offset += p.count
                }
                if flagged {
                    for (i, p) in parameters.enumerated() { dst[offset + i] = p.grad == nil ? 0 : 1 }
                }
                try communicator.allreduceSum(buffer)
            }
            allreduceCalls += 1
        }
        let flags = Array(buffers[buckets.count - 1].suffix(parameters.count))
        for (b, members) in buckets.enumerated() {
            buffers[b].withUnsafeBufferPointer { buffer in
                let src = buffer.baseAddress!
                var offset = 0
                for i in members {
                    if flags[i] > 0 { Self.write(parameters[i]) { $0.update(from: src + offset, count: $1) } }
                    offset += parameters[i].count
                }
            }
        }
        let shard = shardable && shardsOptimizerStep
        for i in inPlace where flags[i] > 0 {
            let p = parameters[i]
            if shard && Int(flags[i]) == size {
                let (mine, counts) = blocks(p.count)
                try Self.write(p) { d, n in try communicator.reduceScatterSum(UnsafeMutableBufferPointer(start: d, count: n), counts: counts) }
                pendingShards[ObjectIdentifier(p)] = mine
                shardedParameters.append(p)
            } else {
                try Self.write(p) { d, n in try communicator.allreduceSum(UnsafeMutableBufferPointer(start: d, count: n)) }
            }
            allreduceCalls += 1
        }
    }

    /// After ``Optimizer/step(shards:)`` with ``pendingShards``: every rank's updated block of
    /// each sharded parameter to every rank, so all hold the same weights again. The optimizer
    /// state of those parameters stays current only in each rank's block until
    /// ``synchronizeOptimizerState(_:)``.
    public func finishShardedStep() throws {
        guard !shardedParameters.isEmpty else { return }
        let start = DispatchTime.now().uptimeNanoseconds
        defer { allreduceSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        for p in shardedParameters {
            let counts = blocks(p.count).counts
            try p.value.withUnsafeMutableData { d, n in
                try communicator.allgatherBlocks(UnsafeMutableBufferPointer(start: d, count: n), counts: counts)
            }
            staleState.insert(ObjectIdentifier(p))
            allreduceCalls += 1
        }
        shardedParameters = []
        pendingShards = [:]
        shardedSteps += 1
    }

    /// Optimizer steps split over the ranks so far (``finishShardedStep()`` calls).
    public private(set) var shardedSteps = 0

    /// Makes `optimizer`'s state whole on every rank (the buffers shaped like a parameter
    /// that ``finishShardedStep()`` left current only in each rank's block), as before a
    /// checkpoint is written. Collective: every rank calls it at the same point; it does
    /// nothing when no step was sharded since the last call.
    public func synchronizeOptimizerState(_ optimizer: Optimizer?) throws {
        guard size > 1, !staleState.isEmpty, let optimizer else { return }
        for p in optimizer.parameters {
            let key = ObjectIdentifier(p)
            guard staleState.contains(key), var state = optimizer.state.removeValue(forKey: key) else { continue }
            let counts = blocks(p.count).counts
            for name in state.keys.sorted() {
                guard var t = state[name], t.count == p.count else { continue }
                state[name] = nil
                try t.withUnsafeMutableData { d, n in
                    try communicator.allgatherBlocks(UnsafeMutableBufferPointer(start: d, count: n), counts: counts)
                }
                state[name] = t
            }
            optimizer.state[key] = state
        }
        staleState = []
    }

    /// Runs `body` on `p`'s gradient storage (zeros when it has none). The gradient is taken
    /// out of the parameter first, so its storage is uniquely held and the write is in place
    /// unless another holder shares it (then the tensor is copied, and the holder keeps its
    /// values).
    private static func write(_ p: Parameter, _ body: (UnsafeMutablePointer<Float>, Int) throws -> Void) rethrows {
        var g = p.grad ?? Tensor.zeros(p.shape)
        p.grad = nil
        defer { p.grad = g }
        try g.withUnsafeMutableData { d, n in try body(d, n) }
    }

    /// Splits parameters of `counts` elements into those reduced in place (at least
    /// ``inPlaceBytes``) and buckets of consecutive others of at most ``bucketBytes`` (a larger
    /// one gets a bucket of its own), and allocates the buckets' buffers; the last bucket (empty
    /// of parameters when all are reduced in place) has room for the presence flags.
    private func plan(_ counts: [Int]) {
        let capacity = max(1, bucketBytes / 4)
        inPlace = counts.indices.filter { counts[$0] * 4 >= inPlaceBytes }
        buckets = []
        var current: [Int] = [], filled = 0
        for (i, c) in counts.enumerated() where c * 4 < inPlaceBytes {
            if filled > 0 && filled + c > capacity {
                buckets.append(current)
                (current, filled) = ([], 0)
            }
            current.append(i)
            filled += c
        }
        buckets.append(current)
        buffers = buckets.enumerated().map { b, members in
            let elements = members.reduce(0) { $0 + counts[$1] }
            return [Float](repeating: 0, count: elements + (b == buckets.count - 1 ? counts.count : 0))
        }
        layout = counts
    }

    private var layout: [Int]?
    private var inPlace: [Int] = []
    private var buckets: [[Int]] = []
    private var buffers: [[Float]] = []
}
