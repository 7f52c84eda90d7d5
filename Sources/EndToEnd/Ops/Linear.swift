import EndToEndKernels

/// The affine map of a fully connected layer, `x·Wᵀ + b`, as one differentiable op.
///
/// Why one op: composed from `transposed`, `matmul` and a broadcast `+` it records three
/// graph nodes and, in backward, reduces the bias gradient with a general broadcast sum.
/// Here the bias is the GEMM's initial `C` (beta = 1), the weight is read in its stored
/// `[out, in]` layout through the transpose flag, and backward is two GEMMs and one
/// column sum. On the 784-32-10 benchmark step the graph shrinks from 8 to 4 nodes.
extension Tensor {
    /// `x·weightᵀ + bias` over the last dimension of `x` (`[..., in]` -> `[..., out]`),
    /// with `weight` `[out, in]` (PyTorch's layout) and optional `bias` `[out]`.
    public func linear(weight: Tensor, bias: Tensor? = nil) -> Tensor {
        linear(weight: weight, bias: bias, relu: false)
    }

    /// `linear(weight:bias:).relu()` as one op, equal to it to the bit (values and gradients).
    ///
    /// Why: the separate ReLU makes one more pass over the output each way and one more tensor
    /// and tape node; here it is applied to the product while it is in cache, and its mask to
    /// the output gradient where the backward pass reads it anyway. `Sequential` and config
    /// models run a `Linear` followed by a `ReLU` this way.
    public func linearReLU(weight: Tensor, bias: Tensor? = nil) -> Tensor {
        linear(weight: weight, bias: bias, relu: true)
    }

    private func linear(weight: Tensor, bias: Tensor?, relu: Bool) -> Tensor {
        let op = relu ? "linearReLU" : "linear"
        if let error = Tensor.linearShapeError(shape, weight: weight.shape, bias: bias?.shape, op: op) { fail(error) }
        let inF = weight.shape[1], outF = weight.shape[0]
        let rows = inF == 0 ? 0 : count / inF
        let x = contiguousCopyIfNeeded(), w = weight.contiguousCopyIfNeeded()
        let b = bias?.contiguousCopyIfNeeded()
        let outShape = Array(shape.dropLast()) + [outF]
        var out = Tensor(shape: outShape) { c, n in
            guard n > 0 else { return }
            if let b {
                // The bias rows are the product's initial C; split over the pool when large
                // (the transformer's 4,096 rows of 512 were a serial pass of 8 MB).
                let pb = b.storage.pointer + b.offset
                let fill = { (r: Range<Int>) in for i in r { (c + i * outF).update(from: pb, count: outF) } }
                if n >= ParallelThreshold.elementwise { parallelFor(rows, grain: Swift.max(1, ParallelThreshold.elementwise / 4 / outF), fill) } else { fill(0..<rows) }
            }
            sgemm(transA: false, transB: true, m: rows, n: outF, k: inF, alpha: 1, a: x.storage.pointer + x.offset, lda: Swift.max(inF, 1),
                  b: w.storage.pointer + w.offset, ldb: Swift.max(inF, 1), beta: b == nil ? 0 : 1, c: c, ldc: outF)
            if relu { ReLUKernels.forwardInPlace(c, count: n) }
        }
        let y: Tensor? = relu ? out.detached() : nil
        var inputs = [self, weight]
        if let bias { inputs.append(bias) }
        let (needX, needW, needB) = (requiresGrad, weight.requiresGrad, bias?.requiresGrad ?? false)
        let xShape = shape
        out.record(op: op, inputs: inputs) { g in
            // With the ReLU, the gradient of the product: the output gradient where y > 0.
            let gc = y.map { ReLUKernels.backward(g, output: $0) } ?? g.contiguousCopyIfNeeded()
            let pg = gc.storage.pointer + gc.offset
            var grads: [Tensor?] = [nil, nil, nil]
            if needX {
                grads[0] = Tensor(shape: xShape) { dx, _ in
                    sgemm(transA: false, transB: false, m: rows, n: inF, k: outF, alpha: 1, a: pg, lda: outF,
                          b: w.storage.pointer + w.offset, ldb: Swift.max(inF, 1), beta: 0, c: dx, ldc: Swift.max(inF, 1))
                }
            }
            if needW {
                grads[1] = Tensor(shape: [outF, inF]) { dw, _ in
                    sgemm(transA: true, transB: false, m: outF, n: inF, k: rows, alpha: 1, a: pg, lda: outF,
                          b: x.storage.pointer + x.offset, ldb: Swift.max(inF, 1), beta: 0, c: dw, ldc: Swift.max(inF, 1))
                }
            }
            if needB {
                grads[2] = Tensor(shape: [outF]) { db, _ in ColumnSums.sum(pg, rows: rows, columns: outF, into: db) }
            }
            return Array(grads.prefix(inputs.count))
        }
        return out
    }

