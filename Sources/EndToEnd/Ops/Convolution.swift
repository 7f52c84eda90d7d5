import EndToEndKernels

/// The validated sizes of a 2-D convolution; a 1-D convolution is the case `h == 1`,
/// `kH == 1`.
struct ConvGeometry: Equatable, Sendable {
    var n: Int, c: Int, h: Int, w: Int
    var outC: Int, groups: Int, kH: Int, kW: Int
    var sH: Int, sW: Int, pH: Int, pW: Int, dH: Int, dW: Int
    var oH: Int, oW: Int

    /// Input channels seen by one group.
    var cPerGroup: Int { c / groups }
    /// Output channels produced by one group.
    var outPerGroup: Int { outC / groups }
    /// Rows of one group's column matrix (and columns of its weight matrix).
    var k: Int { cPerGroup * kH * kW }
    /// Output positions per sample and channel.
    var p: Int { oH * oW }
    /// Columns of the batched column matrix: every output position of every sample.
    var np: Int { n * p }
    /// Rows of the full column matrix, all groups.
    var rows: Int { c * kH * kW }
    /// One input channel along one axis (1-D, or H = 1), no padding or dilation, a stride above
    /// 1: the transposed column matrix of sample `n` is the signal itself read with overlapping
    /// rows `sW` floats apart (row `ow` from `ow · sW`), which the packed products take in place
    /// (``PackedMatrix/multiply(m:windows:stride:transposedA:c:ldc:accumulate:)``).
    var windowsInPlace: Bool {
        groups == 1 && c == 1 && h == 1 && kH == 1 && pH == 0 && pW == 0 && dW == 1 && sW > 1
    }

    /// The shape the C kernels' im2col and col2im take.
    var kernelShape: ConvolutionShape {
        ConvolutionShape(n: n, c: c, h: h, w: w, kH: kH, kW: kW, sH: sH, sW: sW, pH: pH, pW: pW, dH: dH, dW: dW, oH: oH, oW: oW)
    }
}

/// Convolutions with PyTorch semantics and layouts: `conv2d` on NCHW and `conv1d` on NCL
/// inputs, weights `[outC, inC / groups, kH, kW]`.
///
/// The whole batch is unfolded at once (im2col) into a `[C·kH·kW, N·oH·oW]` column matrix,
/// so each group is a single large GEMM, which keeps the GEMM kernel efficient even for
/// small images; the backward pass reuses the columns (or recomputes them when they would
/// be large) and folds column gradients back with col2im.
extension Tensor {
    // MARK: public API

    /// 2-D convolution (cross-correlation, like `torch.nn.functional.conv2d`).
    ///
    /// - Parameters:
    ///   - weight: `[outC, C / groups, kH, kW]`.
    ///   - bias: optional `[outC]`.
    ///   - stride: step between windows, `(height, width)`, positive.
    ///   - padding: zeros added on both sides, `(height, width)`, non-negative.
    ///   - dilation: spacing between kernel taps, `(height, width)`, positive.
    ///   - groups: input and output channels are split into this many independent groups;
    ///     `groups == C` with `outC == C` is a depthwise convolution.
    /// - Returns: `[N, outC, oH, oW]` with `oH = (H + 2·pH − dH·(kH − 1) − 1) / sH + 1`.
    ///
    /// Differentiable with respect to `self`, `weight` and `bias`. Traps with a message
    /// naming the shapes if they do not fit (see ``conv2dGeometry(input:weight:bias:stride:padding:dilation:groups:)``).
    public func conv2d(_ weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                       dilation: (Int, Int) = (1, 1), groups: Int = 1) -> Tensor {
        conv2d(weight, bias, stride, padding, dilation, groups, relu: false)
    }

    private func conv2d(_ weight: Tensor, _ bias: Tensor?, _ stride: (Int, Int), _ padding: (Int, Int),
                        _ dilation: (Int, Int), _ groups: Int, relu: Bool) -> Tensor {
        let g = check { () throws(TensorError) in
            try Tensor.conv2dGeometry(input: shape, weight: weight.shape, bias: bias?.shape, stride: stride,
                                      padding: padding, dilation: dilation, groups: groups)
        }
        return Tensor.convolution(self, weight, bias, g, op: relu ? "conv2dReLU" : "conv2d", relu: relu)
    }

    /// ``conv2d(_:bias:stride:padding:dilation:groups:)`` with the same stride, padding and
    /// dilation for height and width.
    @_disfavoredOverload
    public func conv2d(_ weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
                       groups: Int = 1) -> Tensor {
        conv2d(weight, bias: bias, stride: (stride, stride), padding: (padding, padding),
               dilation: (dilation, dilation), groups: groups)
    }

