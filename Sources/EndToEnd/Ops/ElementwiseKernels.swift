import EndToEndKernels

/// The loops behind every element-wise op: one for unary maps, one for broadcasting
/// binary maps, one for ternary selects. Ops pass the per-element function as a closure
/// that is inlined here, so each op gets its own specialized, vectorizable loop.
extension Tensor {
    /// `f` applied to every element, as a new contiguous tensor (no autodiff).
    @inline(__always)
    func mapElements(cost: Int = ParallelThreshold.elementwise, _ f: @escaping (Float) -> Float) -> Tensor {
        // A raw copy, not `contiguous()`: the caller records the op's own autodiff node.
        let src = isContiguous ? self : contiguousCopy()
        let n = count
        let input = src.storage.pointer + src.offset
        return Tensor(shape: shape) { out, _ in
            if n >= cost {
                parallelFor(n) { r in
                    for i in r { out[i] = f(input[i]) }
                }
            } else {
                for i in 0..<n { out[i] = f(input[i]) }
            }
        }
    }

    /// A whole-buffer kernel (e.g. ``VectorMath/exp(_:_:count:)``) applied to every element,
    /// as a new contiguous tensor (no autodiff). Large buffers are split across threads.
    func mapBuffer(cost: Int = ParallelThreshold.transcendental,
                   _ kernel: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) -> Tensor {
        let src = isContiguous ? self : contiguousCopy()
        let input = UnsafePointer(src.storage.pointer + src.offset)
        let n = count
        return Tensor(shape: shape) { out, _ in
            if n >= cost {
                parallelFor(n, grain: 4096) { r in kernel(input + r.lowerBound, out + r.lowerBound, r.count) }
            } else {
                kernel(input, out, n)
            }
        }
    }

    /// `f(self, other)` element by element with NumPy broadcasting (no autodiff).
    @inline(__always)
    func zipElements(_ other: Tensor, op: String, _ f: @escaping (Float, Float) -> Float) -> Tensor {
        let outShape = check { () throws(TensorError) in try Shape.broadcast(shape, other.shape, op: op) }
        let a = storage.pointer, b = other.storage.pointer
        // Fast path: both dense with the same shape.
        if shape == other.shape && isContiguous && other.isContiguous {
            let pa = a + offset, pb = b + other.offset
            let n = count
            return Tensor(shape: outShape) { out, _ in
                if n >= ParallelThreshold.elementwise {
                    parallelFor(n) { r in for i in r { out[i] = f(pa[i], pb[i]) } }
                } else {
                    for i in 0..<n { out[i] = f(pa[i], pb[i]) }
                }
            }
        }
        let sa = broadcastStrides(to: outShape), sb = other.broadcastStrides(to: outShape)
        let so = Shape.contiguousStrides(outShape)
        return Tensor(shape: outShape) { out, _ in
            StridedLoop.run(shape: outShape, strides: [sa, sb, so], baseOffsets: [offset, other.offset, 0]) { n, o, s in
                let pa = a + o[0], pb = b + o[1], po = out + o[2]
                let ia = s[0], ib = s[1]
                // The output is dense, so its inner stride is 1.
                if ia == 1 && ib == 1 { for i in 0..<n { po[i] = f(pa[i], pb[i]) } }
                else if ia == 1 && ib == 0 { let y = pb[0]; for i in 0..<n { po[i] = f(pa[i], y) } }
                else if ia == 0 && ib == 1 { let x = pa[0]; for i in 0..<n { po[i] = f(x, pb[i]) } }
                else { for i in 0..<n { po[i] = f(pa[i * ia], pb[i * ib]) } }
            }
        }
    }

    /// `f(self, b, c)` element by element with broadcasting of all three (no autodiff).
    func zip3Elements(_ b: Tensor, _ c: Tensor, op: String, _ f: @escaping (Float, Float, Float) -> Float) -> Tensor {
        let s1 = check { () throws(TensorError) in try Shape.broadcast(shape, b.shape, op: op) }
        let outShape = check { () throws(TensorError) in try Shape.broadcast(s1, c.shape, op: op) }
        let pa = storage.pointer, pb = b.storage.pointer, pc = c.storage.pointer
        let strides = [broadcastStrides(to: outShape), b.broadcastStrides(to: outShape), c.broadcastStrides(to: outShape), Shape.contiguousStrides(outShape)]
        return Tensor(shape: outShape) { out, _ in
            StridedLoop.run(shape: outShape, strides: strides, baseOffsets: [offset, b.offset, c.offset, 0]) { n, o, s in
                let xa = pa + o[0], xb = pb + o[1], xc = pc + o[2], po = out + o[3]
                let ia = s[0], ib = s[1], ic = s[2]
                for i in 0..<n { po[i] = f(xa[i * ia], xb[i * ib], xc[i * ic]) }
            }
        }
    }

    /// Sums a gradient of a broadcast result back to the shape of the input that was broadcast.
    public func sumToShape(_ target: [Int]) -> Tensor {
        if shape == target { return self }
        let lead = rank - target.count
        var axes = Array(0..<lead)
        for i in 0..<target.count where target[i] == 1 && shape[i + lead] != 1 { axes.append(i + lead) }
        // An empty axis list would mean every axis.
        if axes.isEmpty { return reshaped(target) }
        // keepDims leaves the leading broadcast axes as 1s; the reshape drops them.
        let r = sum(axes: axes, keepDims: true)
        return r.shape == target ? r : r.reshaped(target)
    }
}
