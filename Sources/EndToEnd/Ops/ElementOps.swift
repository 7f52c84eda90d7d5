import EndToEndKernels

/// An element-wise op as a type (a value, so that it can carry a constant). The kernels that take one (``Tensor/zipElements(_:op:_:)-op``,
/// ``Tensor/mapElements(_:_:)-op``) are specialized per op by the compiler, so the loop body is
/// the op itself and vectorizes. The closure-taking kernels call their closure per element:
/// perf put those calls at about a quarter of a transformer step on two threads.
protocol ElementOp {
    /// `a ∘ b`; unary ops get their scalar operand (or 0) as `b`.
    func apply(_ a: Float, _ b: Float) -> Float
}

struct AddOp: ElementOp { @inline(__always) func apply(_ a: Float, _ b: Float) -> Float { a + b } }
struct SubOp: ElementOp { @inline(__always) func apply(_ a: Float, _ b: Float) -> Float { a - b } }
struct MulOp: ElementOp { @inline(__always) func apply(_ a: Float, _ b: Float) -> Float { a * b } }
struct DivOp: ElementOp { @inline(__always) func apply(_ a: Float, _ b: Float) -> Float { a / b } }
/// `b - a`: the scalar on the left (`s - x`).
struct ReverseSubOp: ElementOp { @inline(__always) func apply(_ a: Float, _ b: Float) -> Float { b - a } }
/// `b / a`: the scalar on the left (`s / x`).
struct ReverseDivOp: ElementOp { @inline(__always) func apply(_ a: Float, _ b: Float) -> Float { b / a } }
struct NegateOp: ElementOp { @inline(__always) func apply(_ a: Float, _ b: Float) -> Float { -a } }
struct SquareOp: ElementOp { @inline(__always) func apply(_ a: Float, _ b: Float) -> Float { a * a } }
/// `b ≠ 0 ? 0 : a`: the gradient of a masked fill (the mask as `b`).
struct MaskedZeroOp: ElementOp { @inline(__always) func apply(_ a: Float, _ b: Float) -> Float { b != 0 ? 0 : a } }
/// `a · (1 − b²)`: tanh's gradient from the output `b`.
struct TanhGradientOp: ElementOp { @inline(__always) func apply(_ a: Float, _ b: Float) -> Float { a * (1 - b * b) } }
/// `a · b(1 − b)`: the sigmoid's gradient from the output `b`.
struct SigmoidGradientOp: ElementOp { @inline(__always) func apply(_ a: Float, _ b: Float) -> Float { a * (b * (1 - b)) } }
/// `b ≠ 0 ? value : a`: a masked fill (the mask as `b`).
struct MaskedFillOp: ElementOp {
    let value: Float
    @inline(__always) func apply(_ a: Float, _ b: Float) -> Float { b != 0 ? value : a }
}

extension Tensor {
    /// `kernel.apply(x, scalar)` for every element `x`, as a new contiguous tensor (no autodiff).
    func mapElements<Op: ElementOp>(_ scalar: Float, _ kernel: Op) -> Tensor {
        let src = isContiguous ? self : contiguousCopy()
        let n = count
        let input = src.storage.pointer + src.offset
        return Tensor(shape: shape) { out, _ in
            if n >= ParallelThreshold.elementwise {
                parallelFor(n, grain: 4096) { r in for i in r { out[i] = kernel.apply(input[i], scalar) } }
            } else {
                for i in 0..<n { out[i] = kernel.apply(input[i], scalar) }
            }
        }
    }

    /// `kernel.apply(self, other)` element by element with NumPy broadcasting (no autodiff).
    func zipElements<Op: ElementOp>(_ other: Tensor, op: String, _ kernel: Op) -> Tensor {
        let outShape = check { () throws(TensorError) in try Shape.broadcast(shape, other.shape, op: op) }
        let a = storage.pointer, b = other.storage.pointer
        if shape == other.shape && isContiguous && other.isContiguous {
            let pa = a + offset, pb = b + other.offset
            let n = count
            return Tensor(shape: outShape) { out, _ in
                if n >= ParallelThreshold.elementwise {
                    parallelFor(n, grain: 4096) { r in for i in r { out[i] = kernel.apply(pa[i], pb[i]) } }
                } else {
                    for i in 0..<n { out[i] = kernel.apply(pa[i], pb[i]) }
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
                if ia == 1 && ib == 1 { for i in 0..<n { po[i] = kernel.apply(pa[i], pb[i]) } }
                else if ia == 1 && ib == 0 { let y = pb[0]; for i in 0..<n { po[i] = kernel.apply(pa[i], y) } }
                else if ia == 0 && ib == 1 { let x = pa[0]; for i in 0..<n { po[i] = kernel.apply(x, pb[i]) } }
                else { for i in 0..<n { po[i] = kernel.apply(pa[i * ia], pb[i * ib]) } }
            }
        }
    }
}
