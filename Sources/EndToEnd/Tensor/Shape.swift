/// Shape arithmetic shared by all ops: strides, broadcasting and axis normalization.
public enum Shape {
    /// Number of elements of a tensor with this shape (1 for a scalar).
    @inlinable
    public static func count(_ shape: [Int]) -> Int {
        var n = 1
        for d in shape { n &*= d }
        return n
    }

    /// The element count of `shape`, or `nil` when a dimension is negative or the product
    /// overflows `Int`: what readers of untrusted headers check before allocating.
    public static func checkedCount(_ shape: [Int]) -> Int? {
        var n = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            n = p
        }
        // A zero dimension makes the product 0 even past an overflowing one ([0, 2^62, 2^62]);
        // such shapes are refused too, since their strides cannot be represented.
        if n == 0 && shape.count > 1 {
            var m = 1
            for d in shape where d != 0 {
                let (p, overflow) = m.multipliedReportingOverflow(by: d)
                if overflow { return nil }
                m = p
            }
        }
        return n
    }

    /// Row-major (C order) strides for a shape. A stride that would overflow (possible only
    /// beside a zero dimension, where no element is ever addressed) saturates at `Int.max`
    /// instead of trapping.
    public static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var s = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i] = s
            let (p, overflow) = s.multipliedReportingOverflow(by: shape[i])
            s = overflow ? Int.max : p
        }
        return strides
    }

    /// The NumPy broadcast of two shapes, or an error naming `op` and both shapes.
    public static func broadcast(_ a: [Int], _ b: [Int], op: String) throws(TensorError) -> [Int] {
        if a == b { return a }
        let n = max(a.count, b.count)
        var out = [Int](repeating: 1, count: n)
        for i in 0..<n {
            let da = i < n - a.count ? 1 : a[i - (n - a.count)]
            let db = i < n - b.count ? 1 : b[i - (n - b.count)]
            if da == db || db == 1 { out[i] = da }
            else if da == 1 { out[i] = db }
            else {
                throw TensorError(op, "shapes \(shapeString(a)) and \(shapeString(b)) cannot be broadcast together (dimension \(i): \(da) vs \(db))")
            }
        }
        return out
    }

    /// Whether `shape` can be broadcast to `target` (NumPy rules, one direction).
    public static func canBroadcast(_ shape: [Int], to target: [Int]) -> Bool {
        if shape.count > target.count { return false }
        let off = target.count - shape.count
        for i in 0..<shape.count where shape[i] != 1 && shape[i] != target[i + off] { return false }
        return true
    }

    /// Maps a possibly negative axis into `0..<rank`, or throws naming `op` and the shape.
    public static func normalizeAxis(_ axis: Int, rank: Int, op: String, shape: [Int]) throws(TensorError) -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0 && a < rank else {
            throw TensorError(op, "axis \(axis) is out of range for a tensor of shape \(shapeString(shape)) (rank \(rank))")
        }
        return a
    }

    /// Normalizes a list of axes (sorted, unique); `nil` or an empty list means every axis,
    /// as in PyTorch (`x.sum(dim=[])` reduces everything).
    public static func normalizeAxes(_ axes: [Int]?, rank: Int, op: String, shape: [Int]) throws(TensorError) -> [Int] {
        guard let axes, !axes.isEmpty else { return Array(0..<rank) }
        var out: [Int] = []
        for a in axes {
            let n = try normalizeAxis(a, rank: rank, op: op, shape: shape)
            if out.contains(n) { throw TensorError(op, "axis \(a) is repeated in \(axes) for shape \(shapeString(shape))") }
            out.append(n)
        }
        return out.sorted()
    }

    /// Resolves a reshape target with at most one `-1`, or throws if the counts differ.
    public static func resolveReshape(_ target: [Int], from shape: [Int], op: String = "reshape") throws(TensorError) -> [Int] {
        let total = count(shape)
        var out = target
        var inferred: Int? = nil
        var known = 1
        for (i, d) in target.enumerated() {
            if d == -1 {
                if inferred != nil { throw TensorError(op, "only one dimension can be -1 in \(shapeString(target))") }
                inferred = i
            } else if d < 0 {
                throw TensorError(op, "negative dimension \(d) in \(shapeString(target))")
            } else { known *= d }
        }
        if let i = inferred {
            guard known != 0, total % known == 0 else {
                throw TensorError(op, "cannot reshape \(shapeString(shape)) (\(total) elements) to \(shapeString(target))")
            }
            out[i] = total / known
        }
        guard count(out) == total else {
            throw TensorError(op, "cannot reshape \(shapeString(shape)) (\(total) elements) to \(shapeString(target)) (\(count(out)) elements)")
        }
        return out
    }
}
