import EndToEnd
import EndToEndData
import EndToEndNN
@testable import EndToEndTraining
import Foundation
import Synchronization
import XCTest

/// Two ranks as two threads of this process, meeting at a barrier for every collective: the
/// data-parallel arithmetic without MPI.
final class ThreadPairCommunicator: Communicator, @unchecked Sendable {
    final class Shared: @unchecked Sendable {
        let condition = NSCondition()
        var arrived = 0, generation = 0
        var slots: [[UInt8]] = [[], []]
        /// Waits until both ranks have called it.
        func barrier() {
            condition.lock()
            let g = generation
            arrived += 1
            if arrived == 2 { arrived = 0; generation += 1; condition.broadcast() } else { while g == generation { condition.wait() } }
            condition.unlock()
        }
    }
    let rank: Int
    let shared: Shared
    init(rank: Int, shared: Shared) { self.rank = rank; self.shared = shared }
    var size: Int { 2 }
    var transport: String { "threads" }

    /// Both ranks' bytes, after both put theirs.
    private func exchange(_ bytes: [UInt8]) -> [[UInt8]] {
        shared.condition.lock(); shared.slots[rank] = bytes; shared.condition.unlock()
        shared.barrier()
        shared.condition.lock(); let all = shared.slots; shared.condition.unlock()
        shared.barrier()
        return all
    }
    private func values<T>(_ b: UnsafeMutableBufferPointer<T>) -> [UInt8] { Array(UnsafeRawBufferPointer(b)) }
    private func decode<T>(_ bytes: [UInt8], as: T.Type) -> [T] { bytes.withUnsafeBytes { Array($0.bindMemory(to: T.self)) } }

    func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, root: Int) throws {
        let all = exchange(values(buffer))
        for (i, v) in decode(all[root], as: Float.self).enumerated() { buffer[i] = v }
    }
    func allreduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        let all = exchange(values(buffer)).map { decode($0, as: Float.self) }
        for i in buffer.indices { buffer[i] = all[0][i] + all[1][i] }
    }
    func allreduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws {
        let all = exchange(values(buffer)).map { decode($0, as: Double.self) }
        for i in buffer.indices { buffer[i] = all[0][i] + all[1][i] }
    }
    func allgather(_ bytes: [UInt8]) throws -> [[UInt8]] { exchange(bytes) }
    func barrier() throws { shared.barrier() }
}

