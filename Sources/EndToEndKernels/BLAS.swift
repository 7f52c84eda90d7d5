// Run-time loading of an optimized CBLAS (OpenBLAS) with dlopen/dlsym.
//
// Why run-time: the package must build and run without any BLAS installed and without
// linker flags; when a BLAS is present we want its ~5x faster AVX-512 kernels.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import EndToEndKernelsC

/// The implementation ``sgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)`` uses.
public enum GEMMBackend: Sendable, Equatable, CustomStringConvertible {
    /// OpenBLAS loaded at run time. `coreType` is the kernel family OpenBLAS selected
    /// (e.g. `"SkylakeX"`), when it could be queried.
    case openBLAS(path: String, coreType: String?)
    /// Some other library exporting `cblas_sgemm` (e.g. reference BLAS `libblas.so.3`).
    case cblas(path: String)
    /// The portable pure-Swift fallback (``sgemmSwift(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``).
    case swift

    /// Human readable form, e.g. `"openblas (SkylakeX, /usr/lib/x86_64-linux-gnu/libopenblas.so.0)"`.
    public var description: String {
        switch self {
        case let .openBLAS(path, coreType):
            return "openblas (\(coreType ?? "unknown core"), \(path))"
        case let .cblas(path):
            return "cblas (\(path))"
        case .swift:
            return "swift"
        }
    }

    /// True for the BLAS-backed cases.
    public var isBLAS: Bool {
        if case .swift = self { return false }
        return true
    }
}

/// Information about, and access to, the run-time loaded BLAS.
///
/// Loading happens lazily and exactly once (thread-safe) on first use. Environment:
/// - `E2E_BLAS=none` (or `swift`): never load a BLAS; use the Swift fallback.
/// - `E2E_BLAS=openblas`: only try OpenBLAS library names.
/// - `E2E_BLAS=/path/to/lib.so`: try exactly that library.
/// - unset / `auto`: try `libopenblas.so.0`, `libopenblas.so`,
///   `/usr/lib/x86_64-linux-gnu/libopenblas.so.0`, then `libblas.so.3`.
/// - `OPENBLAS_CORETYPE`: honoured if set; otherwise set to `SkylakeX` on CPUs with
///   AVX-512F before loading (Debian's OpenBLAS 0.3.21 misdetects newer CPUs as Haswell).
/// - `OPENBLAS_NUM_THREADS` is set to `1` before loading, and OpenBLAS's thread count is
///   pinned at 1 after it: each call runs on its caller, and products large enough to share
///   are split into slabs planned from their shape alone, which ``parallelFor(_:grain:_:)``'s
///   workers share. Why: OpenBLAS's last bits depend on its thread count and on the shape
///   of each call (Debian's 0.3.21 on an AVX2-only Zen 3 gave other bits for a third to a
///   half of the elements of a product computed on 2 threads instead of 1, or in two calls of
///   half the rows), so a result must not depend on how many threads happened to run it:
///   `--threads 1` and `--threads 2`, one process and the ranks of an MPI job, give the same
///   bits.
public enum BLAS {
    /// The backend selected at load time (``GEMMBackend/swift`` when no BLAS is available).
    public static var backend: GEMMBackend { BLASLibrary.shared?.backend ?? .swift }

    /// Description of ``backend``, e.g. `"openblas (SkylakeX, /usr/lib/...)"` or `"swift"`.
    public static var backendDescription: String { backend.description }

    /// Whether a CBLAS was loaded.
    public static var isAvailable: Bool { BLASLibrary.shared != nil }

    /// Why no BLAS was loaded, or `nil` when one was (diagnostics for logs / CLI).
    public static var loadFailureReason: String? {
        _ = BLASLibrary.shared  // force the lazy load first
        return BLASLibrary.failureReason.get()
    }

    /// OpenBLAS's own configuration string (`openblas_get_config()`), when available.
    public static var configString: String? { BLASLibrary.shared?.configString }
}

