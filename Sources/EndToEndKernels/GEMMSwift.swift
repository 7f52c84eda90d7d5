// Pure-Swift SGEMM fallback (Goto/BLIS design) for baseline x86-64 (SSE2, no FMA) and arm64.
//
// Structure (BLIS loop order):
//   jc (nc columns of C)  -> pc (kc slice of k) -> pack B block (kc x nc, L3-resident)
//   -> ic (mc rows)       -> pack A block (mc x kc, L2-resident)
//   -> jr (NR columns)    -> ir (MR rows) -> 6x8 register micro-kernel (B micro-panel in L1)
// Multithreading splits C into row (or column) bands, one serial blocked GEMM per band.

/// Micro-tile rows. 6x8 = 12 SIMD4 accumulators + 2 B vectors + 2 temporaries = all 16
/// XMM registers: the largest tile that fits without spills on SSE (verified in the asm).
@usableFromInline let gemmMR = 6
/// Micro-tile columns (two SIMD4 vectors).
@usableFromInline let gemmNR = 8
/// k-slice length: one B micro-panel (kc*NR*4 = 8 KiB) fits comfortably in L1.
let gemmKC = 256
/// Rows per A block. A is packed pre-broadcast (4 floats per element), so the block is
/// mc*kc*16 bytes = 288 KiB: well inside L2. Measured best of 72/144/288 at n = 2048.
let gemmMC = 72
/// Columns per B block (kc*nc*4 = 4 MiB, L3-resident).
let gemmNC = 4096

// MARK: - Buffer pool

/// Recycles 64-byte aligned packing buffers between calls: large `malloc`s are served by
/// `mmap`, and page-faulting fresh memory on every GEMM call costs more than small GEMMs.
final class PackBufferPool: @unchecked Sendable {
    private let lock = KernelLock()
    private var free: [(ptr: UnsafeMutableRawPointer, bytes: Int)] = []
    private let maxCached = 8

    static let shared = PackBufferPool()

    func acquire(bytes: Int) -> (ptr: UnsafeMutableRawPointer, bytes: Int) {
        let reused: (ptr: UnsafeMutableRawPointer, bytes: Int)? = lock.withLock {
            if let i = free.lastIndex(where: { $0.bytes >= bytes }) {
                return free.remove(at: i)
            }
            return nil
        }
        if let reused { return reused }
        return (UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 64), alignment: 64), max(bytes, 64))
    }

    func release(_ buf: (ptr: UnsafeMutableRawPointer, bytes: Int)) {
        let evicted: UnsafeMutableRawPointer? = lock.withLock {
            if free.count < maxCached {
                free.append(buf)
                return nil
            }
            // Keep the larger buffers: replace the smallest cached one if ours is bigger.
            if let i = free.indices.min(by: { free[$0].bytes < free[$1].bytes }), free[i].bytes < buf.bytes {
                let old = free[i].ptr
                free[i] = buf
                return old
            }
            return buf.ptr
        }
        evicted?.deallocate()
    }
}

// MARK: - Packing

