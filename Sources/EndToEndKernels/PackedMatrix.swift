// A GEMM right-hand side packed once and multiplied many times (the C kernels in
// EndToEndKernelsC, chosen for the running CPU).

import EndToEndKernelsC

/// The right-hand side `B` (`K × N`) of many products `C = A · B` with small `A`, packed once
/// into the layout of the CPU's own kernel.
///
/// A BLAS packs `B` on every call. For the recurrent weight of an LSTM, multiplied by one
/// time step's `[batch, hidden]` state per step, that packing costs as much as the product.
/// With AVX-512 or AVX2 + FMA the kernels in `EndToEndKernelsC` run on the packed panels;
/// ``init(k:n:b:ldb:transposed:)`` returns `nil` where neither is available (or
/// ``CPUKernels/isEnabled`` is off), and callers use ``sgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``.
public final class PackedMatrix: @unchecked Sendable {
    /// Rows of `B` (the products' inner dimension).
    public let k: Int
    /// Columns of `B` and of every product.
    public let n: Int
    private let storage: UnsafeMutablePointer<Float>
    private let isa: Int32

    /// Packs `B`: element `(r, c)` is `b[c * ldb + r]` when `transposed`, else `b[r * ldb + c]`.
    /// `nil` when the CPU has no kernel for it, ``CPUKernels/isEnabled`` is off, or a size is not
    /// positive.
    public init?(k: Int, n: Int, b: UnsafePointer<Float>, ldb: Int, transposed: Bool) {
        let isa = CPUKernels.isa
        guard isa != 0, k > 0, n > 0, k <= Int(Int32.max), n <= Int(Int32.max) else { return nil }
        self.k = k
        self.n = n
        self.isa = isa
        // Cache-line aligned: the kernels load B a whole line at a time.
        storage = .allocateCacheAligned(e2e_packed_count(Int32(k), Int32(n)))
        Self.pack(k: k, n: n, b: b, ldb: ldb, transposed: transposed, into: storage)
    }

    /// A block of the `B` that ``init(k:n:pieces:)`` packs: rows `rows` and columns `columns`,
    /// element `(r, c)` read from `b[(r − rows.lowerBound) · ldb + c − columns.lowerBound]`
    /// (row-major), or zeros when `b` is `nil`.
    public struct Piece {
        public let rows: Range<Int>
        public let columns: Range<Int>
        public let b: UnsafePointer<Float>?
        public let ldb: Int

        public init(rows: Range<Int>, columns: Range<Int>, b: UnsafePointer<Float>?, ldb: Int) {
            self.rows = rows
            self.columns = columns
            self.b = b
            self.ldb = ldb
        }
    }

    /// Packs a `B` (`k × n`) assembled from row-major pieces, without first copying them side by
    /// side: the LSTM's weight gradients `dGatesᵀ · [h_{t−1} | x_t]` as one product, which reads
    /// (and copies into the kernel's order) the transposed `dGates` once instead of twice.
    ///
    /// The pieces must cover every element once; each column range starts on a panel boundary
    /// (a multiple of ``panelWidth``) and ends on one or at `n`. `nil` where ``init(k:n:b:ldb:transposed:)``
    /// would return it.
    public init?(k: Int, n: Int, pieces: [Piece]) {
        let isa = CPUKernels.isa
        guard isa != 0, k > 0, n > 0, k <= Int(Int32.max), n <= Int(Int32.max) else { return nil }
        let nr = Self.panelWidth
        for piece in pieces {
            precondition(piece.rows.lowerBound >= 0 && piece.rows.upperBound <= k && piece.columns.lowerBound >= 0
                         && piece.columns.upperBound <= n && piece.columns.lowerBound % nr == 0
                         && (piece.columns.upperBound % nr == 0 || piece.columns.upperBound == n)
                         && (piece.b == nil || piece.ldb >= piece.columns.count),
                         "PackedMatrix(pieces:): rows \(piece.rows), columns \(piece.columns), ldb \(piece.ldb) do not fit k \(k), n \(n) in whole panels")
        }
        self.k = k
        self.n = n
        self.isa = isa
        storage = .allocateCacheAligned(e2e_packed_count(Int32(k), Int32(n)))
        for piece in pieces where !piece.rows.isEmpty && !piece.columns.isEmpty {
            let first = storage + piece.columns.lowerBound * k + piece.rows.lowerBound * nr
            if let b = piece.b {
                Self.pack(k: piece.rows.count, n: piece.columns.count, b: b, ldb: piece.ldb, transposed: false, into: first,
                          panelStride: k * nr)
            } else {
                for panel in 0..<((piece.columns.count + nr - 1) / nr) {
                    (first + panel * k * nr).initialize(repeating: 0, count: piece.rows.count * nr)
                }
            }
        }
    }

