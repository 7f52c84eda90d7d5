import EndToEndKernels

/// Layer normalization with its affine map, `standardized · weight + bias` over the trailing
/// dimensions, as one differentiable op.
///
/// Why one op: as ``Tensor/standardized(outer:groups:inner:epsilon:)`` followed by a broadcast
/// `*` and `+`, each layer norm made two more tensors of the input's size forward, and backward
/// a product with the weight, a product with the standardized values and two broadcast
/// reductions over all rows, one of them on a single thread. Here each row is standardized,
/// scaled and shifted in one pass; backward reads each row of the gradient and the input once,
/// recomputing the standardized row from the kept mean and inverse deviation, and sums the
/// weight and bias gradients over fixed blocks of rows (the same sums whatever the thread
/// count). The output and the input gradient equal the composition to the bit.
extension Tensor {
    /// `(x − mean) / √(variance + ε) · weight + bias` over the trailing `weight.shape`
    /// dimensions of `self` (biased variance, as PyTorch's `layer_norm`). `weight` and `bias`
    /// have the same shape, which must end `self`'s shape.
    public func layerNorm(weight: Tensor, bias: Tensor, epsilon: Float) -> Tensor {
        if let error = Tensor.layerNormShapeError(shape, weight: weight.shape, bias: bias.shape, epsilon: epsilon) { fail(error) }
        let d = weight.count, rows = count / d
        let x = contiguousCopyIfNeeded(), w = weight.contiguousCopyIfNeeded(), b = bias.contiguousCopyIfNeeded()
        let kernels = LayerNormKernels(rows: rows, width: d, epsilon: epsilon)
        let stats = TensorStorage(count: 2 * rows)  // mean, then 1/√(variance + ε), per row
        var out = Tensor(shape: shape) { y, n in
            guard n > 0 else { return }
            kernels.forward(x.elementPointer, weight: w.elementPointer, bias: b.elementPointer, out: y, stats: stats.pointer)
        }
        let needs = (x: requiresGrad, w: weight.requiresGrad, b: bias.requiresGrad)
        out.record(op: "layerNorm", inputs: [self, weight, bias]) { g in
            let gc = g.contiguousCopyIfNeeded()
            let dx = needs.x ? TensorStorage(count: rows * d) : nil
            let dw = needs.w ? TensorStorage(count: d) : nil, db = needs.b ? TensorStorage(count: d) : nil
            kernels.backward(x.elementPointer, weight: w.elementPointer, gradient: gc.elementPointer, stats: stats.pointer,
                             dx: dx?.pointer, dWeight: dw?.pointer, dBias: db?.pointer)
            return [dx.map { Tensor(storage: $0, shape: x.shape) }, dw.map { Tensor(storage: $0, shape: weight.shape) },
                    db.map { Tensor(storage: $0, shape: bias.shape) }]
        }
        return out
    }

    /// Why ``layerNorm(weight:bias:epsilon:)`` would refuse these shapes, or `nil`.
    public static func layerNormShapeError(_ x: [Int], weight: [Int], bias: [Int], epsilon: Float) -> TensorError? {
        let op = "layerNorm"
        guard !weight.isEmpty, weight.allSatisfy({ $0 > 0 }) else {
            return TensorError(op, "weight must have at least one dimension and no empty one, got \(shapeString(weight))")
        }
        guard bias == weight else { return TensorError(op, "bias \(shapeString(bias)) must have the weight's shape \(shapeString(weight))") }
        guard x.count >= weight.count, Array(x.suffix(weight.count)) == weight else {
            return TensorError(op, "input of shape \(shapeString(x)) must end with the weight's shape \(shapeString(weight))")
        }
        guard epsilon >= 0, epsilon.isFinite else { return TensorError(op, "epsilon must be finite and non-negative, got \(epsilon)") }
        return nil
    }
}

