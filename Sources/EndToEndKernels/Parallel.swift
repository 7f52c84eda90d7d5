// Threading configuration and a low-overhead parallel-for built on libdispatch.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import EndToEndKernelsC

// MARK: - Lock

/// A minimal non-recursive mutex around `pthread_mutex_t`.
///
/// Why not `Synchronization.Mutex`/`Atomic`: they require macOS 15 while the package
/// targets macOS 14, and Foundation's `NSLock` would pull Foundation into the kernel layer.
/// The mutex lives in manually allocated memory so its address is stable.
final class KernelLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    @inline(__always)
    func withLock<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

/// A lock-protected value box.
final class LockedValue<Value>: @unchecked Sendable {
    private let lock = KernelLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    @inline(__always)
    func get() -> Value { lock.withLock { value } }

    @inline(__always)
    func set(_ newValue: Value) { lock.withLock { value = newValue } }

    @inline(__always)
    func update<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        try lock.withLock { try body(&value) }
    }
}

// MARK: - Threading

/// Process-wide threading configuration for the kernel layer.
///
/// `threadCount` bounds the number of chunks ``parallelFor(_:grain:_:)`` creates and is
/// propagated to OpenBLAS (via `openblas_set_num_threads`) on the next BLAS call.
public enum Threading {
    /// Number of logical CPUs available to this process (at least 1).
    public static let activeProcessorCount: Int = detectProcessorCount()

    /// Writes go through the lock; reads (every parallelFor) take the published atomic.
    private static let storage = LockedValue<Int>(activeProcessorCount)
    private static let published: Void = { storage.update { e2e_setting_store(E2E_SETTING_THREADS, Int32(clamping: $0)) } }()

    /// Maximum number of threads kernels may use. Defaults to ``activeProcessorCount``.
    ///
    /// Setting a value below 1 stores 1. Reads and writes are thread-safe (reads are an atomic
    /// load; writes take a lock).
    public static var threadCount: Int {
        get {
            _ = published
            return Int(e2e_setting_load(E2E_SETTING_THREADS))
        }
        set {
            _ = published
            storage.update {
                $0 = max(1, min(newValue, Int(Int32.max)))
                e2e_setting_store(E2E_SETTING_THREADS, Int32($0))
            }
        }
    }

    /// Runs `body` with ``threadCount`` temporarily set to `count`, restoring the previous
    /// value afterwards. The setting is global, not scoped to the calling thread.
    public static func withThreadCount<R>(_ count: Int, _ body: () throws -> R) rethrows -> R {
        let old = threadCount
        threadCount = count
        defer { threadCount = old }
        return try body()
    }

    private static func detectProcessorCount() -> Int {
        #if os(Linux)
        // Respect CPU affinity masks (taskset, containers) like ProcessInfo.activeProcessorCount.
        // sched_getaffinity is a _GNU_SOURCE symbol the Glibc module does not import, so
        // resolve it from the already-loaded libc.
        typealias GetAffinity = @convention(c) (Int32, Int, UnsafeMutableRawPointer?) -> Int32
        if let sym = dlsym(nil, "sched_getaffinity") {
            let getAffinity = unsafeBitCast(sym, to: GetAffinity.self)
            var mask = [UInt64](repeating: 0, count: 16)  // 1024 CPUs, == sizeof(cpu_set_t)
            let ok = mask.withUnsafeMutableBytes { getAffinity(0, $0.count, $0.baseAddress) }
            if ok == 0 {
                let count = mask.reduce(0) { $0 + $1.nonzeroBitCount }
                if count > 0 { return count }
            }
        }
        #endif
        let n = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        return n > 0 ? Int(n) : 1
    }
}

// MARK: - parallelFor

