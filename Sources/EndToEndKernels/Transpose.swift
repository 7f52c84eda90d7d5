// Out-of-place matrix transposition, for callers that change a product's layout.

import EndToEndKernelsC

/// `dst[j · ldd + i] = src[i · lds + j]` for `i < rows`, `j < cols` (the C kernel: 8 × 8 blocks
/// in AVX registers where the CPU has AVX2, whatever ``CPUKernels/isEnabled`` says, since the
/// result is the same bits).
public func transposeMatrix(rows: Int, cols: Int, src: UnsafePointer<Float>, lds: Int, dst: UnsafeMutablePointer<Float>, ldd: Int) {
    let lim = Int(Int32.max)
    if rows <= lim && cols <= lim && lds <= lim && ldd <= lim {
        e2e_transpose(Int32(rows), Int32(cols), src, Int32(lds), dst, Int32(ldd))
        return
    }
    for i in 0..<rows {
        for j in 0..<cols { dst[j * ldd + i] = src[i * lds + j] }
    }
}
