import EndToEndKernels

/// Matrix products: `matmul` with NumPy/PyTorch semantics (1-D promotion, broadcast batch
/// dimensions), running on the GEMM kernel. Transposed views are passed to GEMM as
/// transpose flags, so the backward pass copies nothing.
extension Tensor {
    /// Matrix product with `torch.matmul` semantics: 1-D operands are promoted to a row
    /// (left) or column (right) and the added dimension removed; leading dimensions are
    /// batch dimensions and broadcast.
    public func matmul(_ other: Tensor) -> Tensor {
        guard rank >= 1 && other.rank >= 1 else {
            fail(TensorError("matmul", "both operands need at least 1 dimension, got \(shapeString(shape)) x \(shapeString(other.shape))"))
        }
        if rank == 1 && other.rank == 1 {
            return unsqueezed(axis: 0).matmul(other.unsqueezed(axis: 1)).reshaped([])
        }
        if rank == 1 { return unsqueezed(axis: 0).matmul(other).squeezed(axis: -2) }
        if other.rank == 1 { return matmul(other.unsqueezed(axis: 1)).squeezed(axis: -1) }
        let k1 = shape[rank - 1], k2 = other.shape[other.rank - 2]
        guard k1 == k2 else {
            fail(TensorError("matmul", "inner dimensions differ: \(shapeString(shape)) x \(shapeString(other.shape)) (\(k1) vs \(k2))"))
        }
        _ = check { () throws(TensorError) in
            try Shape.broadcast(Array(shape.dropLast(2)), Array(other.shape.dropLast(2)), op: "matmul")
        }
        var out = Tensor.gemmForward(self, other)
        let (a, b) = (detached(), other.detached())
        let (na, nb) = (requiresGrad, other.requiresGrad)
        out.record(op: "matmul", inputs: [self, other]) { g in
            var ga: Tensor? = nil, gb: Tensor? = nil
            if na { ga = Tensor.gemmForward(g, b.transposed()).sumToShape(a.shape) }
            if nb {
                if b.rank == 2 {
                    // A weight shared over the batch: fold batch dimensions into the rows.
                    let af = a.reshaped([-1, a.shape[a.rank - 1]]), gf = g.reshaped([-1, g.shape[g.rank - 1]])
                    if b.strides[0] == 1 && b.shape[0] > 1 && b.shape[1] > 1 {
                        // `b` is a transposed view (a Linear weight [out, in] read as [in, out]):
                        // produce the gradient in the weight's own layout, so the parameter
                        // receives a dense gradient and the optimizer copies nothing.
                        gb = Tensor.gemmForward(gf.transposed(), af).transposed()
                    } else {
                        gb = Tensor.gemmForward(af.transposed(), gf)
                    }
                } else {
                    gb = Tensor.gemmForward(a.transposed(), g).sumToShape(b.shape)
                }
            }
            return [ga, gb]
        }
        return out
    }

    /// How GEMM can read the last two dimensions of a strided tensor without a copy:
    /// row-major (`trans == false`) or column-major (`trans == true`) with leading dimension `ld`.
    static func gemmLayout(rows: Int, cols: Int, s0: Int, s1: Int) -> (trans: Bool, ld: Int)? {
        if (cols == 1 || s1 == 1) && (rows == 1 || s0 >= Swift.max(cols, 1)) {
            return (false, rows == 1 ? Swift.max(cols, 1) : s0)
        }
        if (rows == 1 || s0 == 1) && (cols == 1 || s1 >= Swift.max(rows, 1)) {
            return (true, cols == 1 ? Swift.max(rows, 1) : s1)
        }
        return nil
    }

    /// `a @ b` for rank >= 2 operands with broadcast batch dimensions, no autodiff.
    static func gemmForward(_ a0: Tensor, _ b0: Tensor) -> Tensor {
        var a = a0, b = b0
        let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1], n = b.shape[b.rank - 1]
        let batch = check { () throws(TensorError) in
            try Shape.broadcast(Array(a.shape.dropLast(2)), Array(b.shape.dropLast(2)), op: "matmul")
        }
        let outShape = batch + [m, n]
        // GEMM with beta 0 writes every element (zeros when k == 0), so no fill is needed.
        let out = Tensor(shape: outShape) { _, _ in }
        if m == 0 || n == 0 { return out }

        func layout(_ t: inout Tensor) -> (Bool, Int) {
            let r = t.rank
            if let l = gemmLayout(rows: t.shape[r - 2], cols: t.shape[r - 1], s0: t.strides[r - 2], s1: t.strides[r - 1]) { return l }
            t = t.contiguousCopy()
            return (false, Swift.max(t.shape[r - 1], 1))
        }

        // One big GEMM when a dense batch of `a` multiplies a single matrix `b`.
        if b.rank == 2 && a.rank > 2 && a.isContiguous {
            let (tb, ldb) = layout(&b)
            let rows = a.count / Swift.max(k, 1)
            sgemm(transA: false, transB: tb, m: rows, n: n, k: k, alpha: 1,
                  a: a.storage.pointer + a.offset, lda: Swift.max(k, 1),
                  b: b.storage.pointer + b.offset, ldb: ldb,
                  beta: 0, c: out.storage.pointer, ldc: n)
            return out
        }
        let (ta, lda) = layout(&a)
        let (tb, ldb) = layout(&b)
        let batchCount = Shape.count(batch)
        let sa = Array(a.broadcastStrides(to: batch + [m, k]).dropLast(2))
        let sb = Array(b.broadcastStrides(to: batch + [k, n]).dropLast(2))
        // Offsets of every batch matrix; uniform strides allow one batched call that
        // parallelizes small products across the batch.
        var offsetsA = [Int](repeating: 0, count: batchCount), offsetsB = offsetsA
        var index = [Int](repeating: 0, count: batch.count)
        for bi in 0..<batchCount {
            var oa = a.offset, ob = b.offset
            for d in 0..<batch.count { oa += index[d] * sa[d]; ob += index[d] * sb[d] }
            offsetsA[bi] = oa; offsetsB[bi] = ob
            var d = batch.count - 1
            while d >= 0 {
                index[d] += 1
                if index[d] < batch[d] { break }
                index[d] = 0
                d -= 1
            }
        }
        let pc = out.storage.pointer
        func uniformStride(_ o: [Int]) -> Int? {
            guard o.count > 1 else { return 0 }
            let s = o[1] - o[0]
            for i in 1..<o.count where o[i] - o[i - 1] != s { return nil }
            return s
        }
        if let strideA = uniformStride(offsetsA), let strideB = uniformStride(offsetsB) {
            sgemmBatched(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 1,
                         a: a.storage.pointer + offsetsA[0], lda: lda, strideA: strideA,
                         b: b.storage.pointer + offsetsB[0], ldb: ldb, strideB: strideB,
                         beta: 0, c: pc, ldc: n, strideC: m * n, batch: batchCount)
            return out
        }
        for bi in 0..<batchCount {
            sgemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 1,
                  a: a.storage.pointer + offsetsA[bi], lda: lda, b: b.storage.pointer + offsetsB[bi], ldb: ldb,
                  beta: 0, c: pc + bi * m * n, ldc: n)
        }
        return out
    }
}

/// Free-function matrix product.
public func matmul(_ a: Tensor, _ b: Tensor) -> Tensor { a.matmul(b) }