    /// 1-D convolution (like `torch.nn.functional.conv1d`) on `[N, C, L]` with a weight
    /// `[outC, C / groups, k]` and optional bias `[outC]`; returns `[N, outC, oL]` with
    /// `oL = (L + 2·padding − dilation·(k − 1) − 1) / stride + 1`. Differentiable with
    /// respect to `self`, `weight` and `bias`.
    public func conv1d(_ weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
                       groups: Int = 1) -> Tensor {
        conv1d(weight, bias, stride, padding, dilation, groups, relu: false)
    }

    private func conv1d(_ weight: Tensor, _ bias: Tensor?, _ stride: Int, _ padding: Int, _ dilation: Int, _ groups: Int,
                        relu: Bool) -> Tensor {
        let g = check { () throws(TensorError) in
            try Tensor.conv1dGeometry(input: shape, weight: weight.shape, bias: bias?.shape, stride: stride,
                                      padding: padding, dilation: dilation, groups: groups)
        }
        // A 1-D convolution is a 2-D one over a height-1 image; the reshapes are views.
        let x4 = reshaped([g.n, g.c, 1, g.w])
        let w4 = weight.reshaped([g.outC, g.cPerGroup, 1, g.kW])
        return Tensor.convolution(x4, w4, bias, g, op: relu ? "conv1dReLU" : "conv1d", relu: relu).reshaped([g.n, g.outC, g.oW])
    }

    /// `conv2d(weight, bias: bias, ...).relu()` as one op, equal to it to the bit (values and
    /// gradients); traps on shapes as ``conv2d(_:bias:stride:padding:dilation:groups:)`` does.
    ///
    /// Why: the separate ReLU makes one more pass over the (often megabytes of) output each way,
    /// and allocates one more such tensor; here it is applied to each sample's output while it is
    /// in cache, and its mask to the output gradient in the copy that the backward pass makes
    /// anyway. `Sequential` and config models run a `Conv2d` followed by a `ReLU` this way.
    public func conv2dReLU(_ weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                           dilation: (Int, Int) = (1, 1), groups: Int = 1) -> Tensor {
        conv2d(weight, bias, stride, padding, dilation, groups, relu: true)
    }

    /// `conv1d(weight, bias: bias, ...).relu()` as one op, equal to it to the bit (see
    /// ``conv2dReLU(_:bias:stride:padding:dilation:groups:)``).
    public func conv1dReLU(_ weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
                           groups: Int = 1) -> Tensor {
        conv1d(weight, bias, stride, padding, dilation, groups, relu: true)
    }

    // MARK: validation

    /// Checks the arguments of ``conv2d(_:bias:stride:padding:dilation:groups:)`` and
    /// returns the convolution's sizes; throws a ``TensorError`` naming `conv2d` and the
    /// shapes when they do not fit.
    static func conv2dGeometry(input: [Int], weight: [Int], bias: [Int]?, stride: (Int, Int), padding: (Int, Int),
                               dilation: (Int, Int), groups: Int) throws(TensorError) -> ConvGeometry {
        let op = "conv2d"
        guard input.count == 4 else {
            throw TensorError(op, "input must be 4-D [N, C, H, W], got \(shapeString(input))")
        }
        guard weight.count == 4 else {
            throw TensorError(op, "weight must be 4-D [outC, C / groups, kH, kW], got \(shapeString(weight)) for input \(shapeString(input))")
        }
        return try convGeometry(op: op, input: input, weight: weight, bias: bias, stride: stride, padding: padding,
                                dilation: dilation, groups: groups, oneD: false)
    }

    /// Checks the arguments of ``conv1d(_:bias:stride:padding:dilation:groups:)`` and returns
    /// the sizes as a height-1 2-D convolution; throws a ``TensorError`` naming `conv1d`.
    static func conv1dGeometry(input: [Int], weight: [Int], bias: [Int]?, stride: Int, padding: Int, dilation: Int,
                               groups: Int) throws(TensorError) -> ConvGeometry {
        let op = "conv1d"
        guard input.count == 3 else {
            throw TensorError(op, "input must be 3-D [N, C, L], got \(shapeString(input))")
        }
        guard weight.count == 3 else {
            throw TensorError(op, "weight must be 3-D [outC, C / groups, k], got \(shapeString(weight)) for input \(shapeString(input))")
        }
        return try convGeometry(op: op, input: [input[0], input[1], 1, input[2]], weight: [weight[0], weight[1], 1, weight[2]],
                                bias: bias, stride: (1, stride), padding: (0, padding), dilation: (1, dilation), groups: groups,
                                oneD: true, shownInput: input, shownWeight: weight)
    }