/// `GEMM` namespace: backend information and backend overrides.
public enum GEMM {
    /// Which implementation a caller wants.
    public enum BackendPreference: Sendable, Equatable {
        /// The packed C kernels where they serve the call (``GEMM/packedKernels``), else the
        /// loaded BLAS if any, otherwise Swift.
        case automatic
        /// Use the loaded BLAS (never the packed C kernels); falls back to Swift when none is loaded.
        case blas
        /// Always use the pure-Swift kernels.
        case swift
    }

    @TaskLocal static var preference: BackendPreference = .automatic

    /// The process-wide loaded backend (see ``BLAS``).
    public static var backend: GEMMBackend { BLAS.backend }

    /// Same as ``BLAS/backendDescription``.
    public static var backendDescription: String { BLAS.backendDescription }

    /// The backend `sgemm` calls made by the current task/thread would use right now.
    public static var effectiveBackend: GEMMBackend {
        switch preference {
        case .swift: return .swift
        case .automatic, .blas: return BLAS.backend
        }
    }

    /// The packed C kernels' instruction set (`"avx512f"`, `"avx2+fma"`) when ``sgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``
    /// under the current preference sends the calls they serve to them, else `nil`
    /// (``CPUKernels/isEnabled`` off, a CPU without either, or a `.blas` / `.swift` preference).
    public static var packedKernels: String? {
        guard preference == .automatic, CPUKernels.isa != 0 else { return nil }
        return CPUKernels.isa == E2E_CPU_AVX512F ? "avx512f" : "avx2+fma"
    }

    /// ``effectiveBackend``, with the packed C kernels in front when they take calls, e.g.
    /// `"packed avx512f, else openblas (SkylakeX, ...)"`.
    public static var effectiveDescription: String {
        guard let isa = packedKernels else { return effectiveBackend.description }
        return "packed \(isa), else \(effectiveBackend.description)"
    }

    /// Runs `body` with GEMM calls issued from the current task/thread routed according to
    /// `preference` (task-local, so concurrent callers are unaffected). Mainly for tests
    /// and benchmarks, e.g. `GEMM.withBackend(.swift) { sgemm(...) }`.
    public static func withBackend<R>(_ preference: BackendPreference, _ body: () throws -> R) rethrows -> R {
        try $preference.withValue(preference, operation: body)
    }
}

// MARK: - Loader

typealias CblasSgemmFn = @convention(c) (
    Int32, Int32, Int32, Int32, Int32, Int32, Float,
    UnsafePointer<Float>?, Int32, UnsafePointer<Float>?, Int32, Float,
    UnsafeMutablePointer<Float>?, Int32
) -> Void
typealias SetNumThreadsFn = @convention(c) (Int32) -> Void
typealias GetStringFn = @convention(c) () -> UnsafePointer<CChar>?

let cblasRowMajor: Int32 = 101
let cblasNoTrans: Int32 = 111
let cblasTrans: Int32 = 112

