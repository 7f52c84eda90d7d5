import EndToEndKernels

extension Tensor {
    /// How ``padded(_:value:mode:)`` fills the new border.
    public enum PaddingMode: Sendable, Equatable {
        /// A constant value (`value`).
        case constant
        /// Mirror without repeating the edge: `[a b c]` padded 2 on the left is `[c b a b c]`.
        /// Each padding must be smaller than the dimension.
        case reflect
        /// Repeat the edge element: `[a b c]` padded 2 on the left is `[a a a b c]`.
        case replicate
    }

    /// The tensor with a border added around its last `padding.count` dimensions.
    ///
    /// `padding` lists one `(before, after)` pair per padded dimension **in dimension
    /// order**, and applies to the *last* `padding.count` dimensions: for an image batch
    /// `[N, C, H, W]`, `[(1, 1), (2, 2)]` pads H by 1 and W by 2 on each side. (This is the
    /// reverse of `torch.nn.functional.pad`, which lists the last dimension first.)
    /// Any number of dimensions can be padded in every mode. Negative padding (cropping) is
    /// not supported: use ``sliced(axis:_:step:)``.
    ///
    /// The gradient takes the interior of the output gradient; for `.reflect` and
    /// `.replicate` the border gradients are added to the elements they copied.
    public func padded(_ padding: [(before: Int, after: Int)], value: Float = 0, mode: PaddingMode = .constant) -> Tensor {
        check { () throws(TensorError) in try Tensor.validatePadding(shape: shape, padding: padding, mode: mode) }
        let lead = rank - padding.count
        var outShape = shape
        for (i, p) in padding.enumerated() { outShape[lead + i] += p.before + p.after }
        if outShape == shape { return self }
        // Per dimension, the source index of each output index (-1 for a constant border).
        var maps: [[Int]] = []
        for d in 0..<rank {
            let size = shape[d]
            let before = d >= lead ? padding[d - lead].before : 0
            maps.append((0..<outShape[d]).map { j in
                let i = j - before
                if i >= 0 && i < size { return i }
                switch mode {
                case .constant: return -1
                case .replicate: return i < 0 ? 0 : size - 1
                case .reflect: return i < 0 ? -i : 2 * (size - 1) - i
                }
            })
        }
        let inStrides = strides
        let rows = Shape.count(Array(outShape.dropLast()))
        let last = outShape.last ?? 1
        let lastMap = rank > 0 ? maps[rank - 1] : [0]
        let lastStride = rank > 0 ? inStrides[rank - 1] : 0
        var out = Tensor(shape: outShape) { dst, n in
            guard n > 0 else { return }
            let src = storage.pointer + offset
            lastMap.withUnsafeBufferPointer { lm in
                parallelFor(rows, grain: Swift.max(1, ParallelThreshold.elementwise / Swift.max(last, 1))) { range in
                    for r in range {
                        let d = dst + r * last
                        guard let base = Tensor.paddingRowBase(r, outShape: outShape, maps: maps, strides: inStrides) else {
                            d.update(repeating: value, count: last)
                            continue
                        }
                        for j in 0..<last {
                            let s = lm[j]
                            d[j] = s < 0 ? value : src[base + s * lastStride]
                        }
                    }
                }
            }
        }
        let inShape = shape
        out.recordUnary(self, op: "padded") { g in
            if mode == .constant {
                // The interior is a slice; no accumulation needed.
                var v = g
                for (i, p) in padding.enumerated() {
                    v = v.sliced(axis: lead + i, p.before..<(p.before + inShape[lead + i]))
                }
                return v
            }
            let dense = Shape.contiguousStrides(inShape)
            return Tensor(shape: inShape) { gx, n in
                gx.initialize(repeating: 0, count: n)
                g.withContiguousData { gp in
                    // Border elements map onto interior ones, so rows collide: run serially.
                    for r in 0..<rows {
                        guard let base = Tensor.paddingRowBase(r, outShape: outShape, maps: maps, strides: dense) else { continue }
                        let gr = gp + r * last
                        let ls = rank > 0 ? dense[rank - 1] : 0
                        for j in 0..<last { gx[base + lastMap[j] * ls] += gr[j] }
                    }
                }
            }
        }
        return out
    }

    /// The input element offset of output row `r` (all but the last dimension), or `nil`
    /// when the row lies in a constant border.
    @inline(__always)
    static func paddingRowBase(_ r: Int, outShape: [Int], maps: [[Int]], strides: [Int]) -> Int? {
        var rem = r, base = 0
        var d = outShape.count - 2
        while d >= 0 {
            let size = outShape[d]
            let j = rem % size
            rem /= size
            let i = maps[d][j]
            if i < 0 { return nil }
            base += i * strides[d]
            d -= 1
        }
        return base
    }

    /// Checks a ``padded(_:value:mode:)`` call.
    static func validatePadding(shape: [Int], padding: [(before: Int, after: Int)], mode: PaddingMode) throws(TensorError) {
        let desc = "[" + padding.map { "(\($0.before), \($0.after))" }.joined(separator: ", ") + "]"
        guard padding.count <= shape.count else {
            throw TensorError("pad", "\(padding.count) padding pairs \(desc) for a tensor of shape \(shapeString(shape)) with only \(shape.count) dimensions")
        }
        let lead = shape.count - padding.count
        for (i, p) in padding.enumerated() {
            let d = lead + i
            guard p.before >= 0, p.after >= 0 else {
                throw TensorError("pad", "negative padding \(desc) is not supported (dimension \(d) of shape \(shapeString(shape))); use sliced to crop")
            }
            switch mode {
            case .constant: break
            case .reflect:
                guard p.before < shape[d], p.after < shape[d] else {
                    throw TensorError("pad", "reflect padding \(desc) must be smaller than dimension \(d) of size \(shape[d]) in shape \(shapeString(shape))")
                }
            case .replicate:
                guard shape[d] > 0 || (p.before == 0 && p.after == 0) else {
                    throw TensorError("pad", "replicate padding \(desc) needs a non-empty dimension \(d) in shape \(shapeString(shape))")
                }
            }
        }
    }
}