    /// Shared checks on 4-D shapes; messages print `shownInput`/`shownWeight` (the caller's
    /// own shapes) and single numbers for 1-D.
    private static func convGeometry(op: String, input: [Int], weight: [Int], bias: [Int]?, stride: (Int, Int),
                                     padding: (Int, Int), dilation: (Int, Int), groups: Int, oneD: Bool,
                                     shownInput: [Int]? = nil, shownWeight: [Int]? = nil) throws(TensorError) -> ConvGeometry {
        let xs = shapeString(shownInput ?? input), ws = shapeString(shownWeight ?? weight)
        func pair(_ p: (Int, Int)) -> String { oneD ? "\(p.1)" : "(\(p.0), \(p.1))" }
        guard groups >= 1 else { throw TensorError(op, "groups must be positive, got \(groups) (input \(xs), weight \(ws))") }
        guard stride.0 >= 1 && stride.1 >= 1 else {
            throw TensorError(op, "stride must be positive, got \(pair(stride)) (input \(xs), weight \(ws))")
        }
        guard dilation.0 >= 1 && dilation.1 >= 1 else {
            throw TensorError(op, "dilation must be positive, got \(pair(dilation)) (input \(xs), weight \(ws))")
        }
        guard padding.0 >= 0 && padding.1 >= 0 else {
            throw TensorError(op, "padding must be non-negative, got \(pair(padding)) (input \(xs), weight \(ws))")
        }
        guard input.allSatisfy({ $0 >= 0 }), input[1] >= 1 else {
            throw TensorError(op, "input \(xs) must have at least one channel and no negative sizes")
        }
        guard weight.allSatisfy({ $0 >= 1 }) else {
            throw TensorError(op, "weight \(ws) has an empty dimension (input \(xs))")
        }
        let c = input[1], outC = weight[0]
        guard c % groups == 0 else {
            throw TensorError(op, "input \(xs) has \(c) channels, which is not divisible by groups \(groups) (weight \(ws))")
        }
        guard outC % groups == 0 else {
            throw TensorError(op, "weight \(ws) has \(outC) output channels, which is not divisible by groups \(groups) (input \(xs))")
        }
        guard weight[1] * groups == c else {
            throw TensorError(op, "input \(xs) has \(c) channels but weight \(ws) expects \(weight[1] * groups) (\(weight[1]) per group × groups \(groups))")
        }
        if let bias, bias != [outC] {
            throw TensorError(op, "bias \(shapeString(bias)) must be [\(outC)], one value per output channel of weight \(ws) (input \(xs))")
        }
        let (h, w, kH, kW) = (input[2], input[3], weight[2], weight[3])
        let extentH = dilation.0 * (kH - 1) + 1, extentW = dilation.1 * (kW - 1) + 1
        let paddedH = h + 2 * padding.0, paddedW = w + 2 * padding.1
        guard extentH <= paddedH && extentW <= paddedW else {
            let kernel = oneD ? "\(extentW)" : "\(extentH)x\(extentW)"
            let padded = oneD ? "\(paddedW)" : "\(paddedH)x\(paddedW)"
            throw TensorError(op, "kernel of (dilated) size \(kernel) is larger than the padded input \(padded) (input \(xs), weight \(ws), padding \(pair(padding)), dilation \(pair(dilation)))")
        }
        return ConvGeometry(n: input[0], c: c, h: h, w: w, outC: outC, groups: groups, kH: kH, kW: kW,
                            sH: stride.0, sW: stride.1, pH: padding.0, pW: padding.1, dH: dilation.0, dW: dilation.1,
                            oH: (paddedH - extentH) / stride.0 + 1, oW: (paddedW - extentW) / stride.1 + 1)
    }

    // MARK: implementation

    /// Columns above this many elements are recomputed in the backward pass instead of kept
    /// alive from the forward pass (64 MiB).
    static let convColumnCacheLimit = 1 << 24

