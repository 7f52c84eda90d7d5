// How tensor buffers are allocated: glibc malloc, with thresholds fixed for training loops.

import EndToEndKernelsC
import Foundation

/// The memory allocator's settings for tensor storage.
///
/// Why: a training step allocates and frees the same megabyte-sized gradients, activations and
/// pack buffers every step. glibc serves allocations above `M_MMAP_THRESHOLD` (128 KiB at
/// start) with a fresh `mmap` and gives them back on `free`, so every step page-faulted and
/// zeroed them again; it raises that threshold itself only after the process frees a large
/// mapped block, so the speed depended on what had been freed first. Reading Fashion-MNIST from
/// the ``DecodedCache`` instead of inflating it (no 26 MB buffer freed) left the threshold low:
/// a 2-rank data-parallel MLP epoch took 590,000 page faults instead of 23,000 and ran 40 %
/// longer (Intel Xeon, perf stat). Fixing the thresholds at glibc's own adaptive ceiling
/// (32 MiB) and keeping up to 64 MiB of freed memory at the heap's top makes those buffers
/// come back from the heap warm, whatever ran first.
///
/// Applied once, before the first tensor storage is allocated. `E2E_MALLOC=system` leaves the C
/// library's defaults alone (also where the C library is not glibc, the setting does nothing).
public enum Allocator {
    /// Allocations above this many bytes are mapped on their own.
    public static let mmapThreshold = 32 << 20
    /// Freed memory kept at the top of the heap before it is returned to the system.
    public static let trimThreshold = 64 << 20

    /// Whether the thresholds are in force (false under `E2E_MALLOC=system` or without glibc).
    public static let isTuned: Bool = {
        if ProcessInfo.processInfo.environment["E2E_MALLOC"]?.lowercased() == "system" { return false }
        return e2e_tune_allocator(mmapThreshold, trimThreshold) == 0
    }()
}

extension UnsafeMutablePointer where Pointee == Float {
    /// `count` uninitialized floats starting on a 64-byte (cache line) boundary; give them back
    /// with `deallocate()`.
    ///
    /// Why: `allocate(capacity:)` aligns floats to 16 bytes, and an AVX-512 load or store of a
    /// whole line from such a buffer spans two lines. Packed GEMM operands read that way made the
    /// LSTM's per-step product about 1.5× slower (a C driver, Intel Xeon: 14–17 ms against 9.4
    /// for the 64 steps' products and cells).
    public static func allocateCacheAligned(_ count: Int) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer.allocate(byteCount: Swift.max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: Swift.max(count, 1))
    }
}
