// SGEMM throughput benchmark, methodologically identical to the PyTorch reference script
// (3 warm-ups, ~0.3 s trials sized from an assumed 50 GFLOP/s, median of 5 trials).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Monotonic wall-clock time in seconds.
@inline(__always)
func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Measures square single-precision matrix multiply throughput (`C = A * B`, row-major,
/// no transposes, `beta = 0`) for each size `n`.
///
/// Per size: 3 warm-up multiplies, then `it = max(1, Int(0.3 / (2n³ / assumedFLOPs)))`
/// multiplies per trial, 5 trials; the result is the median trial's GFLOP/s with
/// 2n³ flops per multiply. This mirrors the PyTorch reference benchmark so numbers are
/// directly comparable.
///
/// - Parameters:
///   - sizes: Square matrix sizes.
///   - threads: Thread count to use (``Threading/threadCount`` is set for the duration of
///     the benchmark and restored afterwards; this is a process-wide setting).
///   - backend: `.swift` forces the pure-Swift kernels, `.blas`/`.automatic` use the loaded
///     BLAS when available (see ``BLAS/backendDescription``).
///   - assumedGFLOPs: Rate used only to size trials (the reference script uses 50).
/// - Returns: `(n, gflops)` per size, in input order.
public func benchmarkGEMM(sizes: [Int] = [256, 512, 1024, 2048], threads: Int,
                          backend: GEMM.BackendPreference = .automatic,
                          assumedGFLOPs: Double = 50) -> [(n: Int, gflops: Double)] {
    Threading.withThreadCount(threads) {
        GEMM.withBackend(backend) {
            sizes.map { n in (n: n, gflops: benchmarkOneSize(n, assumedGFLOPs: assumedGFLOPs)) }
        }
    }
}

private func benchmarkOneSize(_ n: Int, assumedGFLOPs: Double) -> Double {
    guard n > 0 else { return 0 }
    let count = n * n
    let a = UnsafeMutablePointer<Float>.allocateCacheAligned(count)
    let b = UnsafeMutablePointer<Float>.allocateCacheAligned(count)
    let c = UnsafeMutablePointer<Float>.allocateCacheAligned(count)
    defer { a.deallocate(); b.deallocate(); c.deallocate() }
    // Deterministic uniform(-1, 1) data (xorshift); values never hit denormals.
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    @inline(__always) func next() -> Float {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return Float(state >> 40) * (2.0 / 16_777_216.0) - 1.0
    }
    for i in 0..<count { a[i] = next(); b[i] = next() }
    c.initialize(repeating: 0, count: count)

    @inline(__always) func mm() {
        sgemm(transA: false, transB: false, m: n, n: n, k: n, alpha: 1, a: a, lda: n,
              b: b, ldb: n, beta: 0, c: c, ldc: n)
    }
    let flop = 2.0 * Double(n) * Double(n) * Double(n)
    for _ in 0..<3 { mm() }
    let iterations = max(1, Int(0.3 / (flop / (assumedGFLOPs * 1e9))))
    var rates: [Double] = []
    for _ in 0..<5 {
        let t0 = monotonicSeconds()
        for _ in 0..<iterations { mm() }
        let dt = monotonicSeconds() - t0
        rates.append(flop * Double(iterations) / dt / 1e9)
    }
    rates.sort()
    return rates[rates.count / 2]
}