final class BLASLibrary: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    let sgemm: CblasSgemmFn
    let backend: GEMMBackend
    let configString: String?

    /// Global lazily-initialized instance (Swift globals use `swift_once`: thread-safe, run once).
    static let shared: BLASLibrary? = load()
    static let failureReason = LockedValue<String?>(nil)

    private init(handle: UnsafeMutableRawPointer, sgemm: CblasSgemmFn,
                 backend: GEMMBackend, configString: String?) {
        self.handle = handle
        self.sgemm = sgemm
        self.backend = backend
        self.configString = configString
    }

    private static func getenvString(_ name: String) -> String? {
        guard let p = getenv(name) else { return nil }
        return String(cString: p)
    }

    /// Whether /proc/cpuinfo lists the `avx512f` flag (Linux only; false elsewhere).
    static func cpuHasAVX512F() -> Bool {
        #if os(Linux)
        guard let f = fopen("/proc/cpuinfo", "r") else { return false }
        defer { fclose(f) }
        var line: UnsafeMutablePointer<CChar>? = nil
        var cap = 0
        defer { free(line) }
        while getline(&line, &cap, f) > 0 {
            guard let l = line else { break }
            let s = String(cString: l)
            if s.hasPrefix("flags") {
                return s.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
                    .contains("avx512f")
            }
        }
        return false
        #else
        return false
        #endif
    }

    private static func load() -> BLASLibrary? {
        let choice = (getenvString("E2E_BLAS") ?? "auto").lowercased()
        let openBLASNames = ["libopenblas.so.0", "libopenblas.so", "/usr/lib/x86_64-linux-gnu/libopenblas.so.0"]
        let candidates: [String]
        switch choice {
        case "none", "swift", "off", "0":
            failureReason.set("disabled by E2E_BLAS=\(choice)")
            return nil
        case "openblas":
            candidates = openBLASNames
        case "auto", "":
            candidates = openBLASNames + ["libblas.so.3"]
        default:
            candidates = [getenvString("E2E_BLAS")!]
        }

        // Both must happen before OpenBLAS's constructor runs (i.e. before dlopen).
        if getenv("OPENBLAS_CORETYPE") == nil && cpuHasAVX512F() {
            setenv("OPENBLAS_CORETYPE", "SkylakeX", 0)
        }
        // One thread, so that OpenBLAS starts no pool of its own (its idle workers had
        // busy-waited on the cores parallelFor needs) and every call is deterministic for its
        // shape (see ``BLAS``); set over a user's value, which would break that.
        setenv("OPENBLAS_NUM_THREADS", "1", 1)

        var tried: [String] = []
        for name in candidates {
            guard let h = dlopen(name, RTLD_NOW | RTLD_LOCAL) else {
                tried.append("\(name): not loadable")
                continue
            }
            guard let sym = dlsym(h, "cblas_sgemm") else {
                tried.append("\(name): no cblas_sgemm")
                dlclose(h)
                continue
            }
            let sgemm = unsafeBitCast(sym, to: CblasSgemmFn.self)
            let setThreads = dlsym(h, "openblas_set_num_threads").map { unsafeBitCast($0, to: SetNumThreadsFn.self) }
            let coreName = dlsym(h, "openblas_get_corename")
                .map { unsafeBitCast($0, to: GetStringFn.self) }
                .flatMap { $0() }
                .map { String(cString: $0) }
            let config = dlsym(h, "openblas_get_config")
                .map { unsafeBitCast($0, to: GetStringFn.self) }
                .flatMap { $0() }
                .map { String(cString: $0) }

            // Resolve the real file for diagnostics (dlopen by soname hides it).
            var path = name
            if let real = sharedObjectPath(containing: sym) { path = real }
            let isOpenBLAS = setThreads != nil || coreName != nil
            let backend: GEMMBackend = isOpenBLAS
                ? .openBLAS(path: path, coreType: coreName.map(prettyCoreName))
                : .cblas(path: path)
            let lib = BLASLibrary(handle: h, sgemm: sgemm,
                                  backend: backend, configString: config)
            setThreads?(1)
            return lib
        }
        failureReason.set("no CBLAS found (" + tried.joined(separator: "; ") + ")")
        return nil
    }

    /// File name of the shared object containing `address`, via `dladdr` (a _GNU_SOURCE
    /// symbol the Glibc module does not import, hence the dlsym lookup).
    private static func sharedObjectPath(containing address: UnsafeMutableRawPointer) -> String? {
        #if os(Linux)
        // Dl_info is { const char *dli_fname; void *dli_fbase; const char *dli_sname; void *dli_saddr; }.
        typealias DladdrFn = @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?) -> Int32
        guard let sym = dlsym(nil, "dladdr") else { return nil }
        let dladdrFn = unsafeBitCast(sym, to: DladdrFn.self)
        var info: (UnsafePointer<CChar>?, UnsafeRawPointer?, UnsafePointer<CChar>?, UnsafeRawPointer?) = (nil, nil, nil, nil)
        let ok = withUnsafeMutableBytes(of: &info) { dladdrFn(UnsafeRawPointer(address), $0.baseAddress) }
        guard ok != 0, let fname = info.0 else { return nil }
        return String(cString: fname)
        #else
        var info = Dl_info()
        guard dladdr(address, &info) != 0, let fname = info.dli_fname else { return nil }
        return String(cString: fname)
        #endif
    }

    /// OpenBLAS reports lower-case names ("skylakex"); match the OPENBLAS_CORETYPE spelling.
    private static func prettyCoreName(_ s: String) -> String {
        let known = ["skylakex": "SkylakeX", "haswell": "Haswell", "zen": "Zen",
                     "cooperlake": "Cooperlake", "sapphirerapids": "SapphireRapids",
                     "sandybridge": "SandyBridge", "prescott": "Prescott", "nehalem": "Nehalem"]
        return known[s.lowercased()] ?? s
    }
}

