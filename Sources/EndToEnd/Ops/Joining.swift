import EndToEndKernels

/// Joining and splitting: `concat`, `stack`, `split`, `chunked` and `repeated`.
extension Tensor {
    /// Joins tensors along an existing `axis` (`torch.cat`). Shapes must match except along
    /// `axis`; a tensor may have size 0 there.
    ///
    /// Each input contributes one contiguous block per outer index, copied with `memcpy`.
    /// The gradient of each input is the matching slice of the output gradient.
    public static func concat(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        let ax = check { () throws(TensorError) in try validateConcat(tensors.map(\.shape), axis: axis) }
        if tensors.count == 1 { return tensors[0] }
        let first = tensors[0].shape
        let outer = Shape.count(Array(first[..<ax]))
        let inner = Shape.count(Array(first[(ax + 1)...]))
        let sizes = tensors.map { $0.shape[ax] }
        let total = sizes.reduce(0, +)
        var outShape = first
        outShape[ax] = total
        // Dense operands; views are copied once here rather than strided in the hot loop.
        let dense = tensors.map { $0.isContiguous ? $0 : $0.contiguousCopy() }
        var out = withExtendedLifetime(dense) {
            Tensor(shape: outShape) { dst, n in
                guard n > 0 else { return }
                let outRow = total * inner
                let copyBlocks = { (range: Range<Int>) in
                    for o in range {
                        var col = 0
                        for (t, x) in dense.enumerated() {
                            let len = sizes[t] * inner
                            if len > 0 {
                                (dst + o * outRow + col).update(from: x.storage.pointer + x.offset + o * len, count: len)
                            }
                            col += len
                        }
                    }
                }
                if n >= ParallelThreshold.elementwise && outer > 1 {
                    parallelFor(outer, grain: Swift.max(1, ParallelThreshold.elementwise / 4 / Swift.max(outRow, 1)), copyBlocks)
                } else {
                    copyBlocks(0..<outer)
                }
            }
        }
        let needs = tensors.map(\.requiresGrad)
        out.record(op: "concat", inputs: tensors) { g in
            var start = 0
            return sizes.enumerated().map { t, size in
                defer { start += size }
                return needs[t] ? g.sliced(axis: ax, start..<(start + size)) : nil
            }
        }
        return out
    }

    /// Checks a ``concat(_:axis:)`` call; returns the normalized axis. The error lists every shape.
    static func validateConcat(_ shapes: [[Int]], axis: Int) throws(TensorError) -> Int {
        guard let first = shapes.first else { throw TensorError("concat", "needs at least one tensor") }
        // Built only on failure: concat sits in per-step loops (LSTMs).
        func all() -> String { shapes.map(shapeString).joined(separator: ", ") }
        guard !first.isEmpty else { throw TensorError("concat", "cannot concatenate scalars (shapes \(all())); use stack") }
        let ax = try Shape.normalizeAxis(axis, rank: first.count, op: "concat", shape: first)
        for s in shapes {
            var ok = s.count == first.count
            if ok { for d in 0..<s.count where d != ax && s[d] != first[d] { ok = false } }
            guard ok else {
                throw TensorError("concat", "shapes must match except along axis \(axis), got \(all())")
            }
        }
        return ax
    }

