import EndToEnd
import Foundation
import XCTest
@testable import EndToEndData

final class DataLoaderTests: XCTestCase {
    /// N examples whose input [1, 2, 2] is filled with the index; label index % 10.
    func makeData(_ n: Int) -> TensorDataset {
        let x = Tensor(shape: [n, 1, 2, 2]) { p, _ in
            for i in 0..<n { for j in 0..<4 { p[i * 4 + j] = Float(i) } }
        }
        return try! TensorDataset(inputs: x, labels: IntTensor((0..<n).map { $0 % 10 }))
    }

    /// A map-style data set without fast collation.
    struct Plain: Dataset {
        let n: Int
        var count: Int { n }
        func example(at index: Int) -> Example {
            Example(input: Tensor(shape: [1, 2, 2], scalars: [Float](repeating: Float(index), count: 4)), label: Int32(index % 10))
        }
    }

    func ids(_ b: Batch) -> [Int] { (0..<b.count).map { Int(b.inputs[$0, 0, 0, 0]) } }

    func testCounts() {
        let d = makeData(60000)
        let l = DataLoader(d, batchSize: 128, shuffle: true, seed: 1, prefetch: 0)
        XCTAssertEqual(l.count, 469)
        XCTAssertEqual(l.batchCount, 469)
        XCTAssertEqual(l.sampleCount, 60000)
        let batches = Array(l.epoch(0))
        XCTAssertEqual(batches.count, 469)
        XCTAssertEqual(batches.last!.count, 96)
        XCTAssertEqual(batches.last!.inputs.shape, [96, 1, 2, 2])
        XCTAssertTrue(batches.dropLast().allSatisfy { $0.count == 128 })
        XCTAssertEqual(Set(batches.flatMap(\.indices)).count, 60000, "an epoch visits every example once")

        let dl = DataLoader(d, batchSize: 128, shuffle: true, seed: 1, dropLast: true)
        XCTAssertEqual(dl.count, 468)
        XCTAssertEqual(dl.sampleCount, 468 * 128)
        let full = Array(dl.epoch(0))
        XCTAssertEqual(full.count, 468)
        XCTAssertTrue(full.allSatisfy { $0.count == 128 })

        XCTAssertEqual(DataLoader(makeData(10), batchSize: 20, dropLast: true).count, 0)
        XCTAssertEqual(Array(DataLoader(makeData(10), batchSize: 20, dropLast: true).epoch(0)).count, 0)
        XCTAssertEqual(Array(DataLoader(makeData(10), batchSize: 20).epoch(0)).map(\.count), [10])
    }

    func testBatchesMatchIndicesAndLabels() {
        let l = DataLoader(makeData(50), batchSize: 8, shuffle: true, seed: 7)
        for b in l.epoch(3) {
            XCTAssertEqual(ids(b), b.indices)
            XCTAssertEqual(b.labels!.scalars, b.indices.map { Int32($0 % 10) })
        }
        let unshuffled = Array(DataLoader(makeData(20), batchSize: 8).epoch(5))
        XCTAssertEqual(unshuffled.flatMap(\.indices), Array(0..<20))
    }

    func testSameSeedSameBatchesDifferentEpochsDifferentOrders() {
        let d = makeData(1000)
        let a = DataLoader(d, batchSize: 32, shuffle: true, seed: 42)
        let b = DataLoader(d, batchSize: 32, shuffle: true, seed: 42)
        XCTAssertEqual(a.epoch(0).map(ids), b.epoch(0).map(ids))
        XCTAssertEqual(a.epoch(0).map(ids), a.epoch(0).map(ids), "re-running an epoch gives the same batches")
        XCTAssertNotEqual(a.epoch(0).map(ids), a.epoch(1).map(ids))
        XCTAssertEqual(Set(a.epoch(1).flatMap(ids)).count, 1000)
        let c = DataLoader(d, batchSize: 32, shuffle: true, seed: 43)
        XCTAssertNotEqual(a.epoch(0).map(ids), c.epoch(0).map(ids))
        XCTAssertEqual(a.batchIndices(epoch: 2), a.epoch(2).map(\.indices))
        XCTAssertEqual(a.batch(5, epoch: 2).indices, a.batchIndices(epoch: 2)[5])
        // A plain `for` loop runs epochs 0, 1, 2, ... in turn.
        XCTAssertEqual(a.nextEpoch, 0)
        var first: [[Int]] = []
        for batch in a { first.append(batch.indices) }
        var second: [[Int]] = []
        for batch in a { second.append(batch.indices) }
        XCTAssertEqual(first, a.batchIndices(epoch: 0))
        XCTAssertEqual(second, a.batchIndices(epoch: 1))
        XCTAssertEqual(a.nextEpoch, 2)
    }

