import EndToEndKernels

/// The loop behind sum/max/min over any set of axes.
///
/// The input is walked in its own memory order with output strides of 0 on reduced axes,
/// so a reduction over leading axes (a bias gradient) is a vectorized row accumulation and
/// one over trailing axes is a dot-like horizontal reduction.
enum ReductionKind { case sum, max, min }

extension Tensor {
    /// Reduces `axes` (normalized, sorted) and returns the kept-dims (keepDims) shape result.
    func reduceRaw(_ axes: [Int], kind: ReductionKind) -> Tensor {
        var outShape = shape
        for a in axes { outShape[a] = 1 }
        let initial: Float = kind == .sum ? 0 : (kind == .max ? -.infinity : .infinity)
        let out = Tensor.full(outShape, initial)
        if count == 0 { return out }
        var outStrides = Shape.contiguousStrides(outShape)
        for a in axes { outStrides[a] = 0 }
        let src = storage.pointer
        let dst = out.storage.pointer
        let (cs, cst) = StridedLoop.coalesce(shape: shape, strides: [strides, outStrides])

        func runPart(_ shape: [Int], _ inOff: Int, _ outOff: Int) {
            StridedLoop.run(shape: shape, strides: cst, baseOffsets: [inOff, outOff], parallel: false) { n, o, s in
                let pa = src + o[0], po = dst + o[1]
                let sa = s[0], so = s[1]
                switch kind {
                case .sum:
                    if so == 0 { po.pointee += sa == 1 ? ReductionKernels.sumContiguous(pa, n) : ReductionKernels.sumStrided(pa, n, sa) }
                    else if sa == 1 && so == 1 { for i in 0..<n { po[i] += pa[i] } }
                    else { for i in 0..<n { po[i * so] += pa[i * sa] } }
                case .max:
                    if so == 0 { var m = po.pointee; for i in 0..<n { let v = pa[i * sa]; if v > m || v.isNaN { m = v } }; po.pointee = m }
                    else { for i in 0..<n { let v = pa[i * sa]; if v > po[i * so] || v.isNaN { po[i * so] = v } } }
                case .min:
                    if so == 0 { var m = po.pointee; for i in 0..<n { let v = pa[i * sa]; if v < m || v.isNaN { m = v } }; po.pointee = m }
                    else { for i in 0..<n { let v = pa[i * sa]; if v < po[i * so] || v.isNaN { po[i * so] = v } } }
                }
            }
        }
        // Threads split the outermost dimension when it is kept (each thread owns distinct outputs).
        let outer = cs[0]
        if count >= ParallelThreshold.elementwise && cs.count > 1 && cst[1][0] != 0 && outer >= 2 && Threading.threadCount > 1 {
            var sub = cs
            parallelFor(outer) { r in
                var part = sub
                part[0] = r.count
                runPart(part, self.offset + r.lowerBound * cst[0][0], r.lowerBound * cst[1][0])
            }
            sub[0] = 0
        } else {
            runPart(cs, offset, 0)
        }
        return out
    }
}

enum ReductionKernels {
    /// Sum of a dense run: 8 float lanes within blocks, blocks accumulated in Double, so the
    /// error stays small for millions of elements without giving up vector speed.
    @inline(__always)
    static func sumContiguous(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var total: Double = 0
        var start = 0
        while start < n {
            let end = Swift.min(n, start + 256)
            var acc = SIMD8<Float>(repeating: 0)
            var i = start
            let raw = UnsafeRawPointer(p)
            while i + 8 <= end {
                acc += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                i += 8
            }
            var s = acc.sum()
            while i < end { s += p[i]; i += 1 }
            total += Double(s)
            start = end
        }
        return Float(total)
    }

    @inline(__always)
    static func sumStrided(_ p: UnsafePointer<Float>, _ n: Int, _ stride: Int) -> Float {
        var total: Double = 0
        for i in 0..<n { total += Double(p[i * stride]) }
        return Float(total)
    }
}