    /// Joins tensors of identical shape along a new `axis` (`torch.stack`); `axis` may be
    /// `rank` to append it last.
    public static func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        let ax = check { () throws(TensorError) in try validateStack(tensors.map(\.shape), axis: axis) }
        return concat(tensors.map { $0.unsqueezed(axis: ax) }, axis: ax)
    }

    /// Checks a ``stack(_:axis:)`` call; returns the normalized new axis.
    static func validateStack(_ shapes: [[Int]], axis: Int) throws(TensorError) -> Int {
        guard let first = shapes.first else { throw TensorError("stack", "needs at least one tensor") }
        for s in shapes where s != first {
            throw TensorError("stack", "all shapes must be equal, got \(shapes.map(shapeString).joined(separator: ", "))")
        }
        return try Shape.normalizeAxis(axis, rank: first.count + 1, op: "stack", shape: first)
    }

    /// Splits into consecutive pieces of the given `sizes` along `axis` (views, `torch.split`
    /// with a list). The sizes must add up to the axis length.
    public func split(sizes: [Int], axis: Int = 0) -> [Tensor] {
        let ax = check { () throws(TensorError) in try Tensor.validateSplit(shape: shape, sizes: sizes, axis: axis) }
        var start = 0
        return sizes.map { size in
            defer { start += size }
            return sliced(axis: ax, start..<(start + size))
        }
    }

    /// Checks a ``split(sizes:axis:)`` call; returns the normalized axis.
    static func validateSplit(shape: [Int], sizes: [Int], axis: Int) throws(TensorError) -> Int {
        guard !shape.isEmpty else { throw TensorError("split", "cannot split a scalar") }
        let ax = try Shape.normalizeAxis(axis, rank: shape.count, op: "split", shape: shape)
        guard sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == shape[ax] else {
            throw TensorError("split", "sizes \(sizes) do not add up to the size \(shape[ax]) of axis \(axis) in shape \(shapeString(shape))")
        }
        return ax
    }

    /// Splits into `parts` equal pieces along `axis` (views); the axis length must be
    /// divisible by `parts` (NumPy's `split` with a count).
    public func split(parts: Int, axis: Int = 0) -> [Tensor] {
        let ax = check { () throws(TensorError) in try Shape.normalizeAxis(axis, rank: rank, op: "split", shape: shape) }
        guard parts > 0, shape[ax] % parts == 0 else {
            fail(TensorError("split", "axis \(axis) of size \(shape[ax]) in shape \(shapeString(shape)) cannot be split into \(parts) equal parts"))
        }
        return split(sizes: Array(repeating: shape[ax] / parts, count: parts), axis: ax)
    }

    /// Splits into at most `n` pieces along `axis` (views, `torch.chunk`): each piece has
    /// `ceil(size / n)` elements except the last, which may be smaller; fewer than `n`
    /// pieces come back when the size does not allow `n`.
    public func chunked(_ n: Int, axis: Int = 0) -> [Tensor] {
        let ax = check { () throws(TensorError) in try Shape.normalizeAxis(axis, rank: rank, op: "chunk", shape: shape) }
        guard n > 0 else { fail(TensorError("chunk", "number of chunks must be positive, got \(n)")) }
        let size = shape[ax]
        if size == 0 { return [self] }
        let step = (size + n - 1) / n
        var sizes: [Int] = []
        var start = 0
        while start < size { sizes.append(Swift.min(step, size - start)); start += step }
        return split(sizes: sizes, axis: ax)
    }

    /// Tiles the tensor `times[i]` times along each dimension (`torch.Tensor.repeat`).
    /// `times` may be longer than `rank`: the shape is then padded with leading 1s.
    public func repeated(_ times: [Int]) -> Tensor {
        guard times.count >= rank, times.allSatisfy({ $0 >= 0 }) else {
            fail(TensorError("repeat", "times \(times) must be non-negative with at least one entry per dimension of shape \(shapeString(shape))"))
        }
        let padded = Array(repeating: 1, count: times.count - rank) + shape
        // [1, s0, 1, s1, ...] expanded to [t0, s0, t1, s1, ...]: the expand's gradient sums
        // the copies, which is exactly the backward of a tile.
        var interleaved: [Int] = [], expandedShape: [Int] = []
        for (s, t) in zip(padded, times) { interleaved += [1, s]; expandedShape += [t, s] }
        let outShape = zip(padded, times).map { $0 * $1 }
        return reshaped(interleaved).expanded(to: expandedShape).contiguous().reshaped(outShape)
    }
}
