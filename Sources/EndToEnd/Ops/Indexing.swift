import EndToEndKernels

/// Integer indexing: `indexSelect` (embedding lookup), `gather`, `scatterAdd`, one-hot
/// encoding and masked fill, with PyTorch semantics and gradients w.r.t. the float inputs.
///
/// Indices are never wrapped: a negative index or one past the end is a programming error
/// that traps with a message naming the op, the index value, the axis and the shape.
extension Tensor {
    // MARK: indexSelect

    /// The slices of `self` at `indices` along `axis`, like `torch.index_select` but with
    /// an index tensor of any shape: that axis is replaced by `indices.shape`.
    ///
    /// With a weight matrix `[V, E]` and token ids `[B, T]`, `weight.indexSelect(axis: 0, ids)`
    /// is the embedding lookup `[B, T, E]`. Rows are copied with `memcpy`; the gradient
    /// scatter-adds rows back, so repeated indices accumulate.
    public func indexSelect(axis: Int, _ indices: IntTensor) -> Tensor {
        let ax = check { () throws(TensorError) in try Tensor.validateIndexSelect(shape: shape, axis: axis, indices: indices) }
        let outer = Shape.count(Array(shape[..<ax]))
        let dim = shape[ax]
        let inner = Shape.count(Array(shape[(ax + 1)...]))
        let k = indices.count
        let outShape = Array(shape[..<ax]) + indices.shape + Array(shape[(ax + 1)...])
        let idx = indices.scalars
        var out = Tensor(shape: outShape) { dst, n in
            guard n > 0 else { return }
            withContiguousData { src in
                idx.withUnsafeBufferPointer { ib in
                    let ip = ib.baseAddress!
                    // One task per destination row; rows are disjoint, so any split is safe.
                    let rows = outer * k
                    let grain = Swift.max(1, ParallelThreshold.elementwise / Swift.max(inner, 1))
                    parallelFor(rows, grain: grain) { range in
                        for r in range {
                            let o = r / k, j = r - o * k
                            (dst + r * inner).update(from: src + (o * dim + Int(ip[j])) * inner, count: inner)
                        }
                    }
                }
            }
        }
        let inShape = shape
        out.recordUnary(self, op: "indexSelect") { g in
            Tensor.scatterAddRows(g, indices: idx, outer: outer, dim: dim, inner: inner, shape: inShape)
        }
        return out
    }