    /// Packs `B` into `storage` (``e2e_packed_count`` floats), split over the worker threads by
    /// panels and, within a panel, by runs of rows: the LSTM packs 4-5 MiB of weights and states
    /// per step, which ran on one thread, and a convolution's weight gradient packs a one-panel
    /// `dYᵀ` of up to 2^21 floats (2 % of the CNN benchmark on the main thread, the worker idle).
    /// Panel `p` starts `p · panelStride` floats on (`k · panelWidth` by default: the panels of a
    /// `B` that is the whole matrix).
    static func pack(k: Int, n: Int, b: UnsafePointer<Float>, ldb: Int, transposed: Bool, into storage: UnsafeMutablePointer<Float>,
                     panelStride: Int? = nil) {
        let nr = Int(E2E_PACK_NR), panels = (n + nr - 1) / nr, stride = panelStride ?? k * nr
        let t: Int32 = transposed ? 1 : 0
        // Row runs of 2^16 floats (2,048 rows, a multiple of e2e_pack_b's 8-row transposition
        // blocks); shorter panels are grouped to about that size per chunk, as before.
        let runRows = (1 << 16) / nr, runs = (k + runRows - 1) / runRows
        parallelFor(panels * runs, grain: Swift.max(1, (1 << 16) / (Swift.min(k, runRows) * nr))) { range in
            for item in range {
                let panel = item / runs, r0 = (item % runs) * runRows, r1 = Swift.min(k, r0 + runRows)
                let n0 = panel * nr, n1 = Swift.min(n, n0 + nr)
                let src = transposed ? b + n0 * ldb + r0 : b + r0 * ldb + n0
                e2e_pack_b(Int32(r1 - r0), Int32(n1 - n0), src, Int32(ldb), t, storage + panel * stride + r0 * nr)
            }
        }
    }

    deinit { storage.deallocate() }

    /// `C = A · B` (or `C += A · B` when `accumulate`) for `A` (`m × k`) and row-major `C`
    /// (`m × n`, row stride `ldc`). `A` is row-major with row stride `lda`, or, when
    /// `transposedA`, stored as its transpose (`k × m`, row stride `lda ≥ m`). Column panels
    /// are split over up to ``Threading/threadCount`` threads when the product is large enough
    /// to pay for it.
    public func multiply(m: Int, a: UnsafePointer<Float>, lda: Int, transposedA: Bool = false, c: UnsafeMutablePointer<Float>, ldc: Int,
                         accumulate: Bool) {
        if m <= 0 { return }
        precondition(lda >= (transposedA ? m : k) && ldc >= n && m <= Int(Int32.max),
                     "PackedMatrix.multiply: lda \(lda), ldc \(ldc) too small for m \(m), k \(k), n \(n)")
        Self.multiply(isa: isa, k: k, n: n, packed: storage, m: m, a: a, lda: lda, transposedA: transposedA, c: c, ldc: ldc,
                      accumulate: accumulate)
    }