/// Splits `0..<n` into at most ``Threading/threadCount`` contiguous chunks and calls `body`
/// once per chunk, concurrently, on the calling thread and a pool of spinning workers.
///
/// The chunks are disjoint, cover `0..<n` exactly once and are issued in roughly equal
/// sizes. Each chunk holds at least `grain` indices (except when `n < grain`), so pass a
/// larger `grain` for cheap per-index work to avoid paying the dispatch cost (a few µs)
/// for tiny loops. When only one chunk results (`threadCount == 1` or `n <= grain`) the
/// body runs inline on the calling thread with no dispatch at all.
///
/// - Parameters:
///   - n: Number of indices. Nothing happens when `n <= 0`.
///   - grain: Minimum number of indices per chunk (values below 1 are treated as 1).
///   - body: Called with each chunk's index range. It is invoked concurrently from several
///     threads, so it must only write state that is disjoint per range.
@inlinable
public func parallelFor(_ n: Int, grain: Int = 1, _ body: (Range<Int>) -> Void) {
    if n <= 0 { return }
    let g = grain > 1 ? grain : 1
    if n <= g {
        body(0..<n)
        return
    }
    // Floor division so every chunk gets at least `grain` indices.
    let chunks = min(Threading.threadCount, n / g)
    if chunks <= 1 {
        body(0..<n)
        return
    }
    _parallelForChunks(n, chunks: chunks, body)
}

/// Like ``parallelFor(_:grain:_:)`` but with an explicit number of chunks (clamped to
/// `1...n`), ignoring ``Threading/threadCount``. Chunk `c` covers
/// `c*n/chunks ..< (c+1)*n/chunks`.
public func parallelFor(_ n: Int, chunks: Int, _ body: (Range<Int>) -> Void) {
    if n <= 0 { return }
    let c = min(max(chunks, 1), n)
    if c == 1 {
        body(0..<n)
        return
    }
    _parallelForChunks(n, chunks: c, body)
}

/// Implementation detail of ``parallelFor(_:grain:_:)``; kept out of line so the inlinable
/// fast path stays small.
///
/// The chunks run on the calling thread and `EndToEndKernelsC`'s worker pool, whose idle
/// workers spin briefly (`E2E_SPIN_US`, default 200 µs) before sleeping: libdispatch woke a
/// sleeping worker for every call, which on this VM cost as much as the small per-step products
/// it split. `E2E_POOL=dispatch` restores `DispatchQueue.concurrentPerform`.
@usableFromInline
func _parallelForChunks(_ n: Int, chunks: Int, _ body: (Range<Int>) -> Void) {
    // Balanced split: sizes differ by at most one index. Both paths return only after every
    // chunk ran, so `body` never escapes.
    withoutActuallyEscaping(body) { body in
        if ParallelPool.useDispatch {
            nonisolated(unsafe) let run = body
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let r = ParallelPool.chunk(c, of: n, chunks: chunks)
                if !r.isEmpty { run(r) }
            }
            return
        }
        var job = ParallelPool.Job(n: n, chunks: chunks, body: body)
        withUnsafeMutablePointer(to: &job) { p in
            _ = e2e_pool_run(chunks, Int32(Swift.min(Swift.max(Threading.threadCount, 1), 64)), { ctx, c in
                let job = ctx!.assumingMemoryBound(to: ParallelPool.Job.self)
                let r = ParallelPool.chunk(Int(c), of: job.pointee.n, chunks: job.pointee.chunks)
                if !r.isEmpty { job.pointee.body(r) }
            }, p)
        }
    }
}

/// The worker pool's switch and the job record passed through its C interface.
@usableFromInline
enum ParallelPool {
    /// `E2E_POOL=dispatch`: libdispatch instead of the spinning pool (for A/B measurements).
    static let useDispatch: Bool = {
        guard let v = getenv("E2E_POOL") else { return false }
        return String(cString: v) == "dispatch"
    }()

    /// Chunk `c` of `0..<n` split into `chunks` (sizes differ by at most one index).
    @inline(__always)
    static func chunk(_ c: Int, of n: Int, chunks: Int) -> Range<Int> { (c * n / chunks)..<((c + 1) * n / chunks) }

    struct Job {
        let n: Int
        let chunks: Int
        let body: (Range<Int>) -> Void
    }
}