    /// Backward of ``indexSelect(axis:_:)``: `result[o, idx[j], :] += g[o, j, :]` into zeros.
    static func scatterAddRows(_ g: Tensor, indices idx: [Int32], outer: Int, dim: Int, inner: Int, shape: [Int]) -> Tensor {
        let k = idx.count
        return Tensor(shape: shape) { dst, n in
            dst.initialize(repeating: 0, count: n)
            guard n > 0, k > 0 else { return }
            g.withContiguousData { gp in
                idx.withUnsafeBufferPointer { ib in
                    let ip = ib.baseAddress!
                    // Repeated indices collide within one `o`, so threads split `o` (disjoint
                    // destination blocks) or, for an embedding table (outer 1), the columns.
                    let work = outer * k * inner
                    if outer > 1 {
                        let grain = work >= ParallelThreshold.elementwise ? Swift.max(1, ParallelThreshold.elementwise / Swift.max(k * inner, 1)) : outer
                        parallelFor(outer, grain: grain) { range in
                            for o in range {
                                for j in 0..<k {
                                    let s = gp + (o * k + j) * inner
                                    let d = dst + (o * dim + Int(ip[j])) * inner
                                    for c in 0..<inner { d[c] += s[c] }
                                }
                            }
                        }
                    } else {
                        let grain = work >= ParallelThreshold.elementwise ? Swift.max(64, inner / Threading.threadCount) : inner
                        parallelFor(inner, grain: grain) { cols in
                            for j in 0..<k {
                                let s = gp + j * inner
                                let d = dst + Int(ip[j]) * inner
                                for c in cols { d[c] += s[c] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Checks an ``indexSelect(axis:_:)`` call; returns the normalized axis.
    static func validateIndexSelect(shape: [Int], axis: Int, indices: IntTensor) throws(TensorError) -> Int {
        guard !shape.isEmpty else {
            throw TensorError("indexSelect", "cannot index a scalar (shape \(shapeString(shape)))")
        }
        let ax = try Shape.normalizeAxis(axis, rank: shape.count, op: "indexSelect", shape: shape)
        try checkIndices(indices.scalars, size: shape[ax], op: "indexSelect", axis: axis, shape: shape)
        return ax
    }

    /// Throws for the first index outside `0..<size`.
    static func checkIndices(_ idx: [Int32], size: Int, op: String, axis: Int, shape: [Int]) throws(TensorError) {
        for v in idx where v < 0 || Int(v) >= size {
            throw TensorError(op, "index \(v) is out of range for axis \(axis) of size \(size) in shape \(shapeString(shape))")
        }
    }

    // MARK: gather / scatterAdd

    /// `torch.gather`: `out[i][j] = self[i][index[i][j]]` for `axis` 1 (likewise for any axis).
    ///
    /// `index` has the rank of `self`, and `index.shape[d] <= shape[d]` for every other
    /// axis `d`; the result has `index.shape`. The gradient scatter-adds into zeros.
    public func gather(axis: Int, _ index: IntTensor) -> Tensor {
        let ax = check { () throws(TensorError) in try Tensor.validateGather(shape: shape, axis: axis, index: index) }
        let strides = Shape.contiguousStrides(shape)
        let base = Tensor.baseOffsets(index.shape, strides: strides, skipping: ax)
        let step = strides[ax]
        let idx = index.scalars
        var out = Tensor(shape: index.shape) { dst, n in
            withContiguousData { src in
                for p in 0..<n { dst[p] = src[base[p] + Int(idx[p]) * step] }
            }
        }
        let inShape = shape
        out.recordUnary(self, op: "gather") { g in
            Tensor(shape: inShape) { dst, n in
                dst.initialize(repeating: 0, count: n)
                g.withContiguousData { gp in
                    for p in 0..<idx.count { dst[base[p] + Int(idx[p]) * step] += gp[p] }
                }
            }
        }
        return out
    }

    /// `torch.scatter_add` (out of place): a copy of `self` with
    /// `out[i][index[i][j]] += source[i][j]` for `axis` 1 (likewise for any axis).
    ///
    /// `index`, `self` and `source` have the same rank; `index.shape[d] <= source.shape[d]`
    /// for every axis and `index.shape[d] <= shape[d]` for `d != axis`. Only the part of
    /// `source` covered by `index` is used. Differentiable w.r.t. `self` (identity) and
    /// `source` (a gather of the gradient, zero outside the index's extent).
    public func scatterAdd(axis: Int, _ index: IntTensor, _ source: Tensor) -> Tensor {
        let ax = check { () throws(TensorError) in
            try Tensor.validateScatterAdd(shape: shape, axis: axis, index: index, sourceShape: source.shape)
        }
        let strides = Shape.contiguousStrides(shape)
        let base = Tensor.baseOffsets(index.shape, strides: strides, skipping: ax)
        let srcBase = Tensor.baseOffsets(index.shape, strides: Shape.contiguousStrides(source.shape), skipping: nil)
        let step = strides[ax]
        let idx = index.scalars
        var out = contiguousCopy()
        source.withContiguousData { sp in
            let dst = out.storage.pointer
            for p in 0..<idx.count { dst[base[p] + Int(idx[p]) * step] += sp[srcBase[p]] }
        }
        let sourceShape = source.shape
        let needSelf = requiresGrad, needSource = source.requiresGrad
        out.record(op: "scatterAdd", inputs: [self, source]) { g in
            var gs: Tensor? = nil
            if needSource {
                gs = Tensor(shape: sourceShape) { dst, n in
                    dst.initialize(repeating: 0, count: n)
                    g.withContiguousData { gp in
                        for p in 0..<idx.count { dst[srcBase[p]] = gp[base[p] + Int(idx[p]) * step] }
                    }
                }
            }
            return [needSelf ? g : nil, gs]
        }
        return out
    }

    /// For each position of an index tensor of shape `indexShape` (row-major), the element
    /// offset into a tensor with `strides` of the same multi-index, leaving out `skipping`.
    static func baseOffsets(_ indexShape: [Int], strides: [Int], skipping: Int?) -> [Int] {
        var offs = [0]
        for d in 0..<indexShape.count {
            let size = indexShape[d]
            let s = d == skipping ? 0 : strides[d]
            var next = [Int]()
            next.reserveCapacity(offs.count * size)
            for b in offs { for i in 0..<size { next.append(b + i * s) } }
            offs = next
        }
        return offs
    }

    /// Checks a ``gather(axis:_:)`` call; returns the normalized axis.
    static func validateGather(shape: [Int], axis: Int, index: IntTensor) throws(TensorError) -> Int {
        guard index.rank == shape.count else {
            throw TensorError("gather", "index of shape \(shapeString(index.shape)) must have the rank of the input \(shapeString(shape))")
        }
        guard !shape.isEmpty else { throw TensorError("gather", "cannot gather from a scalar") }
        let ax = try Shape.normalizeAxis(axis, rank: shape.count, op: "gather", shape: shape)
        for d in 0..<shape.count where d != ax && index.shape[d] > shape[d] {
            throw TensorError("gather", "index of shape \(shapeString(index.shape)) is larger than the input \(shapeString(shape)) in dimension \(d)")
        }
        try checkIndices(index.scalars, size: shape[ax], op: "gather", axis: axis, shape: shape)
        return ax
    }

    /// Checks a ``scatterAdd(axis:_:_:)`` call; returns the normalized axis.
    static func validateScatterAdd(shape: [Int], axis: Int, index: IntTensor, sourceShape: [Int]) throws(TensorError) -> Int {
        guard index.rank == shape.count, sourceShape.count == shape.count else {
            throw TensorError("scatterAdd", "input \(shapeString(shape)), index \(shapeString(index.shape)) and source \(shapeString(sourceShape)) must have the same rank")
        }
        guard !shape.isEmpty else { throw TensorError("scatterAdd", "cannot scatter into a scalar") }
        let ax = try Shape.normalizeAxis(axis, rank: shape.count, op: "scatterAdd", shape: shape)
        for d in 0..<shape.count {
            if index.shape[d] > sourceShape[d] || (d != ax && index.shape[d] > shape[d]) {
                throw TensorError("scatterAdd", "index of shape \(shapeString(index.shape)) is larger than source \(shapeString(sourceShape)) or input \(shapeString(shape)) in dimension \(d)")
            }
        }
        try checkIndices(index.scalars, size: shape[ax], op: "scatterAdd", axis: axis, shape: shape)
        return ax
    }

    // MARK: oneHot / maskedFill

    /// One-hot encoding: a tensor of shape `labels.shape + [classes]` with 1 at each label.
    public static func oneHot(_ labels: IntTensor, classes: Int) -> Tensor {
        check { () throws(TensorError) in try validateOneHot(labels, classes: classes) }
        let idx = labels.scalars
        return Tensor(shape: labels.shape + [classes]) { dst, n in
            dst.initialize(repeating: 0, count: n)
            for (i, v) in idx.enumerated() { dst[i * classes + Int(v)] = 1 }
        }
    }

    /// Checks a ``oneHot(_:classes:)`` call.
    static func validateOneHot(_ labels: IntTensor, classes: Int) throws(TensorError) {
        guard classes >= 0 else { throw TensorError("oneHot", "classes must be non-negative, got \(classes)") }
        try checkIndices(labels.scalars, size: classes, op: "oneHot", axis: -1, shape: labels.shape + [classes])
    }

    /// `value` where `mask` (broadcast to this shape) is non-zero, `self` elsewhere, like
    /// `torch.masked_fill`. The gradient is zero at the filled positions.
    public func maskedFill(_ mask: Tensor, _ value: Float) -> Tensor {
        check { () throws(TensorError) in try Tensor.validateMaskedFill(shape: shape, maskShape: mask.shape) }
        let m = mask.detached().expanded(to: shape)
        var out = withNoGrad { zipElements(m, op: "maskedFill", MaskedFillOp(value: value)) }
        out.recordUnary(self, op: "maskedFill") { g in g.zipElements(m, op: "maskedFill", MaskedZeroOp()) }
        return out
    }

    /// Checks a ``maskedFill(_:_:)`` call: the mask must broadcast to the input's shape.
    static func validateMaskedFill(shape: [Int], maskShape: [Int]) throws(TensorError) {
        guard Shape.canBroadcast(maskShape, to: shape) else {
            throw TensorError("maskedFill", "mask of shape \(shapeString(maskShape)) cannot be broadcast to the input shape \(shapeString(shape))")
        }
    }
}