/// The row loops of ``Tensor/layerNorm(weight:bias:epsilon:)``.
struct LayerNormKernels: Sendable {
    let rows: Int, width: Int, epsilon: Float

    /// Rows per block of the weight and bias gradient sums: fixed, so that the sums do not
    /// depend on how many threads share the blocks.
    static let blockRows = 32

    /// Whether the rows are worth splitting over the pool.
    var parallel: Bool { rows > 1 && rows * width >= ParallelThreshold.elementwise }

    func forward(_ x: UnsafePointer<Float>, weight w: UnsafePointer<Float>, bias b: UnsafePointer<Float>,
                 out y: UnsafeMutablePointer<Float>, stats: UnsafeMutablePointer<Float>) {
        let d = width
        func body(_ range: Range<Int>) {
            for r in range {
                let p = x + r * d, q = y + r * d
                // The sums `standardized` makes (``GroupSums``), so the two agree to the bit.
                let (m, _, inv) = GroupSums.statistics(p, runs: 1, stride: d, inner: d, epsilon: epsilon)
                for j in 0..<d { q[j] = (p[j] - m) * inv * w[j] + b[j] }
                stats[2 * r] = m
                stats[2 * r + 1] = inv
            }
        }
        if parallel { parallelFor(rows, grain: Swift.max(1, ParallelThreshold.elementwise / 4 / d), body) } else { body(0..<rows) }
    }

    /// Per row, with `x̂` the standardized row and `h = g ⊙ weight`:
    /// `dx = inv · (h − mean(h) − x̂ · mean(h ⊙ x̂))`; `dWeight = Σ g ⊙ x̂` and `dBias = Σ g`
    /// over the rows, in blocks of ``blockRows`` rows whose sums are then added in order.
    func backward(_ x: UnsafePointer<Float>, weight w: UnsafePointer<Float>, gradient g: UnsafePointer<Float>,
                  stats: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>?,
                  dBias: UnsafeMutablePointer<Float>?) {
        let d = width
        let blocks = (rows + Self.blockRows - 1) / Self.blockRows
        let sums = dWeight != nil || dBias != nil
        // Per block: Σ g ⊙ x̂, then Σ g.
        let partial = UnsafeMutablePointer<Float>.allocateCacheAligned(sums ? Swift.max(1, blocks * 2 * d) : 1)
        defer { partial.deallocate() }
        func body(_ range: Range<Int>) {
            let xh = UnsafeMutablePointer<Float>.allocateCacheAligned(2 * d)
            defer { xh.deallocate() }
            let h = xh + d
            for block in range {
                let pw = partial + block * 2 * d, pb = pw + d
                if sums { pw.initialize(repeating: 0, count: 2 * d) }
                for r in block * Self.blockRows..<Swift.min(rows, (block + 1) * Self.blockRows) {
                    let p = x + r * d, q = g + r * d
                    let (m, inv) = (stats[2 * r], stats[2 * r + 1])
                    for j in 0..<d { xh[j] = (p[j] - m) * inv }
                    if sums {
                        for j in 0..<d { pw[j] += q[j] * xh[j]; pb[j] += q[j] }
                    }
                    guard let dx else { continue }
                    for j in 0..<d { h[j] = q[j] * w[j] }
                    let (mh, mhx) = GroupSums.gradientMeans(h, xh, runs: 1, stride: d, inner: d)
                    let o = dx + r * d
                    for j in 0..<d { o[j] = inv * (h[j] - mh - xh[j] * mhx) }
                }
            }
        }
        if parallel { parallelFor(blocks, body) } else { body(0..<blocks) }
        guard sums else { return }
        for (target, shift) in [(dWeight, 0), (dBias, d)] {
            guard let target else { continue }
            target.initialize(repeating: 0, count: d)
            for block in 0..<blocks {
                let p = partial + block * 2 * d + shift
                for j in 0..<d { target[j] += p[j] }
            }
        }
    }
}