    /// ``multiply(m:a:lda:transposedA:c:ldc:accumulate:)`` for an `A` whose rows (or, when
    /// `transposedA`, columns) start `stride` floats apart and may overlap: element `(i, kk)` at
    /// `a[i · stride + kk]`, or `a[kk · stride + i]` transposed. A 1-D convolution of one input
    /// channel with stride `s` and no padding has this as its (transposed) column matrix, read
    /// straight from the input signal: no unfolded copy, `kernel / s` times the signal's size.
    public func multiply(m: Int, windows a: UnsafePointer<Float>, stride: Int, transposedA: Bool = false,
                         c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        if m <= 0 { return }
        precondition(stride >= 1 && stride <= Int(Int32.max) && ldc >= n && m <= Int(Int32.max),
                     "PackedMatrix.multiply(windows:): stride \(stride), ldc \(ldc) do not fit m \(m), n \(n)")
        Self.multiply(isa: isa, k: k, n: n, packed: storage, m: m, a: a, lda: stride, transposedA: transposedA, c: c, ldc: ldc,
                      accumulate: accumulate)
    }

    /// Columns per packed panel (32): the unit of ``multiply(m:a:lda:c:ldc:accumulate:panels:)``'s range.
    public static let panelWidth = Int(E2E_PACK_NR)

    /// Panels of `B` (`⌈n / panelWidth⌉`).
    public var panelCount: Int { (n + Self.panelWidth - 1) / Self.panelWidth }

    /// `C = A · B` (or `C += A · B`) for the columns of the panels `panels` only (columns
    /// `panels.lowerBound · panelWidth` up to `min(n, panels.upperBound · panelWidth)`), on the
    /// calling thread; `A` row-major (row stride `lda`) and `c` the address of column 0. For
    /// callers that split the work over threads themselves: the LSTM's per-step products, each
    /// thread a slice of the hidden units together with the cell that consumes it.
    public func multiply(m: Int, a: UnsafePointer<Float>, lda: Int, c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool,
                         panels: Range<Int>) {
        if m <= 0 || panels.isEmpty { return }
        precondition(lda >= k && ldc >= n && m <= Int(Int32.max) && panels.lowerBound >= 0 && panels.upperBound <= panelCount,
                     "PackedMatrix.multiply: lda \(lda), ldc \(ldc), panels \(panels) do not fit m \(m), k \(k), n \(n)")
        _ = e2e_packed_gemm(isa, Int32(m), Int32(n), Int32(k), a, Int32(lda), 0, storage, c, Int32(ldc), accumulate ? 1 : 0,
                            Int32(panels.lowerBound), Int32(panels.upperBound))
    }

