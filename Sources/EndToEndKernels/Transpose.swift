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

/// ``transposeMatrix(rows:cols:src:lds:dst:ldd:)`` that also adds `bias[j]` to destination row
/// `j` (when given) and then applies a ReLU (`x > 0 ? x : 0`, NaN to 0) when `relu`, in the same
/// pass: a convolution computed position-major stores its channel-major output this way, where
/// the bias and the ReLU had been two more passes over it.
public func transposeMatrix(rows: Int, cols: Int, src: UnsafePointer<Float>, lds: Int, dst: UnsafeMutablePointer<Float>, ldd: Int,
                            bias: UnsafePointer<Float>?, relu: Bool) {
    let lim = Int(Int32.max)
    if rows <= lim && cols <= lim && lds <= lim && ldd <= lim {
        e2e_transpose_bias_relu(Int32(rows), Int32(cols), src, Int32(lds), dst, Int32(ldd), bias, relu ? 1 : 0)
        return
    }
    for i in 0..<rows {
        for j in 0..<cols {
            let v = src[i * lds + j] + (bias?[j] ?? 0)
            dst[j * ldd + i] = relu ? (v > 0 ? v : 0) : v
        }
    }
}
