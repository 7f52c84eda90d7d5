import EndToEndKernels

/// Iteration over strided (possibly broadcast) operands that share one logical shape.
///
/// Dimensions that are contiguous in every operand are merged first, so the common cases
/// (same-shape dense tensors, a row vector broadcast over a matrix) become one or two long
/// inner loops that the compiler vectorizes.
enum StridedLoop {
    /// Merges adjacent dimensions that are laid out back to back in every operand and drops
    /// size-1 dimensions. Returns the reduced shape and per-operand strides.
    static func coalesce(shape: [Int], strides: [[Int]]) -> (shape: [Int], strides: [[Int]]) {
        var outShape: [Int] = []
        var outStrides = [[Int]](repeating: [], count: strides.count)
        for d in 0..<shape.count where shape[d] != 1 {
            if let last = outShape.last {
                var mergeable = true
                for k in 0..<strides.count where outStrides[k].last! != strides[k][d] * shape[d] {
                    mergeable = false
                    break
                }
                if mergeable {
                    outShape[outShape.count - 1] = last * shape[d]
                    for k in 0..<strides.count { outStrides[k][outStrides[k].count - 1] = strides[k][d] }
                    continue
                }
            }
            outShape.append(shape[d])
            for k in 0..<strides.count { outStrides[k].append(strides[k][d]) }
        }
        if outShape.isEmpty {
            outShape = [1]
            for k in 0..<strides.count { outStrides[k] = [1] }
        }
        return (outShape, outStrides)
    }

    /// Runs `body(n, offsets, innerStrides)` once per innermost run of `n` elements.
    /// `offsets[k]` is the element offset of operand `k` (base offsets included) and
    /// `innerStrides[k]` its step along the run. Large iterations are split across threads;
    /// `body` must then be safe to call concurrently on disjoint output ranges.
    static func run(shape: [Int], strides: [[Int]], baseOffsets: [Int], parallel: Bool = true,
                    body: (Int, UnsafePointer<Int>, UnsafePointer<Int>) -> Void) {
        let total = Shape.count(shape)
        if total == 0 { return }
        let (cs, cst) = coalesce(shape: shape, strides: strides)
        let k = strides.count
        let inner = cs[cs.count - 1]
        let outerShape = Array(cs.dropLast())
        let outerCount = Shape.count(outerShape)
        let innerStrides = cst.map { $0[$0.count - 1] }
        let outerStrides = cst.map { Array($0.dropLast()) }

        func chunk(_ range: Range<Int>) {
            withUnsafeTemporaryAllocation(of: Int.self, capacity: k * 2 + outerShape.count) { buf in
                let offs = buf.baseAddress!
                let inS = offs + k
                let idx = offs + 2 * k
                for j in 0..<k { inS[j] = innerStrides[j] }
                // Decompose the first outer index into a multi-index.
                var r = range.lowerBound
                for d in stride(from: outerShape.count - 1, through: 0, by: -1) {
                    idx[d] = r % outerShape[d]
                    r /= outerShape[d]
                }
                for j in 0..<k {
                    var o = baseOffsets[j]
                    for d in 0..<outerShape.count { o += idx[d] * outerStrides[j][d] }
                    offs[j] = o
                }
                for _ in range {
                    body(inner, UnsafePointer(offs), UnsafePointer(inS))
                    // Advance the multi-index like an odometer, updating offsets incrementally.
                    var d = outerShape.count - 1
                    while d >= 0 {
                        idx[d] += 1
                        for j in 0..<k { offs[j] += outerStrides[j][d] }
                        if idx[d] < outerShape[d] { break }
                        for j in 0..<k { offs[j] -= outerStrides[j][d] * outerShape[d] }
                        idx[d] = 0
                        d -= 1
                    }
                }
            }
        }
        if parallel && total >= ParallelThreshold.elementwise && outerCount > 1 {
            parallelFor(outerCount) { chunk($0) }
        } else {
            chunk(0..<outerCount)
        }
    }
}

/// Sizes below which splitting work across threads costs more than it saves.
enum ParallelThreshold {
    /// Elements for cheap element-wise work (add, mul, copy).
    static let elementwise = 1 << 16
    /// Elements for transcendental element-wise work (exp, tanh).
    static let transcendental = 1 << 14
}

/// Dense copies out of strided views.
enum StridedCopy {
    static func copy(shape: [Int], strides: [Int], source: UnsafePointer<Float>, destination: UnsafeMutablePointer<Float>) {
        StridedLoop.run(shape: shape, strides: [strides, Shape.contiguousStrides(shape)], baseOffsets: [0, 0]) { n, o, s in
            let src = source + o[0], dst = destination + o[1]
            let ss = s[0]
            if ss == 1 { dst.update(from: src, count: n) }
            else if ss == 0 { dst.update(repeating: src.pointee, count: n) }
            else { for i in 0..<n { dst[i] = src[i * ss] } }
        }
    }
}