    func testPrefetchOnAndOffGiveIdenticalBatches() {
        let d = makeData(300)
        // A random transform: its draws must depend only on (seed, epoch, batch).
        let t: BatchTransform = { batch, rng in
            let noise = Tensor.normal(batch.inputs.shape, using: &rng)
            batch.inputs = batch.inputs + noise
        }
        var results: [[[Float]]] = []
        for prefetch in [0, 1, 2, 8] {
            let l = DataLoader(d, batchSize: 16, shuffle: true, seed: 9, prefetch: prefetch, transform: t)
            results.append(l.epoch(4).map { $0.inputs.scalars })
        }
        XCTAssertEqual(results[0].count, 19)
        for r in results.dropFirst() { XCTAssertEqual(r, results[0]) }
        // And generic collation of a plain Dataset agrees with the fast path.
        let plain = DataLoader(Plain(n: 300), batchSize: 16, shuffle: true, seed: 9, prefetch: 3, transform: t)
        XCTAssertEqual(plain.epoch(4).map { $0.inputs.scalars }, results[0])
        XCTAssertEqual(plain.epoch(4).map { $0.labels! }, DataLoader(d, batchSize: 16, shuffle: true, seed: 9).epoch(4).map { $0.labels! })
    }

    func testAbandoningIteratorMidEpochStopsProducer() {
        let d = makeData(2000)
        let l = DataLoader(d, batchSize: 10, shuffle: true, seed: 0, prefetch: 2)
        let done = expectation(description: "abandoned 50 times")
        DispatchQueue.global().async {
            for run in 0..<50 {
                let it = l.epoch(run).makeIterator()
                for _ in 0..<(run % 5) { _ = it.next() }
                // `it` is dropped here with the producer blocked on a full buffer.
            }
            // Never started iterating at all.
            for run in 0..<10 { _ = l.epoch(run).makeIterator() }
            done.fulfill()
        }
        wait(for: [done], timeout: 60)
        XCTAssertEqual(PrefetchPipeline.liveProducers.load(ordering: .relaxed), 0, "every producer thread exited")
        // The loader still works afterwards.
        XCTAssertEqual(Array(l.epoch(0)).count, 200)
    }

    func testSlowConsumerAndSlowProducer() {
        // The producer sleeps in the transform; the consumer still gets everything in order.
        let l = DataLoader(makeData(40), batchSize: 4, shuffle: true, seed: 2, prefetch: 2) { _, _ in
            Thread.sleep(forTimeInterval: 0.001)
        }
        var got: [[Int]] = []
        for b in l.epoch(1) {
            Thread.sleep(forTimeInterval: 0.002)
            got.append(b.indices)
        }
        XCTAssertEqual(got, l.batchIndices(epoch: 1))
    }

    /// Prints the loader throughput for [60000, 1, 28, 28], batch 128, shuffled.
    func testThroughput() {
        let n = 60000
        let x = Tensor(shape: [n, 1, 28, 28]) { p, c in for i in 0..<c { p[i] = Float(i & 255) } }
        let d = try! TensorDataset(inputs: x, labels: IntTensor((0..<n).map { $0 % 10 }))
        for prefetch in [0, 2] {
            let l = DataLoader(d, batchSize: 128, shuffle: true, seed: 0, prefetch: prefetch)
            let start = Date()
            var batches = 0
            var checksum: Float = 0
            for epoch in 0..<2 {
                for b in l.epoch(epoch) {
                    batches += 1
                    checksum += b.inputs.storage.pointer[0]
                }
            }
            let s = Date().timeIntervalSince(start)
            XCTAssertEqual(batches, 2 * 469)
            print(String(format: "DataLoader throughput (prefetch %d): %.0f batches/s (%.1f k images/s), checksum %.0f",
                         prefetch, Double(batches) / s, Double(batches * 128) / s / 1000, checksum))
        }
    }
}