/// Packs rows `0..<mb` x depth `0..<kb` of op(A) (already offset to the block origin) as
/// MR-row strips, each element broadcast to 4 lanes so the micro-kernel needs no shuffles.
/// Rows past `mb` in the last strip are zero.
@inline(__always)
private func packA(_ a: UnsafePointer<Float>, lda: Int, transA: Bool, mb: Int, kb: Int,
                   into dst: UnsafeMutablePointer<Float>) {
    let mr = gemmMR
    var d = UnsafeMutableRawPointer(dst)
    var i = 0
    while i < mb {
        let rows = min(mr, mb - i)
        if rows == mr && !transA {
            // Six row pointers walking along k.
            let r0 = a + i * lda, r1 = r0 + lda, r2 = r1 + lda, r3 = r2 + lda, r4 = r3 + lda, r5 = r4 + lda
            for p in 0..<kb {
                d.storeBytes(of: SIMD4<Float>(repeating: r0[p]), toByteOffset: 0, as: SIMD4<Float>.self)
                d.storeBytes(of: SIMD4<Float>(repeating: r1[p]), toByteOffset: 16, as: SIMD4<Float>.self)
                d.storeBytes(of: SIMD4<Float>(repeating: r2[p]), toByteOffset: 32, as: SIMD4<Float>.self)
                d.storeBytes(of: SIMD4<Float>(repeating: r3[p]), toByteOffset: 48, as: SIMD4<Float>.self)
                d.storeBytes(of: SIMD4<Float>(repeating: r4[p]), toByteOffset: 64, as: SIMD4<Float>.self)
                d.storeBytes(of: SIMD4<Float>(repeating: r5[p]), toByteOffset: 80, as: SIMD4<Float>.self)
                d += 96
            }
        } else if rows == mr {
            // op(A)(i+r, p) = a[p*lda + i + r]: six contiguous floats per p.
            var src = a + i
            for _ in 0..<kb {
                d.storeBytes(of: SIMD4<Float>(repeating: src[0]), toByteOffset: 0, as: SIMD4<Float>.self)
                d.storeBytes(of: SIMD4<Float>(repeating: src[1]), toByteOffset: 16, as: SIMD4<Float>.self)
                d.storeBytes(of: SIMD4<Float>(repeating: src[2]), toByteOffset: 32, as: SIMD4<Float>.self)
                d.storeBytes(of: SIMD4<Float>(repeating: src[3]), toByteOffset: 48, as: SIMD4<Float>.self)
                d.storeBytes(of: SIMD4<Float>(repeating: src[4]), toByteOffset: 64, as: SIMD4<Float>.self)
                d.storeBytes(of: SIMD4<Float>(repeating: src[5]), toByteOffset: 80, as: SIMD4<Float>.self)
                src += lda
                d += 96
            }
        } else {
            // Edge strip: zero-pad missing rows.
            for p in 0..<kb {
                for r in 0..<mr {
                    var v: Float = 0
                    if r < rows {
                        v = transA ? a[p * lda + i + r] : a[(i + r) * lda + p]
                    }
                    d.storeBytes(of: SIMD4<Float>(repeating: v), toByteOffset: r * 16, as: SIMD4<Float>.self)
                }
                d += 96
            }
        }
        i += mr
    }
}

/// Packs depth `0..<kb` x columns `0..<nb` of op(B) (offset to the block origin) as
/// NR-column panels: for each p, NR consecutive floats. Columns past `nb` are zero.
@inline(__always)
private func packB(_ b: UnsafePointer<Float>, ldb: Int, transB: Bool, kb: Int, nb: Int,
                   into dst: UnsafeMutablePointer<Float>) {
    let nr = gemmNR
    var d = dst
    var j = 0
    while j < nb {
        let cols = min(nr, nb - j)
        if cols == nr && !transB {
            var src = UnsafeRawPointer(b + j)
            let stride = ldb * 4
            for _ in 0..<kb {
                let v0 = src.loadUnaligned(fromByteOffset: 0, as: SIMD4<Float>.self)
                let v1 = src.loadUnaligned(fromByteOffset: 16, as: SIMD4<Float>.self)
                UnsafeMutableRawPointer(d).storeBytes(of: v0, toByteOffset: 0, as: SIMD4<Float>.self)
                UnsafeMutableRawPointer(d).storeBytes(of: v1, toByteOffset: 16, as: SIMD4<Float>.self)
                src += stride
                d += 8
            }
        } else if cols == nr {
            // op(B)(p, j+c) = b[(j+c)*ldb + p]: eight column streams along k.
            let c0 = b + j * ldb, c1 = c0 + ldb, c2 = c1 + ldb, c3 = c2 + ldb
            let c4 = c3 + ldb, c5 = c4 + ldb, c6 = c5 + ldb, c7 = c6 + ldb
            for p in 0..<kb {
                d[0] = c0[p]; d[1] = c1[p]; d[2] = c2[p]; d[3] = c3[p]
                d[4] = c4[p]; d[5] = c5[p]; d[6] = c6[p]; d[7] = c7[p]
                d += 8
            }
        } else {
            for p in 0..<kb {
                for c in 0..<nr {
                    var v: Float = 0
                    if c < cols {
                        v = transB ? b[(j + c) * ldb + p] : b[p * ldb + j + c]
                    }
                    d[c] = v
                }
                d += 8
            }
        }
        j += nr
    }
}

// MARK: - Micro-kernel