final class DataParallelTests: XCTestCase {
    /// Runs `body` as rank 0 and rank 1 on two threads; returns both results.
    func pair<T: Sendable>(_ body: @escaping @Sendable (ThreadPairCommunicator) throws -> T) throws -> [T] {
        let shared = ThreadPairCommunicator.Shared()
        let results = Mutex<[Int: Result<T, Error>]>([:])
        let group = DispatchGroup()
        for r in 0..<2 {
            group.enter()
            Thread {
                let out = Result { try body(ThreadPairCommunicator(rank: r, shared: shared)) }
                results.withLock { $0[r] = out }
                group.leave()
            }.start()
        }
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success)
        return try (0..<2).map { r in try XCTUnwrap(results.withLock { $0[r] }).get() }
    }

    func testSlicesAreContiguousInRankOrderAndCoverTheBatch() throws {
        let slices = try pair { c in [17, 16, 1, 0].map { DataParallel(communicator: c).slice($0) } }
        XCTAssertEqual(slices[0], [0..<9, 0..<8, 0..<1, 0..<0])
        XCTAssertEqual(slices[1], [9..<17, 8..<16, 1..<1, 0..<0])
    }

    func testLocalBatchTakesTheRankRowsOfEveryField() throws {
        let batch = Batch(inputs: Tensor(shape: [5, 2], scalars: (0..<10).map(Float.init)), labels: IntTensor([0, 1, 2, 3, 4]),
                          targets: Tensor(shape: [5, 1], scalars: [10, 11, 12, 13, 14]), indices: [7, 8, 9, 10, 11])
        let parts = try pair { c -> [[Float]] in
            let b = DataParallel(communicator: c).localBatch(batch)
            return [b.inputs.scalars, b.labels!.scalars.map(Float.init), b.targets!.scalars, b.indices.map(Float.init)]
        }
        XCTAssertEqual(parts[0], [[0, 1, 2, 3, 4, 5], [0, 1, 2], [10, 11, 12], [7, 8, 9]])
        XCTAssertEqual(parts[1], [[6, 7, 8, 9], [3, 4], [13, 14], [10, 11]])
    }

    func testGradientsAreSummedInBucketsAndAMissingGradientStaysMissing() throws {
        // Buckets of 8 bytes (two Floats): each parameter here fills its own (the 3-element one exceeds one).
        let grads = try pair { c -> [[Float]?] in
            let ps = [Parameter(Tensor.zeros([2])), Parameter(Tensor.zeros([3])), Parameter(Tensor.zeros([1])), Parameter(Tensor.zeros([2]))]
            let r = Float(c.rank + 1)
            ps[0].grad = Tensor([1 * r, 2 * r])
            ps[1].grad = Tensor([3 * r, 4 * r, 5 * r])
            if c.rank == 1 { ps[2].grad = Tensor([7]) }  // only one rank has it
            let dp = DataParallel(communicator: c, bucketBytes: 8)
            try dp.gradientsReady(ps, run: TrainingRun(stages: [TrainingStage]()))
            XCTAssertEqual(dp.allreduceCalls, 4)
            // Two small parameters share one bucket.
            let small = [Parameter(Tensor.zeros([1])), Parameter(Tensor.zeros([1]))]
            for p in small { p.grad = Tensor([r]) }
            try dp.gradientsReady(small, run: TrainingRun(stages: [TrainingStage]()))
            XCTAssertEqual(dp.allreduceCalls, 5)
            XCTAssertEqual(small.map { $0.grad!.scalars }, [[3], [3]])
            return ps.map { $0.grad?.scalars }
        }
        for g in grads {
            XCTAssertEqual(g[0], [3, 6])
            XCTAssertEqual(g[1], [9, 12, 15])
            XCTAssertEqual(g[2], [7])
            XCTAssertNil(g[3])
        }
    }

    func testReusedBucketsForgetTheLastStepAndHeldGradientsAreNotWrittenThrough() throws {
        let out = try pair { c -> [[[Float]?]] in
            let ps = [Parameter(Tensor.zeros([2])), Parameter(Tensor.zeros([3]))]
            let dp = DataParallel(communicator: c, bucketBytes: 12)
            let r = Float(c.rank + 1)
            var steps: [[[Float]?]] = []
            // Step 1: both have gradients; a copy of one is held elsewhere (as a user might).
            ps[0].grad = Tensor([r, 2 * r])
            ps[1].grad = Tensor([3 * r, 4 * r, 5 * r])
            let held = ps[0].grad!
            try dp.gradientsReady(ps, run: TrainingRun(stages: [TrainingStage]()))
            XCTAssertEqual(held.scalars, [r, 2 * r], "the allreduce wrote into a tensor the parameter no longer owned alone")
            steps.append(ps.map { $0.grad?.scalars })
            // Step 2, same parameters: the first has no gradient anywhere, the second only on rank 0.
            for p in ps { p.zeroGrad() }
            ps[0].grad = nil
            ps[1].grad = c.rank == 0 ? Tensor([1, 1, 1]) : nil
            try dp.gradientsReady(ps, run: TrainingRun(stages: [TrainingStage]()))
            steps.append(ps.map { $0.grad?.scalars })
            XCTAssertEqual(dp.allreduceCalls, 4)
            return steps
        }
        for steps in out {
            XCTAssertEqual(steps[0][0], [3, 6])
            XCTAssertEqual(steps[0][1], [9, 12, 15])
            XCTAssertNil(steps[1][0])
            XCTAssertEqual(steps[1][1], [1, 1, 1])
        }
    }

    func testLargeGradientsAreReducedInTheirOwnStorageAndAgreeWithBuckets() throws {
        // Gradients of at least 16 bytes are reduced in place: [0] and [2] here; [1] and [3]
        // share a bucket with the flags. [2] has a gradient on rank 1 only, [3] on no rank.
        let out = try pair { c -> ([[Float]?], Bool, Int) in
            let ps = [Parameter(Tensor.zeros([5])), Parameter(Tensor.zeros([2])), Parameter(Tensor.zeros([4])), Parameter(Tensor.zeros([1]))]
            let r = Float(c.rank + 1)
            ps[0].grad = Tensor((1...5).map { Float($0) * r })
            ps[1].grad = Tensor([10 * r, 20 * r])
            if c.rank == 1 { ps[2].grad = Tensor([1, 2, 3, 4]) }
            let storage = ps[0].grad!.withContiguousData { UnsafeRawPointer($0) }
            let dp = DataParallel(communicator: c, bucketBytes: 1 << 20, inPlaceBytes: 16)
            try dp.gradientsReady(ps, run: TrainingRun(stages: [TrainingStage]()))
            let inPlace = ps[0].grad!.withContiguousData { UnsafeRawPointer($0) } == storage
            return (ps.map { $0.grad?.scalars }, inPlace, dp.allreduceCalls)
        }
        for (grads, inPlace, calls) in out {
            XCTAssertEqual(grads[0], [3, 6, 9, 12, 15])
            XCTAssertEqual(grads[1], [30, 60])
            XCTAssertEqual(grads[2], [1, 2, 3, 4], "a rank without the gradient contributes zeros")
            XCTAssertNil(grads[3])
            XCTAssertTrue(inPlace, "the large gradient was copied instead of reduced in its storage")
            XCTAssertEqual(calls, 3, "one bucket, then the two in-place gradients")
        }
        // A held copy of an in-place gradient keeps its values (copy on write).
        let held = try pair { c -> [Float] in
            let p = Parameter(Tensor.zeros([8]))
            p.grad = Tensor([Float](repeating: Float(c.rank + 1), count: 8))
            let copy = p.grad!
            try DataParallel(communicator: c, inPlaceBytes: 4).gradientsReady([p], run: TrainingRun(stages: [TrainingStage]()))
            XCTAssertEqual(p.grad!.scalars, [Float](repeating: 3, count: 8))
            return copy.scalars
        }
        XCTAssertEqual(held, [[Float](repeating: 1, count: 8), [Float](repeating: 2, count: 8)])
    }

    /// Sharded (each rank updates its block of a large tensor, then the blocks are gathered)
    /// and whole optimizer steps give the same weights and, once synchronized, the same state,
    /// for SGD with momentum and for Adam; before the synchronization a rank's state is current
    /// in its own block only.
    func testAShardedOptimizerStepEqualsTheWholeStep() throws {
        for kind in 0..<2 {
            let out = try pair { c -> (sharded: [Float], whole: [Float], stale: Bool, shards: [Range<Int>]) in
                var results: [[Float]] = [], stale = false, shards: [Range<Int>] = []
                for shard in [true, false] {
                    // 13 floats (52 bytes) are reduced in place, so sharded; 3 (12 bytes) share a bucket.
                    let ps = [Parameter(Tensor((0..<13).map { Float($0) / 10 })), Parameter(Tensor([1, 2, 3]))]
                    let opt: Optimizer = kind == 0 ? SGD(ps, learningRate: 0.1, momentum: 0.9, weightDecay: 0.01) : Adam(ps, learningRate: 0.01)
                    let dp = DataParallel(communicator: c, inPlaceBytes: 16, shardsOptimizerStep: true)
                    for step in 0..<3 {
                        ps[0].grad = Tensor((0..<13).map { Float(($0 + step) * (c.rank + 1)) / 7 })
                        ps[1].grad = Tensor([Float(c.rank), 1, Float(step)])
                        try dp.reduceGradients(ps, shardable: shard)
                        if shard {
                            shards = dp.pendingShards.values.sorted { $0.lowerBound < $1.lowerBound }
                            opt.step(shards: dp.pendingShards)
                            try dp.finishShardedStep()
                        } else {
                            XCTAssertTrue(dp.pendingShards.isEmpty)
                            opt.step()
                        }
                    }
                    func state() -> [Float] {
                        ps.flatMap { p in
                            let s = opt.state[ObjectIdentifier(p)] ?? [:]
                            return s.keys.sorted().flatMap { s[$0]!.scalars }
                        }
                    }
                    let before = state()
                    try dp.synchronizeOptimizerState(opt)
                    if shard { stale = before != state() }
                    results.append(ps.flatMap(\.value.scalars) + state())
                }
                return (results[0], results[1], stale, shards)
            }
            for (r, o) in out.enumerated() {
                XCTAssertEqual(o.sharded, o.whole, "kind \(kind) rank \(r): the sharded step differs from the whole one")
                XCTAssertTrue(o.stale, "kind \(kind) rank \(r): the state was whole before the synchronization")
                XCTAssertEqual(o.shards, [r == 0 ? 0..<7 : 7..<13], "kind \(kind) rank \(r)")
            }
            XCTAssertEqual(out[0].sharded, out[1].sharded, "kind \(kind): the ranks disagree")
        }
    }

    func testOneHostAsksForSharedMemoryUnlessThePMLIsChosen() {
        XCTAssertEqual(MPICommunicator.pointToPointLayer(["OMPI_COMM_WORLD_LOCAL_SIZE": "2", "OMPI_COMM_WORLD_SIZE": "2"]), "ob1")
        XCTAssertNil(MPICommunicator.pointToPointLayer(["OMPI_COMM_WORLD_LOCAL_SIZE": "2", "OMPI_COMM_WORLD_SIZE": "4"]), "several hosts")
        XCTAssertNil(MPICommunicator.pointToPointLayer(["OMPI_COMM_WORLD_LOCAL_SIZE": "2", "OMPI_COMM_WORLD_SIZE": "2", "OMPI_MCA_pml": "ucx"]))
        XCTAssertNil(MPICommunicator.pointToPointLayer([:]))
    }

    func testGatherConcatenatesOutputsAndWeightsTheLossBySliceSize() throws {
        let out = try pair { c -> ([Int], [Float], Double) in
            let rows = c.rank == 0 ? 3 : 1
            let output = Tensor(shape: [rows, 2], scalars: (0..<(rows * 2)).map { Float($0 + 10 * c.rank) })
            let (all, loss) = try DataParallel(communicator: c).gather(output: output, loss: c.rank == 0 ? 1 : 5, count: rows)
            return (all!.shape, all!.scalars, loss)
        }
        for (shape, values, loss) in out {
            XCTAssertEqual(shape, [4, 2])
            XCTAssertEqual(values, [0, 1, 2, 3, 4, 5, 10, 11])
            XCTAssertEqual(loss, (3 * 1 + 1 * 5) / 4.0, accuracy: 1e-12)
        }
    }

    func testBroadcastMakesEveryRankStartFromRankZero() throws {
        let values = try pair { c -> [Float] in
            let p = Parameter(Tensor([Float(c.rank), Float(c.rank) + 0.5]))
            try DataParallel(communicator: c).broadcast([p])
            return p.value.scalars
        }
        XCTAssertEqual(values, [[0, 0.5], [0, 0.5]])
    }

    func testSpreadRunsEachPieceOnceAndGivesEveryRankAllResultsInOrder() throws {
        let ran = Mutex<[Int]>([])
        let out = try pair { c in
            try c.spread(5, encode: { Array($0.utf8) }, decode: { String(decoding: $0, as: UTF8.self) }) { i -> String in
                ran.withLock { $0.append(i) }
                return "piece \(i) on rank \(c.rank)"
            }
        }
        XCTAssertEqual(ran.withLock { $0.sorted() }, [0, 1, 2, 3, 4])
        XCTAssertEqual(out[0], ["piece 0 on rank 0", "piece 1 on rank 1", "piece 2 on rank 1", "piece 3 on rank 0", "piece 4 on rank 0"],
                       "snake order: 0 1 1 0 0")
        XCTAssertEqual(out[0], out[1])
        XCTAssertEqual(try LocalCommunicator().spread(2, encode: { _ in [] }, decode: { _ in -1 }) { $0 * 10 }, [0, 10])
    }

    func testTheLauncherIsFoundFromItsEnvironment() throws {
        XCTAssertNil(Distributed.launcherEnvironment([:]))
        XCTAssertEqual(Distributed.launcherEnvironment(["OMPI_COMM_WORLD_RANK": "1", "OMPI_COMM_WORLD_SIZE": "4"])?.launcher, "Open MPI")
        XCTAssertEqual(Distributed.launcherEnvironment(["PMIX_RANK": "0"])?.launcher, "PMIx")
        XCTAssertTrue(try Distributed.detect(environment: [:]) is LocalCommunicator)
        XCTAssertThrowsError(try Distributed.detect(environment: ["PMI_RANK": "0", "PMI_SIZE": "2"])) { e in
            XCTAssertTrue("\(e)".contains("MPICH"), "\(e)")
        }
    }
}