/// Calls `cblas_sgemm` (row-major) on the planned slabs of the product (``BLASSlabs``), over
/// the worker threads (inside a parallel loop, one after another on the calling thread).
/// Returns false when no BLAS is loaded or a dimension does not fit in 32 bits, in which case
/// the caller must use the Swift kernels.
func blasSgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
               a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
               beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) -> Bool {
    guard let lib = BLASLibrary.shared else { return false }
    let lim = Int(Int32.max)
    guard m <= lim, n <= lim, k <= lim, lda <= lim, ldb <= lim, ldc <= lim else { return false }
    let ta = transA ? cblasTrans : cblasNoTrans, tb = transB ? cblasTrans : cblasNoTrans
    let plan = BLASSlabs(m: m, n: n, k: k)
    func slab(_ s: Int) {
        let r = plan.range(s)
        if plan.splitsRows {
            lib.sgemm(cblasRowMajor, ta, tb, Int32(r.count), Int32(n), Int32(k), alpha,
                      transA ? a + r.lowerBound : a + r.lowerBound * lda, Int32(lda), b, Int32(ldb), beta,
                      c + r.lowerBound * ldc, Int32(ldc))
        } else {
            lib.sgemm(cblasRowMajor, ta, tb, Int32(m), Int32(r.count), Int32(k), alpha, a, Int32(lda),
                      transB ? b + r.lowerBound * ldb : b + r.lowerBound, Int32(ldb), beta, c + r.lowerBound, Int32(ldc))
        }
    }
    parallelFor(plan.count) { range in for s in range { slab(s) } }
    return true
}

/// How ``blasSgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)`` cuts a product
/// into calls: from its shape alone, never the thread count, so that the bits do not depend
/// on how many threads share the slabs. A power of two of them (1, 2, 4 or 8), so that 2 and
/// 4 threads share them evenly, of about 2^20 multiply-adds or more each (tens of µs against a
/// dispatch of a few), cut across the longer of `m` and `n` into pieces of at least 64 rows or
/// columns (each call packs the other operand again: a 64th of its work at most), their
/// bounds multiples of 16 (OpenBLAS's register tiles).
struct BLASSlabs: Equatable {
    /// Whether the slabs are bands of rows of `C` (else bands of its columns).
    let splitsRows: Bool
    let count: Int
    let extent: Int

    init(m: Int, n: Int, k: Int) {
        let (mn, o1) = m.multipliedReportingOverflow(by: n), (madds, o2) = mn.multipliedReportingOverflow(by: max(k, 1))
        let byWork = o1 || o2 ? 8 : min(8, madds >> 20)
        splitsRows = m >= n
        extent = splitsRows ? m : n
        let wanted = min(byWork, extent / 64)
        var c = 1
        while 2 * c <= wanted { c *= 2 }
        count = c
    }

    /// Rows (or columns) of slab `s` of ``count``.
    func range(_ s: Int) -> Range<Int> {
        func bound(_ i: Int) -> Int { i == 0 ? 0 : i == count ? extent : (i * extent / count) & ~15 }
        return bound(s)..<bound(s + 1)
    }
}
