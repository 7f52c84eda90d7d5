extension Tensor {
    /// A tensor filled with `value`.
    public static func full(_ shape: [Int], _ value: Float) -> Tensor {
        for d in shape where d < 0 { fail(TensorError("full", "negative dimension in shape \(shapeString(shape))")) }
        return Tensor(shape: shape) { p, n in p.initialize(repeating: value, count: n) }
    }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int]) -> Tensor { full(shape, 0) }

    /// A tensor of ones.
    public static func ones(_ shape: [Int]) -> Tensor { full(shape, 1) }

    /// Zeros with the shape of `other`.
    public static func zeros(like other: Tensor) -> Tensor { full(other.shape, 0) }

    /// Ones with the shape of `other`.
    public static func ones(like other: Tensor) -> Tensor { full(other.shape, 1) }

    /// Values `start, start + step, ...` below `end` (above it for a negative step).
    public static func arange(_ start: Float, _ end: Float, step: Float = 1) -> Tensor {
        guard step != 0 else { fail(TensorError("arange", "step must not be zero")) }
        let n = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        return Tensor(shape: [n]) { p, n in
            for i in 0..<n { p[i] = start + Float(i) * step }
        }
    }

    /// `0, 1, ..., end - 1`.
    public static func arange(_ end: Int) -> Tensor { arange(0, Float(end)) }

    /// `count` evenly spaced values from `start` to `end` inclusive.
    public static func linspace(_ start: Float, _ end: Float, count: Int) -> Tensor {
        guard count >= 0 else { fail(TensorError("linspace", "count must be non-negative, got \(count)")) }
        return Tensor(shape: [count]) { p, n in
            let step = n > 1 ? (end - start) / Float(n - 1) : 0
            for i in 0..<n { p[i] = start + Float(i) * step }
        }
    }

    /// The `n` by `n` identity matrix.
    public static func eye(_ n: Int) -> Tensor {
        var t = zeros([n, n])
        t.withUnsafeMutableData { p, _ in for i in 0..<n { p[i * n + i] = 1 } }
        return t
    }
}