/// C[0..<6, 0..<8] = alpha * (Apanel * Bpanel) + beta * C   (C not read when beta == 0).
///
/// `pa` holds kb groups of 6 broadcast SIMD4s, `pb` kb groups of 8 floats; both 16-byte
/// aligned. Kept out of line so the register allocator sees only this loop.
@inline(never)
private func microKernel6x8(_ kb: Int, _ pa: UnsafePointer<Float>, _ pb: UnsafePointer<Float>,
                            _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ alpha: Float, _ beta: Float) {
    typealias V = SIMD4<Float>
    var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
    var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
    var a = UnsafeRawPointer(pa)
    var b = UnsafeRawPointer(pb)
    // One k step: 2 B loads, 6 pre-broadcast A loads, 12 mulps + 12 addps (no FMA on
    // baseline x86-64). Deliberately not unrolled: LLVM then interleaves two steps and
    // spills accumulators (checked with -emit-assembly); this form uses exactly 16 XMMs.
    var p = kb
    while p > 0 {
        let b0 = b.load(fromByteOffset: 0, as: V.self)
        let b1 = b.load(fromByteOffset: 16, as: V.self)
        var t = a.load(fromByteOffset: 0, as: V.self)
        c00 += t * b0; c01 += t * b1
        t = a.load(fromByteOffset: 16, as: V.self)
        c10 += t * b0; c11 += t * b1
        t = a.load(fromByteOffset: 32, as: V.self)
        c20 += t * b0; c21 += t * b1
        t = a.load(fromByteOffset: 48, as: V.self)
        c30 += t * b0; c31 += t * b1
        t = a.load(fromByteOffset: 64, as: V.self)
        c40 += t * b0; c41 += t * b1
        t = a.load(fromByteOffset: 80, as: V.self)
        c50 += t * b0; c51 += t * b1
        a += 96
        b += 32
        p -= 1
    }
    let va = V(repeating: alpha)
    let cr = UnsafeMutableRawPointer(c)
    let rs = ldc * 4
    @inline(__always) func store(_ row: Int, _ x0: V, _ x1: V) {
        let off = row * rs
        if beta == 0 {
            cr.storeBytes(of: va * x0, toByteOffset: off, as: V.self)
            cr.storeBytes(of: va * x1, toByteOffset: off + 16, as: V.self)
        } else {
            let vb = V(repeating: beta)
            let o0 = cr.loadUnaligned(fromByteOffset: off, as: V.self)
            let o1 = cr.loadUnaligned(fromByteOffset: off + 16, as: V.self)
            cr.storeBytes(of: va * x0 + vb * o0, toByteOffset: off, as: V.self)
            cr.storeBytes(of: va * x1 + vb * o1, toByteOffset: off + 16, as: V.self)
        }
    }
    store(0, c00, c01); store(1, c10, c11); store(2, c20, c21)
    store(3, c30, c31); store(4, c40, c41); store(5, c50, c51)
}

// MARK: - Serial blocked GEMM

/// Serial blocked GEMM on one band of C. Pointers are already offset to the band origin.
private func gemmSerialBlocked(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                               a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                               beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    let mr = gemmMR, nr = gemmNR
    let kcE = min(gemmKC, k)
    let mcE = min(gemmMC, (m + mr - 1) / mr * mr)
    let ncE = min(gemmNC, (n + nr - 1) / nr * nr)
    let aFloats = mcE * kcE * 4
    let bFloats = kcE * ncE
    let buf = PackBufferPool.shared.acquire(bytes: (aFloats + bFloats) * 4 + 64)
    defer { PackBufferPool.shared.release(buf) }
    let pA = buf.ptr.bindMemory(to: Float.self, capacity: aFloats + bFloats)
    let pB = pA + aFloats
    // Scratch tile for partial edge tiles (64-byte aligned, lives on the stack).
    withUnsafeTemporaryAllocation(of: Float.self, capacity: mr * nr) { tileBuf in
        let tile = tileBuf.baseAddress!
        var jc = 0
        while jc < n {
            let nb = min(gemmNC, n - jc)
            var pc = 0
            while pc < k {
                let kb = min(gemmKC, k - pc)
                let bOrigin = transB ? b + jc * ldb + pc : b + pc * ldb + jc
                packB(bOrigin, ldb: ldb, transB: transB, kb: kb, nb: nb, into: pB)
                let betaEff: Float = pc == 0 ? beta : 1
                var ic = 0
                while ic < m {
                    let mb = min(gemmMC, m - ic)
                    let aOrigin = transA ? a + pc * lda + ic : a + ic * lda + pc
                    packA(aOrigin, lda: lda, transA: transA, mb: mb, kb: kb, into: pA)
                    var jr = 0
                    while jr < nb {
                        let cols = min(nr, nb - jr)
                        let bPanel = pB + (jr / nr) * (kb * nr)
                        var ir = 0
                        while ir < mb {
                            let rows = min(mr, mb - ir)
                            let aPanel = pA + (ir / mr) * (kb * mr * 4)
                            let cTile = c + (ic + ir) * ldc + (jc + jr)
                            if rows == mr && cols == nr {
                                microKernel6x8(kb, aPanel, bPanel, cTile, ldc, alpha, betaEff)
                            } else {
                                microKernel6x8(kb, aPanel, bPanel, tile, nr, 1, 0)
                                for r in 0..<rows {
                                    let crow = cTile + r * ldc
                                    let trow = tile + r * nr
                                    if betaEff == 0 {
                                        for j in 0..<cols { crow[j] = alpha * trow[j] }
                                    } else {
                                        for j in 0..<cols { crow[j] = alpha * trow[j] + betaEff * crow[j] }
                                    }
                                }
                            }
                            ir += mr
                        }
                        jr += nr
                    }
                    ic += gemmMC
                }
                pc += gemmKC
            }
            jc += gemmNC
        }
    }
}