    /// The forward pass and its autodiff record, on 4-D `x` and `weight` that fit `g`.
    ///
    /// With `relu`, the output is `max(·, 0)` of the convolution's (applied while each sample's
    /// output is in cache) and the backward pass masks the output gradient where it first reads
    /// it: ``conv2dReLU(_:bias:stride:padding:dilation:groups:)``.
    static func convolution(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?, _ g: ConvGeometry, op: String,
                            relu: Bool = false) -> Tensor {
        let xd = x.convDense, wd = weight.convDense
        let bd = bias?.convDense
        var out = Tensor(shape: [g.n, g.outC, g.oH, g.oW]) { _, _ in }  // written below
        let outPtr = out.storage.pointer
        // The row-major column matrix, when the forward product used it (the backward pass
        // then reuses it if it is small enough, else recomputes it).
        var cols: Tensor? = nil
        let shape = g.kernelShape
        let packedRoute = g.groups == 1 && GEMM.packedRouteTakes(m: g.np, n: g.outC, k: g.k)
        // Set when the forward product read the input in place (see `windowsInPlace`); the
        // weight gradient then does too.
        var windowsPacked = false
        if g.windowsInPlace,
           let packedW = PackedMatrix(k: g.k, n: g.outC, b: wd.elementPointer, ldb: g.k, transposed: true) {
            // outᵀ of sample n [P, outC] = windows(x_n) · Wᵀ. Unfolding the voice network's first
            // layer (kernel 64, stride 8) wrote 16 MB per batch of 32 clips and was 11-14 % of
            // the conv1d benchmark.
            let tmp = UnsafeMutablePointer<Float>.allocateCacheAligned(g.outC * g.np)
            defer { tmp.deallocate() }
            for n in 0..<g.n {
                packedW.multiply(m: g.p, windows: xd.elementPointer + n * g.w, stride: g.sW, c: tmp + n * g.p * g.outC,
                                 ldc: g.outC, accumulate: false)
            }
            storePositionMajor(tmp, into: outPtr, bias: bd, relu: relu, g)
            windowsPacked = true
        } else if packedRoute, CPUKernels.blockedColumnsAvailable(for: shape),
           let packedW = PackedMatrix(k: g.k, n: g.outC, b: wd.elementPointer, ldb: g.k, transposed: true) {
            // outᵀ = colsᵀ · Wᵀ with colsᵀ unfolded straight into the AVX-512 kernel's own
            // order: the copy of a transposed A that the product below makes (9 % of the CNN
            // benchmark) is not needed. The weight gradient recomputes the columns row-major.
            let r = PackedMatrix.blockedRows, blocks = (g.np + r - 1) / r
            let blocked = UnsafeMutablePointer<Float>.allocateCacheAligned(blocks * r * g.k)
            let tmp = UnsafeMutablePointer<Float>.allocateCacheAligned(g.outC * g.np)
            defer { blocked.deallocate(); tmp.deallocate() }
            let xp = UnsafePointer(xd.elementPointer)
            parallelFor(blocks, grain: Swift.max(1, 16384 / (r * g.k))) { range in
                let done = CPUKernels.im2colBlocked(xp, shape, into: blocked, rowBlocks: range)
                precondition(done, "conv: the blocked im2col declined a shape it was offered")
            }
            let done = packedW.multiply(blockedA: blocked, m: g.np, c: tmp, ldc: g.outC, accumulate: false)
            precondition(done, "conv: the blocked product declined")
            storePositionMajor(tmp, into: outPtr, bias: bd, relu: relu, g)
        } else {
            let unfolded = Tensor(shape: [g.rows, g.np]) { _, _ in }  // im2col writes every element
            im2col(xd.elementPointer, g, unfolded.storage.pointer)
            cols = unfolded
            if packedRoute {
                // outᵀ [NP, outC] = colsᵀ · Wᵀ: the packed kernels' shape (the small weight packed,
                // the columns streamed), where W · cols packs the whole column matrix for a few rows
                // (LeNet's first layer: 32 rows against 25 x 36,864 columns ran at 50 GFLOP/s in
                // OpenBLAS, 85 this way, Zen 4).
                let tmp = UnsafeMutablePointer<Float>.allocateCacheAligned(g.outC * g.np)
                defer { tmp.deallocate() }
                sgemm(transA: true, transB: true, m: g.np, n: g.outC, k: g.k, alpha: 1, a: unfolded.storage.pointer, lda: g.np,
                      b: wd.elementPointer, ldb: g.k, beta: 0, c: tmp, ldc: g.outC)
                storePositionMajor(tmp, into: outPtr, bias: bd, relu: relu, g)
            } else if g.n == 1 {
                // [outC, P] is already the output layout.
                convGEMMForward(wd.elementPointer, unfolded.storage.pointer, outPtr, g)
                if let bd { addBias(bd.elementPointer, outPtr, channels: g.outC, plane: g.p) }
                if relu { ReLUKernels.forwardInPlace(outPtr, count: g.outC * g.p) }
            } else {
                let tmp = UnsafeMutablePointer<Float>.allocateCacheAligned(g.outC * g.np)
                defer { tmp.deallocate() }
                convGEMMForward(wd.elementPointer, unfolded.storage.pointer, tmp, g)
                // [outC, N, P] -> [N, outC, P], adding the bias on the way.
                let bp = bd?.elementPointer
                let p = g.p, np = g.np, outC = g.outC
                parallelFor(g.n * outC, grain: Swift.max(1, 16384 / Swift.max(p, 1))) { range in
                    for idx in range {
                        let n = idx / outC, o = idx - n * outC
                        let src = tmp + o * np + n * p, dst = outPtr + idx * p
                        let b = bp?[o] ?? 0
                        for i in 0..<p { dst[i] = src[i] + b }
                        if relu { ReLUKernels.forward(dst, dst, count: p) }
                    }
                }
            }
        }

        let needX = x.requiresGrad, needW = weight.requiresGrad, needB = bias?.requiresGrad ?? false
        guard GradMode.isEnabled, needX || needW || needB else { return out }
        let y: Tensor? = relu ? out.detached() : nil
        // Keep the columns for the weight gradient unless they are big or were not made; then recompute.
        let cached: Tensor? = needW ? cols.flatMap { $0.count <= convColumnCacheLimit ? $0 : nil } : nil
        let xKeep: Tensor? = needW && cached == nil ? xd : nil
        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        let hasBias = bias != nil
        out.record(op: op, inputs: inputs) { gOut in
            let gd = gOut.convDense
            // The output gradient as [outC, N·P], the layout the GEMMs want (with the ReLU,
            // zero where its output was not positive: the gradient of the convolution's output).
            let gT: Tensor
            if g.n == 1 && y == nil {
                gT = gd
            } else {
                let py = y.map { UnsafePointer($0.storage.pointer) }
                gT = Tensor(shape: [g.outC, g.np]) { dst, _ in
                    let src = gd.elementPointer, p = g.p, np = g.np, outC = g.outC
                    parallelFor(g.n * outC, grain: Swift.max(1, 16384 / Swift.max(p, 1))) { range in
                        for idx in range {
                            let n = idx / outC, o = idx - n * outC
                            if let py {
                                ReLUKernels.backward(src + idx * p, py + idx * p, dst + o * np + n * p, count: p)
                            } else {
                                (dst + o * np + n * p).update(from: src + idx * p, count: p)
                            }
                        }
                    }
                }
            }
            let gp = gT.elementPointer
            var gx: Tensor? = nil, gw: Tensor? = nil, gb: Tensor? = nil
            if needB {
                gb = Tensor(shape: [g.outC]) { dst, _ in
                    let np = g.np
                    parallelFor(g.outC, grain: Swift.max(1, 65536 / Swift.max(np, 1))) { range in
                        // Vector lanes, blocks summed in Double: the scalar loop was a chain of
                        // dependent adds, 4 % of the CNN benchmark.
                        for o in range { dst[o] = ReductionKernels.sumContiguous(gp + o * np, np) }
                    }
                }
            }
            if needW, windowsPacked, let xKeep, CPUKernels.isEnabled && CPUKernels.instructionSet != nil {
                gw = Tensor(shape: [g.outC, g.cPerGroup, g.kH, g.kW]) { dst, _ in
                    windowsWeightGradient(x: xKeep.elementPointer, gT: gp, g, into: dst)
                }
            } else if needW {
                var colTensor = cached ?? Tensor.zeros([0])
                if cached == nil, let xKeep {
                    colTensor = Tensor(shape: [g.rows, g.np]) { _, _ in }
                    im2col(xKeep.elementPointer, g, colTensor.storage.pointer)
                }
                gw = Tensor(shape: [g.outC, g.cPerGroup, g.kH, g.kW]) { dst, _ in
                    let og = g.outPerGroup, k = g.k, np = g.np
                    if g.groups == 1 && GEMM.packedRouteTakes(m: k, n: og, k: np) {
                        // dWᵀ [K, outC] = cols · dYᵀ, with dYᵀ [NP, outC] the packed operand: dY · colsᵀ
                        // packs the column matrix for a few rows (LeNet's second layer: 64 rows
                        // against 800 x 4,096; 71 GFLOP/s in OpenBLAS, 109 this way, Zen 4).
                        let p = g.p
                        let gYT = UnsafeMutablePointer<Float>.allocateCacheAligned(np * og)
                        let dWT = UnsafeMutablePointer<Float>.allocateCacheAligned(k * og)
                        defer { gYT.deallocate(); dWT.deallocate() }
                        // From gT ([outC, N·P]: sample n's block at column n·P), which holds the
                        // ReLU's mask when there is one.
                        parallelFor(g.n, grain: Swift.max(1, 16384 / Swift.max(p * og, 1))) { range in
                            for n in range {
                                transposeMatrix(rows: og, cols: p, src: gp + n * p, lds: np, dst: gYT + n * p * og, ldd: og)
                            }
                        }
                        sgemm(transA: false, transB: false, m: k, n: og, k: np, alpha: 1, a: colTensor.storage.pointer, lda: np,
                              b: gYT, ldb: og, beta: 0, c: dWT, ldc: og)
                        transposeMatrix(rows: k, cols: og, src: dWT, lds: og, dst: dst, ldd: k)
                        return
                    }
                    for grp in 0..<g.groups {
                        // dW_g [Og, K] = dY_g [Og, NP] · cols_g^T
                        sgemm(transA: false, transB: true, m: og, n: k, k: np, alpha: 1,
                              a: gp + grp * og * np, lda: np, b: colTensor.storage.pointer + grp * k * np, ldb: np,
                              beta: 0, c: dst + grp * og * k, ldc: k)
                    }
                }
            }
            if needX {
                let og = g.outPerGroup, k = g.k, np = g.np
                let gCols = UnsafeMutablePointer<Float>.allocateCacheAligned(g.rows * np)
                defer { gCols.deallocate() }
                let wp = wd.elementPointer
                for grp in 0..<g.groups {
                    // dCols_g [K, NP] = W_g^T · dY_g
                    sgemm(transA: true, transB: false, m: k, n: np, k: og, alpha: 1,
                          a: wp + grp * og * k, lda: k, b: gp + grp * og * np, ldb: np,
                          beta: 0, c: gCols + grp * k * np, ldc: np)
                }
                gx = Tensor(shape: [g.n, g.c, g.h, g.w]) { dst, _ in col2im(gCols, g, dst) }
            }
            return hasBias ? [gx, gw, gb] : [gx, gw]
        }
        return out
    }

