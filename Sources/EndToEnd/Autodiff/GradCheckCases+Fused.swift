extension GradCheckCatalog {
    /// The fused layer ops: `linear` (with and without bias, batched input, a strided
    /// input view, one feature), `linearReLU` and `softmaxCrossEntropy` (mean and sum, repeated
    /// targets).
    static func fusedCases(_ rng: inout RandomGenerator) -> [GradCheckCase] {
        var c: [GradCheckCase] = []
        c.append(GradCheckCase("linear", "[3, 4] x [5, 4]ᵀ + [5]", inputs: [normal([3, 4], &rng), normal([5, 4], &rng), normal([5], &rng)]) { x in
            x[0].linear(weight: x[1], bias: x[2])
        })
        c.append(GradCheckCase("linear", "no bias", inputs: [normal([2, 3], &rng), normal([4, 3], &rng)]) { x in
            x[0].linear(weight: x[1])
        })
        c.append(GradCheckCase("linear", "batched [2, 3, 4]", inputs: [normal([2, 3, 4], &rng), normal([2, 4], &rng), normal([2], &rng)]) { x in
            x[0].linear(weight: x[1], bias: x[2])
        })
        c.append(GradCheckCase("linear", "transposed input view, one feature", inputs: [normal([1, 3], &rng), normal([2, 1], &rng), normal([2], &rng)]) { x in
            x[0].T.linear(weight: x[1], bias: x[2])
        })
        c.append(GradCheckCase("linearReLU", "[4, 5] x [6, 5]ᵀ + [6]", inputs: [normal([4, 5], &rng), normal([6, 5], &rng), normal([6], &rng)], epsilon: 1e-3) { x in
            x[0].linearReLU(weight: x[1], bias: x[2])
        })
        c.append(GradCheckCase("linearReLU", "no bias, batched [2, 2, 3]", inputs: [normal([2, 2, 3], &rng), normal([4, 3], &rng)], epsilon: 1e-3) { x in
            x[0].linearReLU(weight: x[1])
        })
        let targets = IntTensor([2, 0, 2, 4])
        c.append(GradCheckCase("softmaxCrossEntropy", "[4, 5] mean", inputs: [normal([4, 5], &rng) * 2]) { x in
            x[0].softmaxCrossEntropy(targets)
        })
        c.append(GradCheckCase("softmaxCrossEntropy", "[4, 5] sum of a transposed view", inputs: [normal([5, 4], &rng) * 2]) { x in
            x[0].T.softmaxCrossEntropy(targets, mean: false)
        })
        return c
    }
}
