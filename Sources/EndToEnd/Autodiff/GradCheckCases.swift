/// The catalog of gradient checks run by `e2e gradcheck` and the test suite: every
/// differentiable op, on random shapes that include broadcasting and size-1 edge cases.
public enum GradCheckCatalog {
    /// Every case, deterministic for a seed. Each op family contributes its own list.
    public static func all(seed: UInt64 = 0) -> [GradCheckCase] {
        var rng = RandomGenerator(seed: seed)
        var cases: [GradCheckCase] = []
        for family in families { cases += family(&rng) }
        return cases
    }

    /// The op families; each file that adds ops adds its list here.
    nonisolated(unsafe) static let families: [(inout RandomGenerator) -> [GradCheckCase]] = [
        elementwiseCases, reductionCases, viewCases, linearAlgebraCases, indexingCases, convolutionCases, recurrenceCases, fusedCases, attentionCases, layerNormCases,
    ]

    /// Names of the ops covered.
    public static var opNames: [String] {
        var seen = Set<String>(), out: [String] = []
        for c in all() where seen.insert(c.op).inserted { out.append(c.op) }
        return out
    }

    // MARK: input generators

    /// Normal values.
    static func normal(_ shape: [Int], _ rng: inout RandomGenerator) -> Tensor { Tensor.normal(shape, using: &rng) }

    /// Values in ±[0.2, 1.5]: far from 0, where relu, abs and friends have kinks.
    static func awayFromZero(_ shape: [Int], _ rng: inout RandomGenerator) -> Tensor {
        Tensor(shape: shape) { p, n in
            for i in 0..<n {
                let m = 0.2 + 1.3 * rng.nextUniform()
                p[i] = rng.nextUniform() < 0.5 ? -m : m
            }
        }
    }

    /// Positive values in [0.5, 2] (log, sqrt, pow bases, divisors).
    static func positive(_ shape: [Int], _ rng: inout RandomGenerator) -> Tensor {
        Tensor.uniform(shape, low: 0.5, high: 2, using: &rng)
    }

    /// Distinct values spaced 0.1 apart in random order, so max/min/sort have no near-ties.
    static func distinct(_ shape: [Int], _ rng: inout RandomGenerator) -> Tensor {
        let n = Shape.count(shape)
        let perm = rng.permutation(n)
        return Tensor(shape: shape, scalars: perm.map { Float($0) * 0.1 - Float(n) * 0.05 })
    }

    // MARK: families