// MARK: - Public entry point

/// Scales `C` (m x n, row stride `ldc`) by `beta`; writes zeros without reading when beta == 0.
@usableFromInline
func scaleMatrix(m: Int, n: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    if beta == 1 { return }
    for i in 0..<m {
        let row = c + i * ldc
        if beta == 0 {
            row.update(repeating: 0, count: n)
        } else {
            for j in 0..<n { row[j] *= beta }
        }
    }
}

/// Direct triple loop for tiny products, where packing would cost more than the math.
private func gemmSmall(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                       a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                       beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    for i in 0..<m {
        for j in 0..<n {
            var s: Float = 0
            for p in 0..<k {
                let av = transA ? a[p * lda + i] : a[i * lda + p]
                let bv = transB ? b[j * ldb + p] : b[p * ldb + j]
                s += av * bv
            }
            let dst = c + i * ldc + j
            dst.pointee = beta == 0 ? alpha * s : alpha * s + beta * dst.pointee
        }
    }
}

/// Pure-Swift single-precision GEMM with row-major `cblas_sgemm` semantics:
/// `C = alpha * op(A) * op(B) + beta * C`, where `op(X)` is `X` or `Xᵀ`.
///
/// `op(A)` is m x k, `op(B)` is k x n, `C` is m x n; leading dimensions are row strides in
/// elements (`lda >= (transA ? m : k)`, `ldb >= (transB ? k : n)`, `ldc >= n`). When
/// `beta == 0`, `C` is never read (NaN/garbage in `C` does not propagate). When `k == 0`
/// the result is `beta * C`. Uses up to ``Threading/threadCount`` threads.
///
/// This is the fallback used by ``sgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``
/// when no BLAS is loaded; call it directly to bypass BLAS.
public func sgemmSwift(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                       a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                       beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    sgemmSwift(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
               b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, threads: Threading.threadCount)
}

/// Variant of ``sgemmSwift(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)`` with an
/// explicit upper bound on threads (1 = run on the calling thread only).
public func sgemmSwift(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                       a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                       beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int) {
    if m <= 0 || n <= 0 { return }
    if k <= 0 || alpha == 0 {
        scaleMatrix(m: m, n: n, beta: beta, c: c, ldc: ldc)
        return
    }
    let flops = m * n * k
    if flops <= 512 || (m < 4 && n < 4) {
        gemmSmall(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                  b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        return
    }
    // Roughly 1 thread per 2^19 multiply-adds (~30 µs of work) so dispatch cost stays small.
    let mr = gemmMR, nr = gemmNR
    let mTiles = (m + mr - 1) / mr, nTiles = (n + nr - 1) / nr
    let splitM = mTiles >= nTiles
    let tiles = splitM ? mTiles : nTiles
    let t = max(1, min(threads, tiles, flops >> 19))
    if t == 1 {
        gemmSerialBlocked(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                          b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        return
    }
    parallelFor(tiles, chunks: t) { range in
        if splitM {
            let lo = range.lowerBound * mr, hi = min(m, range.upperBound * mr)
            let aBand = transA ? a + lo : a + lo * lda
            gemmSerialBlocked(transA: transA, transB: transB, m: hi - lo, n: n, k: k, alpha: alpha,
                              a: aBand, lda: lda, b: b, ldb: ldb, beta: beta, c: c + lo * ldc, ldc: ldc)
        } else {
            let lo = range.lowerBound * nr, hi = min(n, range.upperBound * nr)
            let bBand = transB ? b + lo * ldb : b + lo
            gemmSerialBlocked(transA: transA, transB: transB, m: m, n: hi - lo, k: k, alpha: alpha,
                              a: a, lda: lda, b: bBand, ldb: ldb, beta: beta, c: c + lo, ldc: ldc)
        }
    }
}