    /// The threaded product against packed panels (see ``multiply(m:a:lda:transposedA:c:ldc:accumulate:)``).
    static func multiply(isa: Int32, k: Int, n: Int, packed: UnsafePointer<Float>, m: Int, a: UnsafePointer<Float>, lda: Int,
                         transposedA: Bool, c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        let nr = Int(E2E_PACK_NR), panels = (n + nr - 1) / nr
        let ta: Int32 = transposedA ? 1 : 0
        let (k32, n32, la, lc) = (Int32(k), Int32(n), Int32(lda), Int32(ldc))
        let acc: Int32 = accumulate ? 1 : 0
        let threads = Threading.threadCount
        // About 2^18 multiply-adds per chunk (~3 us) pay for a dispatch.
        // Multiply-add counts saturate instead of overflowing (sizes up to Int32.max each).
        func madds(_ x: Int, _ y: Int, _ z: Int) -> Int {
            let (xy, o1) = x.multipliedReportingOverflow(by: y), (xyz, o2) = xy.multipliedReportingOverflow(by: z)
            return o1 || o2 ? Int.max : xyz
        }
        if threads == 1 || madds(m, k, n) < 1 << 19 {
            _ = e2e_packed_gemm(isa, Int32(m), n32, k32, a, la, ta, packed, c, lc, acc, 0, Int32(panels))
            return
        }
        // A transposed A (or too few panels to share): split the rows, every thread on all
        // panels. Split by panels, each thread would copy the whole of a transposed A into its
        // kernel order (a memory-bound pass over megabytes) for half the work. Rows go in units
        // of the kernels' row block (6 rows; 8 for AVX-512 against a single panel), so the
        // chunks stay balanced (a batch of 128: 11 + 11 units, where blocks of 48 split 2 : 1).
        let unit = isa == E2E_CPU_AVX512F && panels == 1 ? 8 : 6
        let units = (m + unit - 1) / unit
        // Few pairs of panels that do not divide among the threads split the rows too: the
        // transformer's 384-wide projection gave 3 pairs to 2 threads, 2 : 1.
        let pairs = (panels + 1) / 2
        let unevenPairs = pairs % threads != 0 && pairs < 4 * threads
        if (transposedA || panels < 2 * threads || unevenPairs) && units >= 2 {
            parallelFor(units, grain: Swift.max(1, (1 << 18) / Swift.max(madds(unit, k, n), 1))) { range in
                let r0 = range.lowerBound * unit, r1 = Swift.min(m, range.upperBound * unit)
                _ = e2e_packed_gemm(isa, Int32(r1 - r0), n32, k32, a + (transposedA ? r0 : r0 * lda), la, ta, packed,
                                    c + r0 * ldc, lc, acc, 0, Int32(panels))
            }
            return
        }
        // Pairs of panels, the AVX-512 kernel's tile: a chunk boundary inside a pair would leave
        // both halves to the narrower one-panel kernel.
        parallelFor(pairs, grain: Swift.max(1, (1 << 18) / Swift.max(madds(m, k, 2 * nr), 1))) { range in
            _ = e2e_packed_gemm(isa, Int32(m), n32, k32, a, la, ta, packed, c, lc, acc, Int32(2 * range.lowerBound),
                                Int32(Swift.min(panels, 2 * range.upperBound)))
        }
    }

    /// Rows per block of ``multiply(blockedA:m:c:ldc:accumulate:)``'s `A`.
    public static let blockedRows = 8

    /// `C = A · B` (or `C += A · B` when `accumulate`) for `A` (`m × k`) given in the kernel's
    /// blocked order, `[⌈m / 8⌉][k][8]` (element `(i, kk)` at `((i / 8) · k + kk) · 8 + i % 8`,
    /// rows past `m` zero), as ``CPUKernels/im2colBlocked(_:_:into:rowBlocks:)`` writes a
    /// convolution's transposed columns, so the product reads `A` without copying it. The row
    /// blocks are split over up to ``Threading/threadCount`` threads. `false` (nothing written)
    /// where the packed kernels are not AVX-512.
    public func multiply(blockedA a: UnsafePointer<Float>, m: Int, c: UnsafeMutablePointer<Float>, ldc: Int,
                         accumulate: Bool) -> Bool {
        guard isa == E2E_CPU_AVX512F else { return false }
        if m <= 0 { return true }
        precondition(ldc >= n && m <= Int(Int32.max), "PackedMatrix.multiply(blockedA:): ldc \(ldc) too small for n \(n), or m \(m) too large")
        let blocks = (m + Self.blockedRows - 1) / Self.blockedRows
        let (m32, n32, k32, lc) = (Int32(m), Int32(n), Int32(k), Int32(ldc))
        let acc: Int32 = accumulate ? 1 : 0
        let packed = UnsafePointer(storage), isa = self.isa
        // About 2^18 multiply-adds per chunk, as in the other products.
        let perBlock = Swift.max(1, Self.blockedRows * k * n)
        parallelFor(blocks, grain: Swift.max(1, (1 << 18) / perBlock)) { range in
            _ = e2e_packed_gemm_blocked_a(isa, m32, n32, k32, a, packed, c, lc, acc, Int32(range.lowerBound), Int32(range.upperBound))
        }
        return true
    }
}
