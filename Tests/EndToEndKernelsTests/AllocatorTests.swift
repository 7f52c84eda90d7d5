import XCTest
@testable import EndToEndKernels
#if canImport(Glibc)
import Glibc
#endif

/// The allocator's thresholds: on glibc a freed multi-megabyte buffer comes back from the heap
/// warm instead of being mapped, page-faulted and zeroed again on every allocation.
final class AllocatorTests: XCTestCase {
    func testLargeBuffersAreReusedWithoutPageFaults() throws {
        #if os(Linux)
        try XCTSkipIf(getenv("E2E_MALLOC").map { String(cString: $0).lowercased() } == "system", "E2E_MALLOC=system")
        XCTAssertTrue(Allocator.isTuned, "glibc refused the thresholds")
        func minorFaults() -> Int {
            var u = rusage()
            getrusage(RUSAGE_SELF.rawValue, &u)
            return Int(u.ru_minflt)
        }
        // 4 MiB, written whole, 64 times: 1,024 pages each. Mapped afresh every time that is
        // 65,536 faults; reused from the heap, about one allocation's worth.
        let bytes = 4 << 20
        let before = minorFaults()
        for _ in 0..<64 {
            let p = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
            memset(p, 1, bytes)
            p.deallocate()
        }
        let faults = minorFaults() - before
        XCTAssertLessThan(faults, 8 * 1024, "\(faults) page faults for 64 reuses of one 4 MiB buffer")
        #else
        throw XCTSkip("glibc only")
        #endif
    }

    /// Packed GEMM operands and kernel scratch start on a cache line (see `allocateCacheAligned`).
    func testCacheAlignedBuffersStartOnALine() {
        for count in [1, 3, 17, 1000, 1 << 20] {
            let p = UnsafeMutablePointer<Float>.allocateCacheAligned(count)
            XCTAssertEqual(Int(bitPattern: p) % 64, 0, "\(count) floats")
            p.deallocate()
        }
    }
}
