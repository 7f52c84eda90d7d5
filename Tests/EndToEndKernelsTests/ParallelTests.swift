import Dispatch
import XCTest
#if canImport(Glibc)
import Glibc
#endif
@testable import EndToEndKernels

final class ParallelTests: XCTestCase {
    /// Counts how often each index is visited; every index must be visited exactly once.
    private func coverage(_ n: Int, grain: Int, threads: Int) -> [Int] {
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: max(n, 1))
        counts.initialize(repeating: 0, count: max(n, 1))
        defer { counts.deallocate() }
        Threading.withThreadCount(threads) {
            parallelFor(n, grain: grain) { range in
                for i in range { counts[i] += 1 }  // ranges are disjoint, so no race
            }
        }
        return Array(UnsafeBufferPointer(start: counts, count: n))
    }

    func testCoversEveryIndexExactlyOnce() {
        for threads in [1, 2, 3, 8, 64] {
            for n in [0, 1, 2, 3, 7, 64, 1000, 12345] {
                for grain in [1, 5, 100, 100_000] {
                    let c = coverage(n, grain: grain, threads: threads)
                    XCTAssertEqual(c.count, n)
                    XCTAssertTrue(c.allSatisfy { $0 == 1 }, "n=\(n) grain=\(grain) threads=\(threads)")
                }
            }
        }
    }

    func testChunkCountAndSizes() {
        let lock = KernelLock()
        for threads in [1, 2, 4] {
            for (n, grain) in [(10, 1), (10, 4), (100, 30), (1, 1), (7, 7)] {
                var ranges: [Range<Int>] = []
                Threading.withThreadCount(threads) {
                    parallelFor(n, grain: grain) { r in lock.withLock { ranges.append(r) } }
                }
                ranges.sort { $0.lowerBound < $1.lowerBound }
                XCTAssertLessThanOrEqual(ranges.count, threads)
                XCTAssertEqual(ranges.first?.lowerBound, 0)
                XCTAssertEqual(ranges.last?.upperBound, n)
                for (x, y) in zip(ranges, ranges.dropFirst()) { XCTAssertEqual(x.upperBound, y.lowerBound) }
                if ranges.count > 1 {
                    XCTAssertTrue(ranges.allSatisfy { $0.count >= grain }, "n=\(n) grain=\(grain)")
                }
            }
        }
    }

    func testExplicitChunks() {
        for chunks in [1, 2, 5, 50] {
            let lock = KernelLock()
            var total = 0, calls = 0
            parallelFor(17, chunks: chunks) { r in lock.withLock { total += r.count; calls += 1 } }
            XCTAssertEqual(total, 17)
            XCTAssertEqual(calls, min(chunks, 17))
        }
    }

    func testThreadCountSetting() {
        let old = Threading.threadCount
        XCTAssertGreaterThanOrEqual(old, 1)
        XCTAssertGreaterThanOrEqual(Threading.activeProcessorCount, 1)
        Threading.threadCount = 0
        XCTAssertEqual(Threading.threadCount, 1)
        Threading.threadCount = 3
        XCTAssertEqual(Threading.threadCount, 3)
        Threading.threadCount = old
        XCTAssertEqual(Threading.withThreadCount(5) { Threading.threadCount }, 5)
        XCTAssertEqual(Threading.threadCount, old)
    }

    func testParallelSumMatchesSerial() {
        let n = 100_000
        let data = (0..<n).map { Float($0 % 97) }
        let partials = UnsafeMutablePointer<Double>.allocate(capacity: n)
        defer { partials.deallocate() }
        data.withUnsafeBufferPointer { d in
            parallelFor(n, grain: 1000) { r in for i in r { partials[i] = Double(d[i]) * 2 } }
        }
        var s = 0.0
        for i in 0..<n { s += partials[i] }
        XCTAssertEqual(s, data.reduce(0.0) { $0 + Double($1) } * 2)
    }

    // MARK: - The worker pool

    static var threadID: UInt {
        #if os(Linux)
        UInt(pthread_self())
        #else
        UInt(bitPattern: pthread_self())
        #endif
    }

    func testChunksRunOnSeveralThreads() {
        let lock = KernelLock()
        var threads = Set<UInt>()
        Threading.withThreadCount(4) {
            parallelFor(8, chunks: 8) { _ in
                usleep(30_000)  // long enough that the pool's workers take chunks too
                lock.withLock { _ = threads.insert(Self.threadID) }
            }
        }
        XCTAssertGreaterThan(threads.count, 1, "every chunk ran on the calling thread")
    }

    func testNestedCallsRunInlineAndCoverEveryIndex() {
        let n = 64, inner = 100
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: n * inner)
        counts.initialize(repeating: 0, count: n * inner)
        defer { counts.deallocate() }
        Threading.withThreadCount(2) {
            parallelFor(n) { outer in
                for o in outer {
                    parallelFor(inner) { r in for i in r { counts[o * inner + i] += 1 } }
                }
            }
        }
        XCTAssertTrue(UnsafeBufferPointer(start: counts, count: n * inner).allSatisfy { $0 == 1 })
    }

    func testManyShortCallsFromConcurrentCallersEachCoverTheirIndicesOnce() {
        let callers = 4, calls = 500, n = 257
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: callers * n)
        counts.initialize(repeating: 0, count: callers * n)
        defer { counts.deallocate() }
        nonisolated(unsafe) let shared = counts
        Threading.withThreadCount(3) {
            DispatchQueue.concurrentPerform(iterations: callers) { t in
                let counts = shared
                for _ in 0..<calls {
                    parallelFor(n, chunks: 7) { r in for i in r { counts[t * n + i] += 1 } }
                }
            }
            // And back-to-back calls from one thread, where the workers are still spinning.
            for _ in 0..<2000 { parallelFor(n, chunks: 3) { r in for i in r { counts[i] += 1 } } }
        }
        for t in 0..<callers {
            let expected = calls + (t == 0 ? 2000 : 0)
            XCTAssertTrue(UnsafeBufferPointer(start: counts + t * n, count: n).allSatisfy { $0 == expected }, "caller \(t)")
        }
    }
}