    /// The output `[N, outC, P]` from the position-major product `tmp` `[N·P, outC]`, with the
    /// bias and the ReLU applied in the same pass (as two more passes they and the transposition
    /// took 8 % of the CNN benchmark on one thread).
    private static func storePositionMajor(_ tmp: UnsafePointer<Float>, into outPtr: UnsafeMutablePointer<Float>, bias bd: Tensor?,
                                           relu: Bool, _ g: ConvGeometry) {
        let p = g.p, outC = g.outC
        let bias = bd.map { UnsafePointer($0.elementPointer) }
        parallelFor(g.n, grain: Swift.max(1, 16384 / Swift.max(p * outC, 1))) { range in
            for n in range {
                transposeMatrix(rows: p, cols: outC, src: tmp + n * p * outC, lds: outC, dst: outPtr + n * outC * p, ldd: p,
                                bias: bias, relu: relu)
            }
        }
    }

    /// `out[grp]` `[Og, NP]` `= W_g [Og, K] · cols_g [K, NP]` for every group.
    private static func convGEMMForward(_ w: UnsafePointer<Float>, _ cols: UnsafePointer<Float>,
                                        _ out: UnsafeMutablePointer<Float>, _ g: ConvGeometry) {
        let og = g.outPerGroup, k = g.k, np = g.np
        for grp in 0..<g.groups {
            sgemm(transA: false, transB: false, m: og, n: np, k: k, alpha: 1,
                  a: w + grp * og * k, lda: k, b: cols + grp * k * np, ldb: np,
                  beta: 0, c: out + grp * og * np, ldc: np)
        }
    }

