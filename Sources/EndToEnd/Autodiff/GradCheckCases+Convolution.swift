extension GradCheckCatalog {
    /// Convolution and pooling: `conv1d`, `conv2d` (stride, padding, dilation, groups,
    /// depthwise, with and without bias, 1x1 kernels, batch 1, one channel), `maxPool2d`,
    /// `avgPool2d` (both divisor modes, with padding), `maxPool1d`, `avgPool1d` and
    /// `globalAvgPool2d`, and the fused `conv2dReLU` and `conv1dReLU`. Tensors are small: every
    /// checked element costs two forward passes.
    static func convolutionCases(_ rng: inout RandomGenerator) -> [GradCheckCase] {
        var c: [GradCheckCase] = []
        // conv2d: (input, weight, bias?, stride, padding, dilation, groups, variant)
        let conv2dSpecs: [([Int], [Int], Bool, (Int, Int), (Int, Int), (Int, Int), Int, String)] = [
            ([2, 3, 5, 5], [4, 3, 3, 3], true, (1, 1), (0, 0), (1, 1), 1, "3x3 with bias"),
            ([2, 2, 6, 5], [3, 2, 3, 2], false, (2, 1), (1, 0), (1, 1), 1, "stride (2, 1) padding (1, 0) no bias"),
            ([1, 2, 7, 7], [2, 2, 3, 3], true, (2, 2), (2, 2), (2, 2), 1, "dilation 2 stride 2 padding 2, batch 1"),
            ([2, 4, 4, 4], [6, 2, 2, 2], true, (1, 1), (1, 1), (1, 1), 2, "groups 2"),
            ([2, 3, 5, 4], [3, 1, 3, 3], true, (1, 1), (1, 1), (1, 1), 3, "depthwise"),
            ([2, 3, 4, 3], [5, 3, 1, 1], true, (1, 1), (0, 0), (1, 1), 1, "1x1 kernel"),
            ([1, 1, 5, 6], [1, 1, 2, 3], false, (1, 2), (0, 1), (1, 1), 1, "single channel, batch 1"),
        ]
        for (xs, ws, hasBias, s, p, d, groups, v) in conv2dSpecs {
            var inputs = [normal(xs, &rng), normal(ws, &rng)]
            if hasBias { inputs.append(normal([ws[0]], &rng)) }
            c.append(GradCheckCase("conv2d", v, inputs: inputs) { t in
                t[0].conv2d(t[1], bias: t.count > 2 ? t[2] : nil, stride: s, padding: p, dilation: d, groups: groups)
            })
        }
        c.append(GradCheckCase("conv2d", "non-contiguous input", inputs: [normal([2, 5, 5, 2], &rng), normal([2, 2, 3, 3], &rng)]) { t in
            t[0].permuted([0, 3, 1, 2]).conv2d(t[1], padding: 1)
        })

        c.append(GradCheckCase("conv2dReLU", "3x3 with bias, padding 1", inputs: [normal([2, 2, 4, 4], &rng), normal([3, 2, 3, 3], &rng), normal([3], &rng)], epsilon: 1e-3) { t in
            t[0].conv2dReLU(t[1], bias: t[2], padding: (1, 1))
        })
        c.append(GradCheckCase("conv2dReLU", "groups 2, stride 2, batch 1", inputs: [normal([1, 4, 5, 5], &rng), normal([4, 2, 2, 2], &rng)], epsilon: 1e-3) { t in
            t[0].conv2dReLU(t[1], stride: (2, 2), groups: 2)
        })

        // conv1d: (input, weight, bias?, stride, padding, dilation, groups, variant)
        let conv1dSpecs: [([Int], [Int], Bool, Int, Int, Int, Int, String)] = [
            ([2, 3, 7], [4, 3, 3], true, 1, 0, 1, 1, "k3 with bias"),
            ([2, 2, 9], [3, 2, 2], false, 2, 1, 2, 1, "stride 2 padding 1 dilation 2"),
            ([1, 4, 6], [4, 1, 3], true, 1, 1, 1, 4, "depthwise, batch 1"),
        ]
        for (xs, ws, hasBias, s, p, d, groups, v) in conv1dSpecs {
            var inputs = [normal(xs, &rng), normal(ws, &rng)]
            if hasBias { inputs.append(normal([ws[0]], &rng)) }
            c.append(GradCheckCase("conv1d", v, inputs: inputs) { t in
                t[0].conv1d(t[1], bias: t.count > 2 ? t[2] : nil, stride: s, padding: p, dilation: d, groups: groups)
            })
        }
        c.append(GradCheckCase("conv1dReLU", "k3 padding 1 with bias", inputs: [normal([2, 3, 6], &rng), normal([4, 3, 3], &rng), normal([4], &rng)], epsilon: 1e-3) { t in
            t[0].conv1dReLU(t[1], bias: t[2], padding: 1)
        })

        // Pooling. Max pooling needs inputs without near-ties, and a small step.
        c.append(GradCheckCase("maxPool2d", "2x2", inputs: [distinct([2, 2, 4, 4], &rng)], epsilon: 1e-3) {
            $0[0].maxPool2d(kernelSize: (2, 2))
        })
        c.append(GradCheckCase("maxPool2d", "3x3 stride 2 padding 1 (overlapping)", inputs: [distinct([1, 2, 5, 6], &rng)], epsilon: 1e-3) {
            $0[0].maxPool2d(kernelSize: (3, 3), stride: (2, 2), padding: (1, 1))
        })
        c.append(GradCheckCase("maxPool2d", "3x2 stride (1, 2)", inputs: [distinct([2, 1, 4, 5], &rng)], epsilon: 1e-3) {
            $0[0].maxPool2d(kernelSize: (3, 2), stride: (1, 2))
        })
        c.append(GradCheckCase("avgPool2d", "2x2", inputs: [normal([2, 2, 4, 4], &rng)]) {
            $0[0].avgPool2d(kernelSize: (2, 2))
        })
        for include in [true, false] {
            c.append(GradCheckCase("avgPool2d", "3x3 stride 2 padding 1 countIncludePad \(include)", inputs: [normal([2, 2, 5, 4], &rng)]) {
                $0[0].avgPool2d(kernelSize: (3, 3), stride: (2, 2), padding: (1, 1), countIncludePad: include)
            })
            c.append(GradCheckCase("avgPool1d", "k3 stride 2 padding 1 countIncludePad \(include)", inputs: [normal([2, 3, 7], &rng)]) {
                $0[0].avgPool1d(kernelSize: 3, stride: 2, padding: 1, countIncludePad: include)
            })
        }
        c.append(GradCheckCase("maxPool1d", "k2", inputs: [distinct([2, 3, 6], &rng)], epsilon: 1e-3) {
            $0[0].maxPool1d(kernelSize: 2)
        })
        c.append(GradCheckCase("maxPool1d", "k3 stride 1 padding 1", inputs: [distinct([1, 2, 5], &rng)], epsilon: 1e-3) {
            $0[0].maxPool1d(kernelSize: 3, stride: 1, padding: 1)
        })
        c.append(GradCheckCase("globalAvgPool2d", "[2, 3, 3, 4]", inputs: [normal([2, 3, 3, 4], &rng)]) { $0[0].globalAvgPool2d() })
        c.append(GradCheckCase("globalAvgPool2d", "1x1 plane", inputs: [normal([3, 2, 1, 1], &rng)]) { $0[0].globalAvgPool2d() })
        // A small conv net, so gradients flowing through chained ops are checked too.
        c.append(GradCheckCase("conv2d", "conv -> relu -> maxPool -> conv", inputs: [normal([2, 1, 6, 6], &rng), normal([3, 1, 3, 3], &rng), normal([2, 3, 2, 2], &rng)], epsilon: 1e-3) { t in
            t[0].conv2d(t[1], padding: 1).relu().maxPool2d(kernelSize: 2).conv2d(t[2])
        })
        return c
    }
}
