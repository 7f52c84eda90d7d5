extension GradCheckCatalog {
    /// Gradient checks for indexing, joining and padding: `indexSelect`, `gather`,
    /// `scatterAdd`, `maskedFill`, `concat`, `stack`, `split`, `chunked`, `repeat`, `padded`.
    /// Index tensors repeat entries so that scatter-add accumulation is exercised.
    static func indexingCases(_ rng: inout RandomGenerator) -> [GradCheckCase] {
        var c: [GradCheckCase] = []
        // indexSelect: 1-D and 2-D indices, repeats, axis 0 / middle / last.
        let ids1 = IntTensor([2, 0, 2, 3, 2])
        let ids2 = IntTensor(shape: [2, 3], scalars: [1, 1, 0, 3, 1, 0])
        c.append(GradCheckCase("indexSelect", "[4, 3] axis 0, 1-D repeated", inputs: [normal([4, 3], &rng)]) { $0[0].indexSelect(axis: 0, ids1) })
        c.append(GradCheckCase("indexSelect", "embedding [4, 3] with [2, 3] ids", inputs: [normal([4, 3], &rng)]) { $0[0].indexSelect(axis: 0, ids2) })
        c.append(GradCheckCase("indexSelect", "[2, 4, 3] axis 1, 2-D ids", inputs: [normal([2, 4, 3], &rng)]) { $0[0].indexSelect(axis: 1, ids2) })
        c.append(GradCheckCase("indexSelect", "[3, 4] axis -1 of a transposed view", inputs: [normal([4, 3], &rng)]) { $0[0].T.indexSelect(axis: -1, ids1) })
        c.append(GradCheckCase("indexSelect", "size-1 axis", inputs: [normal([1, 2], &rng)]) { $0[0].indexSelect(axis: 0, IntTensor([0, 0, 0])) })

        // gather: axis 0 and last, index smaller than the input in another dimension.
        let g0 = IntTensor(shape: [2, 3], scalars: [2, 0, 2, 1, 2, 2])
        let gLast = IntTensor(shape: [3, 2], scalars: [3, 3, 0, 1, 2, 0])
        c.append(GradCheckCase("gather", "[3, 3] axis 0", inputs: [normal([3, 3], &rng)]) { $0[0].gather(axis: 0, g0) })
        c.append(GradCheckCase("gather", "[3, 4] axis -1", inputs: [normal([3, 4], &rng)]) { $0[0].gather(axis: -1, gLast) })
        c.append(GradCheckCase("gather", "[2, 3, 2] axis 1", inputs: [normal([2, 3, 2], &rng)]) { x in
            x[0].gather(axis: 1, IntTensor(shape: [2, 2, 2], scalars: [0, 2, 2, 2, 1, 0, 1, 1]))
        })

        // scatterAdd: w.r.t. both self and source; source larger than the index.
        c.append(GradCheckCase("scatterAdd", "[3, 4] axis 1", inputs: [normal([3, 4], &rng), normal([3, 2], &rng)]) { x in
            x[0].scatterAdd(axis: 1, IntTensor(shape: [3, 2], scalars: [0, 0, 3, 1, 2, 2]), x[1])
        })
        c.append(GradCheckCase("scatterAdd", "[3, 2] axis 0, source [4, 3]", inputs: [normal([3, 2], &rng), normal([4, 3], &rng)]) { x in
            x[0].scatterAdd(axis: 0, IntTensor(shape: [2, 2], scalars: [2, 0, 2, 0]), x[1])
        })

        // maskedFill: broadcast mask.
        c.append(GradCheckCase("maskedFill", "[3, 4] with [4] mask", inputs: [normal([3, 4], &rng)]) { $0[0].maskedFill(Tensor([1, 0, 0, 1]), -2) })
        c.append(GradCheckCase("maskedFill", "[2, 3] full mask", inputs: [normal([2, 3], &rng)]) { $0[0].maskedFill(Tensor([[0, 1, 0], [1, 1, 0]]), 0) })

        // concat: 3 inputs, axis 0 and middle, size-0 and size-1 pieces, a view.
        c.append(GradCheckCase("concat", "axis 0, [2, 3] [1, 3] [3, 3]", inputs: [normal([2, 3], &rng), normal([1, 3], &rng), normal([3, 3], &rng)]) { x in
            Tensor.concat(x, axis: 0)
        })
        c.append(GradCheckCase("concat", "middle axis, [2, 1, 3] [2, 0, 3] [2, 2, 3]", inputs: [normal([2, 1, 3], &rng), normal([2, 0, 3], &rng), normal([2, 2, 3], &rng)]) { x in
            Tensor.concat(x, axis: 1)
        })
        c.append(GradCheckCase("concat", "last axis, transposed view", inputs: [normal([3, 2], &rng), normal([2, 1], &rng)]) { x in
            Tensor.concat([x[0].T, x[1], x[0].T * 2], axis: -1)
        })

        // stack, split, chunk, repeat.
        c.append(GradCheckCase("stack", "axis 0, 3 x [2, 3]", inputs: [normal([2, 3], &rng), normal([2, 3], &rng), normal([2, 3], &rng)]) { x in
            Tensor.stack(x, axis: 0)
        })
        c.append(GradCheckCase("stack", "last axis, 2 x [3]", inputs: [normal([3], &rng), normal([3], &rng)]) { x in Tensor.stack(x, axis: 1) })
        c.append(GradCheckCase("split", "[5, 2] sizes [2, 0, 3]", inputs: [normal([5, 2], &rng)]) { x in
            let p = x[0].split(sizes: [2, 0, 3], axis: 0)
            return Tensor.concat([p[2] * 2, p[0] * 3], axis: 0)
        })
        c.append(GradCheckCase("chunk", "[2, 5] into 3 along 1", inputs: [normal([2, 5], &rng)]) { x in
            let p = x[0].chunked(3, axis: 1)
            return p[0] * p[1] + p[2].sum()
        })
        c.append(GradCheckCase("repeat", "[2, 3] by [2, 1, 2]", inputs: [normal([2, 3], &rng)]) { $0[0].repeated([2, 1, 2]) })

        // padded: several dims, asymmetric, every mode.
        c.append(GradCheckCase("padded", "constant [2, 3, 2] all dims asymmetric", inputs: [normal([2, 3, 2], &rng)]) { x in
            x[0].padded([(1, 0), (0, 2), (2, 1)], value: 0.5)
        })
        c.append(GradCheckCase("padded", "constant last dim of [1, 3]", inputs: [normal([1, 3], &rng)]) { $0[0].padded([(0, 2)]) })
        c.append(GradCheckCase("padded", "reflect [2, 3, 4] last 2 dims", inputs: [normal([2, 3, 4], &rng)]) { x in
            x[0].padded([(2, 1), (1, 3)], mode: .reflect)
        })
        c.append(GradCheckCase("padded", "replicate [3, 2] both dims", inputs: [normal([3, 2], &rng)]) { x in
            x[0].padded([(1, 2), (3, 1)], mode: .replicate)
        })
        c.append(GradCheckCase("padded", "replicate size-1 dim", inputs: [normal([2, 1], &rng)]) { $0[0].padded([(2, 1)], mode: .replicate) })
        return c
    }
}