    /// Why ``linear(weight:bias:)`` would refuse these shapes, or `nil`.
    public static func linearShapeError(_ x: [Int], weight: [Int], bias: [Int]?) -> TensorError? {
        linearShapeError(x, weight: weight, bias: bias, op: "linear")
    }

    static func linearShapeError(_ x: [Int], weight: [Int], bias: [Int]?, op: String) -> TensorError? {
        guard weight.count == 2 else {
            return TensorError(op, "weight must be [out, in], got \(shapeString(weight))")
        }
        guard let last = x.last, last == weight[1] else {
            return TensorError(op, "input of shape \(shapeString(x)) must end in \(weight[1]) features for weight \(shapeString(weight))")
        }
        if let bias, bias != [weight[0]] {
            return TensorError(op, "bias must be [\(weight[0])] for weight \(shapeString(weight)), got \(shapeString(bias))")
        }
        return nil
    }
}

/// Column sums of a dense row-major matrix (a linear layer's bias gradient).
///
/// Row by row into sums that stay in L1: the matrix streams through once, in order. Summing
/// down each 8-column strip instead touched every row's cache line once per strip, and was
/// 4.8 % of the transformer benchmark's step (4,096 rows of up to 512 columns). Each column
/// still adds its rows first to last, so the sums are the same to the bit; wide matrices split
/// their columns over the worker pool.
enum ColumnSums {
    static func sum(_ a: UnsafePointer<Float>, rows: Int, columns n: Int, into out: UnsafeMutablePointer<Float>) {
        out.initialize(repeating: 0, count: n)
        let strips = (n + 7) / 8
        guard rows * n >= ParallelThreshold.elementwise, strips >= 8 else {
            sum(a, rows: rows, columns: n, into: out, strips: 0..<strips)
            return
        }
        parallelFor(strips, grain: 4) { sum(a, rows: rows, columns: n, into: out, strips: $0) }
    }

    /// Columns `8·strips.lowerBound ..< min(8·strips.upperBound, n)`.
    private static func sum(_ a: UnsafePointer<Float>, rows: Int, columns n: Int, into out: UnsafeMutablePointer<Float>,
                            strips: Range<Int>) {
        let full = Swift.min(strips.upperBound, n / 8)
        var r = 0
        // Four rows a pass: each strip's sums are loaded and stored once per four rows.
        while r < rows {
            let take = Swift.min(4, rows - r)
            let row = a + r * n
            for strip in strips.lowerBound..<Swift.max(full, strips.lowerBound) {
                let j = strip * 8, p = UnsafeMutableRawPointer(out + j)
                var acc = p.loadUnaligned(as: SIMD8<Float>.self)
                for t in 0..<take { acc += UnsafeRawPointer(row + t * n + j).loadUnaligned(as: SIMD8<Float>.self) }
                p.storeBytes(of: acc, as: SIMD8<Float>.self)
            }
            if strips.upperBound * 8 > n {
                for j in Swift.max(full, strips.lowerBound) * 8..<n {
                    var s = out[j]
                    for t in 0..<take { s += row[t * n + j] }
                    out[j] = s
                }
            }
            r += take
        }
    }
}
