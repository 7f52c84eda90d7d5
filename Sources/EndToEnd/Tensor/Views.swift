import EndToEndKernels

/// Shape-changing views. Each shares storage with its input where the layout allows, and
/// is differentiable.
extension Tensor {
    /// The same elements with a new shape (one dimension may be `-1`). A view when the tensor
    /// is contiguous, a copy otherwise.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        let target = check { () throws(TensorError) in try Shape.resolveReshape(newShape, from: shape) }
        if target == shape { return self }
        var out: Tensor
        if isContiguous {
            out = Tensor(storage: storage, shape: target, offset: offset)
        } else {
            out = contiguousCopy()
            out.shape = target
            out.strides = Shape.contiguousStrides(target)
        }
        let inShape = shape
        out.recordUnary(self, op: "reshape") { g in g.reshaped(inShape) }
        return out
    }

    /// Variadic ``reshaped(_:)``.
    public func reshaped(_ dims: Int...) -> Tensor { reshaped(dims) }

    /// Collapses dimensions `startAxis...endAxis` into one.
    public func flattened(startAxis: Int = 0, endAxis: Int = -1) -> Tensor {
        if rank == 0 { return reshaped([1]) }
        let s = check { () throws(TensorError) in try Shape.normalizeAxis(startAxis, rank: rank, op: "flatten", shape: shape) }
        let e = check { () throws(TensorError) in try Shape.normalizeAxis(endAxis, rank: rank, op: "flatten", shape: shape) }
        guard s <= e else { fail(TensorError("flatten", "startAxis \(startAxis) is after endAxis \(endAxis) for shape \(shapeString(shape))")) }
        let merged = shape[s...e].reduce(1, *)
        return reshaped(Array(shape[..<s]) + [merged] + Array(shape[(e + 1)...]))
    }

    /// Reorders dimensions: dimension `i` of the result is dimension `order[i]` of `self`.
    /// Always a view.
    public func permuted(_ order: [Int]) -> Tensor {
        guard order.count == rank, Set(order.map { $0 < 0 ? $0 + rank : $0 }) == Set(0..<rank) else {
            fail(TensorError("permute", "\(order) is not a permutation of the \(rank) axes of shape \(shapeString(shape))"))
        }
        let perm = order.map { $0 < 0 ? $0 + rank : $0 }
        var out = Tensor(storage: storage, shape: perm.map { shape[$0] }, strides: perm.map { strides[$0] }, offset: offset)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, p) in perm.enumerated() { inverse[p] = i }
        out.recordUnary(self, op: "permute") { g in g.permuted(inverse) }
        return out
    }

    /// Variadic ``permuted(_:)``.
    public func permuted(_ order: Int...) -> Tensor { permuted(order) }

    /// Swaps two axes (by default the last two). A view.
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        // Like PyTorch's `.T` on a vector or scalar: nothing to swap.
        if rank < 2 { return self }
        let x = check { () throws(TensorError) in try Shape.normalizeAxis(a, rank: rank, op: "transpose", shape: shape) }
        let y = check { () throws(TensorError) in try Shape.normalizeAxis(b, rank: rank, op: "transpose", shape: shape) }
        var order = Array(0..<rank)
        order.swapAt(x, y)
        return permuted(order)
    }

    /// The matrix transpose of a 2-D tensor (last two axes otherwise).
    public var T: Tensor { transposed() }

    /// Elements `range` along `axis` (a view). Supports a step.
    public func sliced(axis: Int, _ range: Range<Int>, step: Int = 1) -> Tensor {
        let ax = check { () throws(TensorError) in try Shape.normalizeAxis(axis, rank: rank, op: "slice", shape: shape) }
        guard range.lowerBound >= 0, range.upperBound <= shape[ax] else {
            fail(TensorError("slice", "range \(range) is out of bounds for axis \(axis) of size \(shape[ax]) in shape \(shapeString(shape))"))
        }
        guard step > 0 else { fail(TensorError("slice", "step must be positive, got \(step)")) }
        var newShape = shape
        newShape[ax] = (range.count + step - 1) / step
        var newStrides = strides
        newStrides[ax] = strides[ax] * step
        var out = Tensor(storage: storage, shape: newShape, strides: newStrides, offset: offset + range.lowerBound * strides[ax])
        let inShape = shape
        out.recordUnary(self, op: "slice") { g in
            if step == 1 && g.isContiguous && g.shape == newShape {
                return Tensor.sliceGradient(g, into: inShape, axis: ax, range)
            }
            var full = Tensor.zeros(inShape)
            full.sliceAssign(axis: ax, range, step: step, g)
            return full
        }
        return out
    }

    /// The gradient of an unstrided slice: `g` (dense, the slice's shape) placed at `range`
    /// along `axis` of zeros of `shape`, written in one parallel pass of fills and copies. The
    /// LSTM's output is such a slice of its combined result, and zeroing it and then copying
    /// through the strided loop took 1.5 % of the benchmark on one thread.
    static func sliceGradient(_ g: Tensor, into shape: [Int], axis ax: Int, _ range: Range<Int>) -> Tensor {
        let inner = shape[(ax + 1)...].reduce(1, *), span = shape[ax] * inner
        let lo = range.lowerBound * inner, len = range.count * inner
        let total = shape[..<ax].reduce(1, *) * span
        let src = UnsafePointer(g.storage.pointer + g.offset)
        return Tensor(shape: shape) { p, _ in
            // Pieces of the flat output; each position in a span is a zero before the slice, a
            // copy within it or a zero after it.
            parallelFor(total, grain: 1 << 16) { r in
                var i = r.lowerBound
                while i < r.upperBound {
                    let o = i / span, w = i - o * span, base = o * span
                    let end: Int
                    if w < lo {
                        end = Swift.min(r.upperBound, base + lo)
                        (p + i).initialize(repeating: 0, count: end - i)
                    } else if w < lo + len {
                        end = Swift.min(r.upperBound, base + lo + len)
                        (p + i).initialize(from: src + o * len + (w - lo), count: end - i)
                    } else {
                        end = Swift.min(r.upperBound, base + span)
                        (p + i).initialize(repeating: 0, count: end - i)
                    }
                    i = end
                }
            }
        }
    }

    /// Element `index` along `axis`, with that axis removed (a view).
    public func selecting(axis: Int, _ index: Int) -> Tensor {
        let ax = check { () throws(TensorError) in try Shape.normalizeAxis(axis, rank: rank, op: "select", shape: shape) }
        let i = index < 0 ? index + shape[ax] : index
        guard i >= 0 && i < shape[ax] else {
            fail(TensorError("select", "index \(index) is out of range for axis \(axis) of size \(shape[ax]) in shape \(shapeString(shape))"))
        }
        return sliced(axis: ax, i..<(i + 1)).squeezed(axis: ax)
    }

    /// Row `i` (along the first axis).
    public subscript(_ i: Int) -> Tensor { selecting(axis: 0, i) }
    /// Rows `r` (along the first axis).
    public subscript(_ r: Range<Int>) -> Tensor { sliced(axis: 0, r) }

    /// Writes `value` (broadcast to the slice's shape) into elements `range` along `axis`,
    /// without autodiff. Used by gradients of slicing and by data pipelines.
    public mutating func sliceAssign(axis: Int, _ range: Range<Int>, step: Int = 1, _ value: Tensor) {
        makeUniqueContiguous()
        let view = withNoGrad { sliced(axis: axis, range, step: step) }
        guard Shape.canBroadcast(value.shape, to: view.shape) else {
            fail(TensorError("sliceAssign", "value of shape \(shapeString(value.shape)) does not fit the slice of shape \(shapeString(view.shape))"))
        }
        let src = value.broadcastStrides(to: view.shape)
        let dst = view.storage.pointer
        let vs = value.storage.pointer
        StridedLoop.run(shape: view.shape, strides: [src, view.strides], baseOffsets: [value.offset, view.offset]) { n, o, s in
            let a = vs + o[0], b = dst + o[1]
            let sa = s[0], sb = s[1]
            for i in 0..<n { b[i * sb] = a[i * sa] }
        }
    }

    /// A view with size-1 dimensions repeated (stride 0) to `target` (NumPy broadcasting).
    public func expanded(to target: [Int]) -> Tensor {
        if target == shape { return self }
        guard Shape.canBroadcast(shape, to: target) else {
            fail(TensorError("expand", "shape \(shapeString(shape)) cannot be expanded to \(shapeString(target))"))
        }
        var out = Tensor(storage: storage, shape: target, strides: broadcastStrides(to: target), offset: offset)
        let inShape = shape
        out.recordUnary(self, op: "expand") { g in g.sumToShape(inShape) }
        return out
    }

    /// Strides that read this tensor as if broadcast to `target` (0 on repeated dimensions).
    func broadcastStrides(to target: [Int]) -> [Int] {
        let off = target.count - rank
        var s = [Int](repeating: 0, count: target.count)
        for i in 0..<rank where shape[i] != 1 || target[i + off] == 1 { s[i + off] = shape[i] == 1 ? 0 : strides[i] }
        return s
    }

    /// Removes dimension `axis`, which must have size 1 (or every size-1 dimension if `nil`).
    public func squeezed(axis: Int? = nil) -> Tensor {
        var newShape = shape, newStrides = strides
        if let axis {
            let ax = check { () throws(TensorError) in try Shape.normalizeAxis(axis, rank: rank, op: "squeeze", shape: shape) }
            guard shape[ax] == 1 else {
                fail(TensorError("squeeze", "axis \(axis) has size \(shape[ax]), not 1, in shape \(shapeString(shape))"))
            }
            newShape.remove(at: ax); newStrides.remove(at: ax)
        } else {
            let keep = shape.indices.filter { shape[$0] != 1 }
            newShape = keep.map { shape[$0] }; newStrides = keep.map { strides[$0] }
        }
        return viewWithShape(newShape, strides: newStrides, op: "squeeze")
    }

    /// Inserts a size-1 dimension at `axis` (which may equal `rank`).
    public func unsqueezed(axis: Int) -> Tensor {
        let ax = check { () throws(TensorError) in try Shape.normalizeAxis(axis, rank: rank + 1, op: "unsqueeze", shape: shape) }
        var newShape = shape, newStrides = strides
        newShape.insert(1, at: ax)
        newStrides.insert(ax < rank ? strides[ax] * shape[ax] : 1, at: ax)
        return viewWithShape(newShape, strides: newStrides, op: "unsqueeze")
    }

    private func viewWithShape(_ newShape: [Int], strides newStrides: [Int], op: String) -> Tensor {
        var out = Tensor(storage: storage, shape: newShape, strides: newStrides, offset: offset)
        let inShape = shape
        out.recordUnary(self, op: op) { g in g.reshaped(inShape) }
        return out
    }
}