    static func elementwiseCases(_ rng: inout RandomGenerator) -> [GradCheckCase] {
        var c: [GradCheckCase] = []
        let pairs: [([Int], [Int], String)] = [([3, 4], [3, 4], "same shape"), ([2, 3, 4], [4], "row broadcast"),
                                               ([3, 1], [1, 5], "outer broadcast"), ([1], [2, 3], "size-1"), ([], [3], "scalar")]
        for (sa, sb, v) in pairs {
            c.append(GradCheckCase("add", v, inputs: [normal(sa, &rng), normal(sb, &rng)]) { $0[0] + $0[1] })
            c.append(GradCheckCase("sub", v, inputs: [normal(sa, &rng), normal(sb, &rng)]) { $0[0] - $0[1] })
            c.append(GradCheckCase("mul", v, inputs: [normal(sa, &rng), normal(sb, &rng)]) { $0[0] * $0[1] })
            c.append(GradCheckCase("div", v, inputs: [normal(sa, &rng), positive(sb, &rng)]) { $0[0] / $0[1] })
            c.append(GradCheckCase("pow", v, inputs: [positive(sa, &rng), normal(sb, &rng)]) { $0[0].pow($0[1]) })
            c.append(GradCheckCase("maximum", v, inputs: [distinct(sa, &rng), awayFromZero(sb, &rng)], epsilon: 1e-3) { $0[0].maximum($0[1]) })
            c.append(GradCheckCase("minimum", v, inputs: [distinct(sa, &rng), awayFromZero(sb, &rng)], epsilon: 1e-3) { $0[0].minimum($0[1]) })
        }
        let shapes: [[Int]] = [[5], [2, 3, 4], [1, 1], []]
        for s in shapes {
            let v = shapeString(s)
            c.append(GradCheckCase("add scalar", v, inputs: [normal(s, &rng)]) { $0[0] + 1.5 })
            c.append(GradCheckCase("mul scalar", v, inputs: [normal(s, &rng)]) { 2.5 * $0[0] })
            c.append(GradCheckCase("div scalar", v, inputs: [positive(s, &rng)]) { 3 / $0[0] - $0[0] / 2 })
            c.append(GradCheckCase("pow scalar", v, inputs: [positive(s, &rng)]) { $0[0].pow(1.7) })
            c.append(GradCheckCase("square", v, inputs: [normal(s, &rng)]) { $0[0].square() })
            c.append(GradCheckCase("neg", v, inputs: [normal(s, &rng)]) { -$0[0] })
            c.append(GradCheckCase("abs", v, inputs: [awayFromZero(s, &rng)]) { $0[0].abs() })
            c.append(GradCheckCase("exp", v, inputs: [normal(s, &rng)]) { $0[0].exp() })
            c.append(GradCheckCase("log", v, inputs: [positive(s, &rng)]) { $0[0].log() })
            c.append(GradCheckCase("sqrt", v, inputs: [positive(s, &rng)]) { $0[0].sqrt() })
            c.append(GradCheckCase("tanh", v, inputs: [normal(s, &rng)]) { $0[0].tanh() })
            c.append(GradCheckCase("sigmoid", v, inputs: [normal(s, &rng) * 3]) { $0[0].sigmoid() })
            c.append(GradCheckCase("relu", v, inputs: [awayFromZero(s, &rng)]) { $0[0].relu() })
            c.append(GradCheckCase("leakyRelu", v, inputs: [awayFromZero(s, &rng)]) { $0[0].leakyRelu(negativeSlope: 0.1) })
            c.append(GradCheckCase("gelu", v, inputs: [normal(s, &rng) * 2]) { $0[0].gelu() })
            c.append(GradCheckCase("gelu tanh", v, inputs: [normal(s, &rng) * 2]) { $0[0].gelu(approximate: true) })
            c.append(GradCheckCase("softplus", v, inputs: [normal(s, &rng) * 3]) { $0[0].softplus() })
            c.append(GradCheckCase("clamp", v, inputs: [awayFromZero(s, &rng) * 2]) { $0[0].clamped(min: -1.1, max: 0.9) })
        }
        c.append(GradCheckCase("softplus", "beta 2, threshold crossing", inputs: [Tensor([-3, -0.5, 0.5, 9, 12])]) { $0[0].softplus(beta: 2, threshold: 20) })
        c.append(GradCheckCase("where", "broadcast condition", inputs: [normal([3, 4], &rng), normal([4], &rng)]) { x in
            Tensor.where(Tensor([1, 0, 0, 1]), x[0], x[1])
        })
        c.append(GradCheckCase("where", "size-1", inputs: [normal([1], &rng), normal([2, 1], &rng)]) { x in
            Tensor.where(Tensor([[1], [0]]), x[0], x[1])
        })
        return c
    }

    static func reductionCases(_ rng: inout RandomGenerator) -> [GradCheckCase] {
        var c: [GradCheckCase] = []
        let specs: [([Int], [Int]?, Bool)] = [([3, 4], nil, false), ([2, 3, 4], [1], false), ([2, 3, 4], [0, 2], true),
                                              ([4, 1, 3], [-1], false), ([5], [0], true), ([1, 1], [0], false),
                                              ([2, 3], [], false), ([2, 3], [], true)]
        for (s, axes, keep) in specs {
            let v = "\(shapeString(s)) axes \(axes.map { "\($0)" } ?? "all")\(keep ? " keepDims" : "")"
            c.append(GradCheckCase("sum", v, inputs: [normal(s, &rng)]) { $0[0].sum(axes: axes, keepDims: keep) })
            c.append(GradCheckCase("mean", v, inputs: [normal(s, &rng)]) { $0[0].mean(axes: axes, keepDims: keep) })
            c.append(GradCheckCase("max", v, inputs: [distinct(s, &rng)], epsilon: 1e-3) { $0[0].max(axes: axes, keepDims: keep) })
            c.append(GradCheckCase("min", v, inputs: [distinct(s, &rng)], epsilon: 1e-3) { $0[0].min(axes: axes, keepDims: keep) })
            c.append(GradCheckCase("logsumexp", v, inputs: [normal(s, &rng)]) { $0[0].logSumExp(axes: axes, keepDims: keep) })
            if Shape.count(s) > 1 {
                c.append(GradCheckCase("variance", v, inputs: [normal(s, &rng)]) { $0[0].variance(axes: axes, correction: 1, keepDims: keep) })
                c.append(GradCheckCase("standardDeviation", v, inputs: [normal(s, &rng)]) { $0[0].standardDeviation(axes: axes, correction: 1, keepDims: keep) })
            }
        }
        c.append(GradCheckCase("variance", "population, [2, 5]", inputs: [normal([2, 5], &rng)]) { $0[0].variance(axes: [1], correction: 0) })
        for (s, axis) in [([3, 5], -1), ([2, 3, 4], 1), ([4], 0), ([2, 1], -1)] {
            c.append(GradCheckCase("softmax", "\(shapeString(s)) axis \(axis)", inputs: [normal(s, &rng) * 2]) { $0[0].softmax(axis: axis) })
            c.append(GradCheckCase("logSoftmax", "\(shapeString(s)) axis \(axis)", inputs: [normal(s, &rng) * 2]) { $0[0].logSoftmax(axis: axis) })
        }
        // Batch-norm layout (per channel over batch and length), layer-norm layout (per row),
        // and one group.
        for (s, o, g, i) in [([3, 2, 4], 3, 2, 4), ([4, 6], 1, 4, 6), ([2, 5], 1, 1, 10)] {
            c.append(GradCheckCase("standardized", "\(shapeString(s)) as [\(o), \(g), \(i)]", inputs: [normal(s, &rng) * 2]) {
                $0[0].standardized(outer: o, groups: g, inner: i, epsilon: 1e-3).output
            })
            c.append(GradCheckCase("standardizedAffine", "\(shapeString(s)) as [\(o), \(g), \(i)]",
                                   inputs: [normal(s, &rng) * 2, normal([g], &rng), normal([g], &rng)]) {
                $0[0].standardized(outer: o, groups: g, inner: i, epsilon: 1e-3, scale: $0[1], shift: $0[2]).output
            })
        }
        return c
    }