    /// Adds `bias[c]` to each `plane`-sized block of `data` (one sample).
    private static func addBias(_ bias: UnsafePointer<Float>, _ data: UnsafeMutablePointer<Float>, channels: Int, plane: Int) {
        for c in 0..<channels {
            let b = bias[c], row = data + c * plane
            for i in 0..<plane { row[i] += b }
        }
    }

    /// The output columns `lo..<hi` whose input column `ow·s + offset` lies in `0..<size`.
    @inline(__always)
    static func convValidRange(offset: Int, stride s: Int, size: Int, outSize: Int) -> (Int, Int) {
        let lo = offset >= 0 ? 0 : Swift.min(outSize, (-offset + s - 1) / s)
        let room = size - offset
        let hi = room <= 0 ? lo : Swift.max(lo, Swift.min(outSize, (room + s - 1) / s))
        return (lo, hi)
    }

    /// Unfolds the batch `x` `[N, C, H, W]` into `cols` `[C·kH·kW, N·oH·oW]`: row
    /// `(c, i, j)` holds input `(n, c, oh·sH − pH + i·dH, ow·sW − pW + j·dW)` (0 outside)
    /// at column `n·oH·oW + oh·oW + ow`. Every element is written.
    static func im2col(_ x: UnsafePointer<Float>, _ g: ConvGeometry, _ cols: UnsafeMutablePointer<Float>) {
        let np = g.np
        if np == 0 { return }
        // Kernels at least 8 wide fill the transposition's 8 × 8 blocks.
        if g.sW > 1 && g.dW == 1 && g.kW >= 8 { return im2colStrided(x, g, cols) }
        let shape = g.kernelShape
        parallelFor(g.rows, grain: Swift.max(1, 16384 / np)) { range in
            if CPUKernels.im2col(x, shape, into: cols, rows: range) { return }
            for r in range {
                let j = r % g.kW, i = (r / g.kW) % g.kH, c = r / (g.kW * g.kH)
                let offW = j * g.dW - g.pW, offH = i * g.dH - g.pH
                let (lo, hi) = convValidRange(offset: offW, stride: g.sW, size: g.w, outSize: g.oW)
                let oW = g.oW, sW = g.sW
                var dst = cols + r * np
                for n in 0..<g.n {
                    let plane = x + (n * g.c + c) * g.h * g.w
                    for oh in 0..<g.oH {
                        let ih = oh * g.sH + offH
                        if ih < 0 || ih >= g.h {
                            dst.update(repeating: 0, count: oW)
                        } else {
                            // May point before the row; only indices lo..<hi are read.
                            let src = plane + ih * g.w + offW
                            for ow in 0..<lo { dst[ow] = 0 }
                            if sW == 1 {
                                ShortRows.copy(src + lo, dst + lo, count: hi - lo)
                            } else {
                                for ow in lo..<hi { dst[ow] = src[ow * sW] }
                            }
                            for ow in hi..<oW { dst[ow] = 0 }
                        }
                        dst += oW
                    }
                }
            }
        }
    }

