/// Reductions over any set of axes, and softmax / log-softmax.
extension Tensor {
    func reductionAxes(_ axes: [Int]?, op: String) -> [Int] {
        check { () throws(TensorError) in try Shape.normalizeAxes(axes, rank: rank, op: op, shape: shape) }
    }

    static func dropAxes(_ shape: [Int], _ axes: [Int]) -> [Int] {
        shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
    }

    /// Sum over `axes` (all axes if `nil` or empty); reduced axes are kept with size 1 if `keepDims`.
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let ax = reductionAxes(axes, op: "sum")
        var kept = reduceRaw(ax, kind: .sum)
        let keptShape = kept.shape, inShape = shape
        if !keepDims { kept = Tensor(storage: kept.storage, shape: Tensor.dropAxes(keptShape, ax)) }
        kept.recordUnary(self, op: "sum") { g in g.reshaped(keptShape).expanded(to: inShape).contiguous() }
        return kept
    }

    /// Sum over one axis.
    public func sum(axis: Int, keepDims: Bool = false) -> Tensor { sum(axes: [axis], keepDims: keepDims) }

    /// Mean over `axes` (all axes if `nil` or empty).
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let ax = reductionAxes(axes, op: "mean")
        let n = ax.reduce(1) { $0 * shape[$1] }
        return sum(axes: ax, keepDims: keepDims) / Float(Swift.max(n, 1))
    }

    /// Mean over one axis.
    public func mean(axis: Int, keepDims: Bool = false) -> Tensor { mean(axes: [axis], keepDims: keepDims) }

    /// Variance over `axes`, dividing by `N - correction` (1: unbiased, PyTorch's default;
    /// 0: the population variance that batch normalization uses).
    public func variance(axes: [Int]? = nil, correction: Int = 1, keepDims: Bool = false) -> Tensor {
        let ax = reductionAxes(axes, op: "variance")
        let n = ax.reduce(1) { $0 * shape[$1] }
        let centered = self - mean(axes: ax, keepDims: true)
        return centered.square().sum(axes: ax, keepDims: keepDims) / Float(Swift.max(n - correction, 0))
    }

    /// Standard deviation over `axes`. Where it is 0 (all reduced elements equal) its gradient
    /// is 0, as in PyTorch, not the ∞ · 0 = NaN of a plain square root.
    public func standardDeviation(axes: [Int]? = nil, correction: Int = 1, keepDims: Bool = false) -> Tensor {
        variance(axes: axes, correction: correction, keepDims: keepDims)
            .unaryFromOutput("standardDeviation", { $0.squareRoot() }) { $0 == 0 ? 0 : 0.5 / $0 }
    }

    /// Maximum over `axes`; ties share the gradient equally.
    public func max(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor { extremum(axes, keepDims, .max, "max") }

    /// Minimum over `axes`; ties share the gradient equally.
    public func min(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor { extremum(axes, keepDims, .min, "min") }

    /// Maximum over one axis.
    public func max(axis: Int, keepDims: Bool = false) -> Tensor { max(axes: [axis], keepDims: keepDims) }
    /// Minimum over one axis.
    public func min(axis: Int, keepDims: Bool = false) -> Tensor { min(axes: [axis], keepDims: keepDims) }

    private func extremum(_ axes: [Int]?, _ keepDims: Bool, _ kind: ReductionKind, _ op: String) -> Tensor {
        let ax = reductionAxes(axes, op: op)
        if count == 0 { fail(TensorError(op, "cannot reduce an empty tensor of shape \(shapeString(shape))")) }
        var kept = reduceRaw(ax, kind: kind)
        let keptValues = kept
        let keptShape = kept.shape
        if !keepDims { kept = Tensor(storage: kept.storage, shape: Tensor.dropAxes(keptShape, ax)) }
        let x = detached()
        kept.recordUnary(self, op: op) { g in
            let mask = x.eq(keptValues)
            let share = mask / mask.sum(axes: ax, keepDims: true)
            return share * g.reshaped(keptShape)
        }
        return kept
    }

    /// Index of the largest value along `axis` (the first one on ties).
    public func argmax(axis: Int, keepDims: Bool = false) -> IntTensor { argExtremum(axis, keepDims, "argmax", >) }

    /// Index of the smallest value along `axis` (the first one on ties).
    public func argmin(axis: Int, keepDims: Bool = false) -> IntTensor { argExtremum(axis, keepDims, "argmin", <) }

    /// Index of the largest element of the flattened tensor.
    public func argmax() -> Int { Int(reshaped([-1]).argmax(axis: 0).scalars[0]) }

    private func argExtremum(_ axis: Int, _ keepDims: Bool, _ op: String, _ better: (Float, Float) -> Bool) -> IntTensor {
        let ax = check { () throws(TensorError) in try Shape.normalizeAxis(axis, rank: rank, op: op, shape: shape) }
        guard shape[ax] > 0 else { fail(TensorError(op, "axis \(axis) of shape \(shapeString(shape)) is empty")) }
        let c = contiguous()
        let outer = shape[..<ax].reduce(1, *), n = shape[ax], inner = shape[(ax + 1)...].reduce(1, *)
        var result = [Int32](repeating: 0, count: outer * inner)
        let p = c.storage.pointer + c.offset
        for o in 0..<outer {
            for i in 0..<inner {
                let base = p + o * n * inner + i
                var best = base[0], bi = 0
                for j in 1..<Swift.max(n, 1) {
                    let v = base[j * inner]
                    if better(v, best) || (v.isNaN && !best.isNaN) { best = v; bi = j }
                }
                result[o * inner + i] = Int32(bi)
            }
        }
        var outShape = shape
        if keepDims { outShape[ax] = 1 } else { outShape.remove(at: ax) }
        return IntTensor(shape: outShape, scalars: result)
    }

    /// log(sum(exp(x))) over `axes`, computed stably.
    public func logSumExp(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let ax = reductionAxes(axes, op: "logsumexp")
        let m = withNoGrad { max(axes: ax, keepDims: true) }
        // A row of -inf has no finite shift; use 0 there so the result is -inf, not NaN.
        let shift = m.detached().mapElements { $0.isFinite ? $0 : 0 }
        let r = (self - shift).exp().sum(axes: ax, keepDims: true).log() + shift
        return keepDims ? r : r.reshaped(Tensor.dropAxes(r.shape, ax))
    }

    /// Softmax along `axis`.
    public func softmax(axis: Int = -1) -> Tensor { softmaxFamily(axis: axis, log: false) }

    /// Log of the softmax along `axis`, computed stably.
    public func logSoftmax(axis: Int = -1) -> Tensor { softmaxFamily(axis: axis, log: true) }

    private func softmaxFamily(axis: Int, log: Bool) -> Tensor {
        let op = log ? "logSoftmax" : "softmax"
        let ax = check { () throws(TensorError) in try Shape.normalizeAxis(axis, rank: rank, op: op, shape: shape) }
        if ax != rank - 1 {
            return transposed(ax, -1).softmaxFamily(axis: -1, log: log).transposed(ax, -1)
        }
        let n = shape.last!
        let rows = n == 0 ? 0 : count / n
        let src = contiguous()
        let sp = src.storage.pointer + src.offset
        var out = Tensor(shape: shape) { dst, _ in
            SoftmaxKernels.forward(sp, dst, rows: rows, n: n, log: log)
        }
        let y = out.detached()
        out.recordUnary(self, op: op) { g in
            let gc = g.contiguous()
            return Tensor(shape: y.shape) { dx, _ in
                SoftmaxKernels.backward(y: y.storage.pointer, g: gc.storage.pointer + gc.offset, dx, rows: rows, n: n, log: log)
            }
        }
        return out
    }
}

enum SoftmaxKernels {
    /// Writes `exp(x − max x)` of one row into `e` and returns the max (0 when it is not
    /// finite, so an all −∞ row gives NaN rather than a silent 0) and the sum of `e`: the
    /// overflow-safe core of softmax, log-softmax and cross-entropy.
    @inline(__always)
    static func shiftedExp(_ x: UnsafePointer<Float>, into e: UnsafeMutablePointer<Float>, count n: Int) -> (max: Float, sum: Float) {
        var m = rowMax(x, n)
        if !m.isFinite { m = 0 }
        for j in 0..<n { e[j] = x[j] - m }
        VectorMath.exp(e, e, count: n)
        return (m, RunSums.sum(e, n))
    }

    // The row reductions run in vector lanes (the max here, the sums and dots in RunSums): as
    // scalar loops they were chains of dependent adds and compares (5 % of the transformer
    // benchmark, whose attention rows are 128 wide).

    /// The largest element of `x[0..<n]` that compares greater (NaN never does), −∞ if none.
    @inline(__always)
    static func rowMax(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var j = 0
        var m = -Float.infinity
        if n >= 8 {
            var v = SIMD8<Float>(repeating: -.infinity)
            let raw = UnsafeRawPointer(x)
            while j + 8 <= n {
                let w = raw.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
                v.replace(with: w, where: w .> v)
                j += 8
            }
            for l in 0..<8 where v[l] > m { m = v[l] }
        }
        while j < n { if x[j] > m { m = x[j] }; j += 1 }
        return m
    }

    static func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, n: Int, log: Bool) {
        func body(_ r: Range<Int>) {
            for row in r {
                let xi = x + row * n, yi = y + row * n
                let (m, s) = shiftedExp(xi, into: yi, count: n)
                if log {
                    let ls = Foundation.log(s) + m
                    for j in 0..<n { yi[j] = xi[j] - ls }
                } else {
                    let inv = 1 / s
                    for j in 0..<n { yi[j] *= inv }
                }
            }
        }
        if rows * n >= ParallelThreshold.transcendental && rows > 1 { parallelFor(rows, body) } else { body(0..<rows) }
    }

    static func backward(y: UnsafePointer<Float>, g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, rows: Int, n: Int, log: Bool) {
        func body(_ r: Range<Int>) {
            for row in r {
                let yi = y + row * n, gi = g + row * n, di = dx + row * n
                if log {
                    // d logsoftmax: g - softmax * sum(g)
                    let s = RunSums.sum(gi, n)
                    VectorMath.exp(yi, di, count: n)
                    for j in 0..<n { di[j] = gi[j] - di[j] * s }
                } else {
                    // d softmax: y * (g - sum(g * y))
                    let s = RunSums.dot(gi, yi, n)
                    for j in 0..<n { di[j] = yi[j] * (gi[j] - s) }
                }
            }
        }
        if rows * n >= ParallelThreshold.transcendental && rows > 1 { parallelFor(rows, body) } else { body(0..<rows) }
    }
}

import Foundation
import EndToEndKernels