    static func viewCases(_ rng: inout RandomGenerator) -> [GradCheckCase] {
        [
            GradCheckCase("reshape", "[2, 3, 4] -> [4, -1]", inputs: [normal([2, 3, 4], &rng)]) { $0[0].reshaped([4, -1]) * 1.5 },
            GradCheckCase("reshape", "of a transposed view", inputs: [normal([3, 4], &rng)]) { $0[0].transposed().reshaped([12]) },
            GradCheckCase("flatten", "[2, 3, 4] from 1", inputs: [normal([2, 3, 4], &rng)]) { $0[0].flattened(startAxis: 1) },
            GradCheckCase("permute", "[2, 3, 4] -> (2, 0, 1)", inputs: [normal([2, 3, 4], &rng)]) { $0[0].permuted([2, 0, 1]) },
            GradCheckCase("transpose", "[3, 5]", inputs: [normal([3, 5], &rng)]) { $0[0].transposed() },
            GradCheckCase("slice", "axis 1, 1..<4 step 2", inputs: [normal([3, 5], &rng)]) { $0[0].sliced(axis: 1, 1..<4, step: 2) },
            GradCheckCase("slice", "size-1 axis", inputs: [normal([1, 4], &rng)]) { $0[0].sliced(axis: 0, 0..<1) },
            GradCheckCase("select", "row 2", inputs: [normal([4, 3], &rng)]) { $0[0][2] },
            GradCheckCase("expand", "[3, 1] -> [2, 3, 4]", inputs: [normal([3, 1], &rng)]) { $0[0].expanded(to: [2, 3, 4]) },
            GradCheckCase("squeeze", "[1, 3, 1]", inputs: [normal([1, 3, 1], &rng)]) { $0[0].squeezed() },
            GradCheckCase("unsqueeze", "[3] at 1", inputs: [normal([3], &rng)]) { $0[0].unsqueezed(axis: 1) },
            GradCheckCase("contiguous", "transposed", inputs: [normal([3, 4], &rng)]) { $0[0].transposed().contiguous() },
        ]
    }

    static func linearAlgebraCases(_ rng: inout RandomGenerator) -> [GradCheckCase] {
        let specs: [([Int], [Int], String)] = [
            ([3, 4], [4, 5], "2-D"), ([4], [4], "dot"), ([4], [4, 3], "vector-matrix"), ([3, 4], [4], "matrix-vector"),
            ([2, 3, 4], [4, 5], "batched x shared"), ([2, 3, 4], [2, 4, 5], "batched"), ([2, 1, 3, 4], [3, 4, 2], "broadcast batch"),
            ([1, 1], [1, 1], "1x1"), ([5, 1], [1, 3], "outer product"),
        ]
        var c = specs.map { (sa, sb, v) in
            GradCheckCase("matmul", v, inputs: [normal(sa, &rng), normal(sb, &rng)]) { $0[0].matmul($0[1]) }
        }
        c.append(GradCheckCase("matmul", "transposed views", inputs: [normal([4, 3], &rng), normal([5, 4], &rng)]) { $0[0].transposed().matmul($0[1].transposed()) })
        return c
    }
}