    /// The weight gradient `[outC, kW]` of a convolution whose forward product read its input
    /// in place (``ConvGeometry/windowsInPlace``): `dWᵀ = Σₙ windows(x_n)ᵀ · dY_nᵀ`, each sample's
    /// output gradient transposed and packed, its input read as the windows again. `gT` is the
    /// output gradient as `[outC, N·P]`.
    static func windowsWeightGradient(x: UnsafePointer<Float>, gT: UnsafePointer<Float>, _ g: ConvGeometry,
                                      into dst: UnsafeMutablePointer<Float>) {
        let (p, og, k, np) = (g.p, g.outC, g.kW, g.np)
        let gYT = UnsafeMutablePointer<Float>.allocateCacheAligned(p * og)
        let dWT = UnsafeMutablePointer<Float>.allocateCacheAligned(k * og)
        defer { gYT.deallocate(); dWT.deallocate() }
        for n in 0..<g.n {
            transposeMatrix(rows: og, cols: p, src: gT + n * p, lds: np, dst: gYT, ldd: og)
            guard let packed = PackedMatrix(k: p, n: og, b: gYT, ldb: og, transposed: false) else {
                preconditionFailure("conv: the packed kernels went away between the forward and the backward pass")
            }
            packed.multiply(m: k, windows: x + n * g.w, stride: g.sW, transposedA: true, c: dWT, ldc: og, accumulate: n > 0)
        }
        transposeMatrix(rows: k, cols: og, src: dWT, lds: og, dst: dst, ldd: k)
    }

    /// ``im2col(_:_:_:)`` for a horizontal stride above 1 (no dilation, a kernel at least 8 wide): the `kW` rows of
    /// one channel and kernel row, over one output row, are the transpose of a matrix whose
    /// row `ow` is the `kW` inputs from `ow · sW − pW` on, rows `sW` floats apart; so they are
    /// written by the transposition kernel, 8 × 8 blocks at a time, with only the padded edges
    /// element by element. Why: the element-wise gather of the voice network's first layer
    /// (1 channel, kernel 64, stride 8, 4 M column entries per batch) was 12 % of the conv1d
    /// benchmark.
    static func im2colStrided(_ x: UnsafePointer<Float>, _ g: ConvGeometry, _ cols: UnsafeMutablePointer<Float>) {
        let np = g.np, p = g.p, (w, kW, sW, pW, oW) = (g.w, g.kW, g.sW, g.pW, g.oW)
        // Output columns whose every tap lies inside the row: from the first tap's lower bound
        // to the last tap's upper one.
        let lo = convValidRange(offset: -pW, stride: sW, size: w, outSize: oW).0
        let hi = Swift.max(lo, convValidRange(offset: kW - 1 - pW, stride: sW, size: w, outSize: oW).1)
        parallelFor(g.c * g.kH * g.n, grain: Swift.max(1, 16384 / Swift.max(kW * p, 1))) { range in
            for item in range {
                let n = item % g.n, ci = item / g.n, i = ci % g.kH, c = ci / g.kH
                let plane = x + (n * g.c + c) * g.h * w
                let base = cols + ci * kW * np + n * p
                for oh in 0..<g.oH {
                    let ih = oh * g.sH + i * g.dH - g.pH
                    let dst = base + oh * oW
                    guard ih >= 0 && ih < g.h else {
                        for j in 0..<kW { (dst + j * np).update(repeating: 0, count: oW) }
                        continue
                    }
                    let row = plane + ih * w
                    if hi > lo {
                        transposeMatrix(rows: hi - lo, cols: kW, src: row + lo * sW - pW, lds: sW, dst: dst + lo, ldd: np)
                    }
                    for ow in 0..<oW where ow < lo || ow >= hi {
                        for j in 0..<kW {
                            let iw = ow * sW - pW + j
                            dst[j * np + ow] = iw >= 0 && iw < w ? row[iw] : 0
                        }
                    }
                }
            }
        }
    }

    /// The adjoint of ``im2col(_:_:_:)``: sums column entries back into the input positions
    /// they were copied from. Writes every element of `dx` `[N, C, H, W]`.
    static func col2im(_ cols: UnsafePointer<Float>, _ g: ConvGeometry, _ dx: UnsafeMutablePointer<Float>) {
        let planeSize = g.h * g.w
        let np = g.np, p = g.p
        // Each (n, c) plane gathers from its own rows and columns only: planes are disjoint.
        // Work items run channel-major (c·N + n), so a chunk reads the same kH·kW column
        // rows at increasing offsets, front to back, instead of jumping between rows.
        let shape = g.kernelShape
        parallelFor(g.n * g.c, grain: Swift.max(1, 4096 / Swift.max(p * g.kH * g.kW, 1))) { range in
            if CPUKernels.col2im(cols, shape, into: dx, planes: range) { return }
            for item in range {
                let c = item / g.n, n = item - c * g.n
                let dst = dx + (n * g.c + c) * planeSize
                dst.update(repeating: 0, count: planeSize)
                for i in 0..<g.kH {
                    let offH = i * g.dH - g.pH
                    for j in 0..<g.kW {
                        let offW = j * g.dW - g.pW
                        let (lo, hi) = convValidRange(offset: offW, stride: g.sW, size: g.w, outSize: g.oW)
                        if lo >= hi { continue }
                        let src = cols + ((c * g.kH + i) * g.kW + j) * np + n * p
                        let sW = g.sW
                        for oh in 0..<g.oH {
                            let ih = oh * g.sH + offH
                            if ih < 0 || ih >= g.h { continue }
                            let row = dst + ih * g.w + offW, s = src + oh * g.oW
                            if sW == 1 {
                                ShortRows.add(s + lo, into: row + lo, count: hi - lo)
                            } else {
                                for ow in lo..<hi { row[ow * sW] += s[ow] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// `self` if dense, else a dense copy; no autodiff history either way.
    fileprivate var convDense: Tensor { isContiguous ? detached() : contiguousCopy() }

}

/// Copies and sums of the short rows (a few to a few dozen floats) that im2col and col2im
/// move: a `memmove` call or a loop the compiler guards with alias checks costs more than
/// the work at these lengths, so eight lanes at a time, then a scalar tail.
enum ShortRows {
    @inline(__always)
    static func copy(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count n: Int) {
        var i = 0
        while i + 8 <= n {
            UnsafeMutableRawPointer(dst + i).storeBytes(of: UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { dst[i] = src[i]; i += 1 }
    }

    /// `dst[i] += src[i]` for `i in 0..<n`.
    @inline(__always)
    static func add(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, count n: Int) {
        var i = 0
        while i + 8 <= n {
            let v = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self) + UnsafeRawPointer(dst + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(dst + i).storeBytes(of: v, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { dst[i] += src[i]; i += 1 }
    }
}
