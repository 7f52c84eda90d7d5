import EndToEndKernels

/// The validated sizes of a 2-D pooling window; 1-D pooling is the case `h == 1`, `kH == 1`.
struct PoolGeometry: Equatable, Sendable {
    var n: Int, c: Int, h: Int, w: Int
    var kH: Int, kW: Int, sH: Int, sW: Int, pH: Int, pW: Int
    var oH: Int, oW: Int

    /// Number of independent `(n, c)` planes.
    var planes: Int { n * c }
}

/// Max, average and global average pooling with PyTorch semantics on NCHW (`...2d`) and
/// NCL (`...1d`) inputs. Each `(sample, channel)` plane is pooled independently, in
/// parallel over planes.
extension Tensor {
    // MARK: public API

    /// 2-D max pooling (like `torch.nn.functional.max_pool2d`, without ceil mode or dilation).
    ///
    /// - Parameters:
    ///   - kernelSize: window `(height, width)`.
    ///   - stride: step between windows; defaults to `kernelSize`.
    ///   - padding: implicit `-inf` border on both sides, at most half the kernel.
    /// - Returns: `[N, C, oH, oW]` with `oH = (H + 2·pH − kH) / sH + 1`.
    ///
    /// Differentiable: the gradient of each window goes to its maximum (the first one in
    /// row-major order on ties).
    public func maxPool2d(kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) -> Tensor {
        let g = check { () throws(TensorError) in
            try Tensor.pool2dGeometry(op: "maxPool2d", input: shape, kernelSize: kernelSize, stride: stride, padding: padding)
        }
        return Tensor.maxPool(self, g, op: "maxPool2d")
    }

    /// ``maxPool2d(kernelSize:stride:padding:)`` with square windows.
    @_disfavoredOverload
    public func maxPool2d(kernelSize: Int, stride: Int? = nil, padding: Int = 0) -> Tensor {
        maxPool2d(kernelSize: (kernelSize, kernelSize), stride: stride.map { ($0, $0) }, padding: (padding, padding))
    }

    /// 2-D average pooling (like `torch.nn.functional.avg_pool2d`, without ceil mode).
    ///
    /// - Parameters:
    ///   - kernelSize: window `(height, width)`.
    ///   - stride: step between windows; defaults to `kernelSize`.
    ///   - padding: implicit zero border on both sides, at most half the kernel.
    ///   - countIncludePad: whether padded positions count in the divisor (`kH·kW`) or only
    ///     the positions inside the input do.
    /// - Returns: `[N, C, oH, oW]` with `oH = (H + 2·pH − kH) / sH + 1`. Differentiable.
    public func avgPool2d(kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                          countIncludePad: Bool = true) -> Tensor {
        let g = check { () throws(TensorError) in
            try Tensor.pool2dGeometry(op: "avgPool2d", input: shape, kernelSize: kernelSize, stride: stride, padding: padding)
        }
        return Tensor.avgPool(self, g, countIncludePad: countIncludePad, op: "avgPool2d")
    }

    /// ``avgPool2d(kernelSize:stride:padding:countIncludePad:)`` with square windows.
    @_disfavoredOverload
    public func avgPool2d(kernelSize: Int, stride: Int? = nil, padding: Int = 0, countIncludePad: Bool = true) -> Tensor {
        avgPool2d(kernelSize: (kernelSize, kernelSize), stride: stride.map { ($0, $0) }, padding: (padding, padding),
                  countIncludePad: countIncludePad)
    }

    /// 1-D max pooling on `[N, C, L]` (like `torch.nn.functional.max_pool1d`); `stride`
    /// defaults to `kernelSize`, padding acts as `-inf`. Returns `[N, C, oL]` with
    /// `oL = (L + 2·padding − kernelSize) / stride + 1`. Differentiable.
    public func maxPool1d(kernelSize: Int, stride: Int? = nil, padding: Int = 0) -> Tensor {
        let g = check { () throws(TensorError) in
            try Tensor.pool1dGeometry(op: "maxPool1d", input: shape, kernelSize: kernelSize, stride: stride, padding: padding)
        }
        return Tensor.maxPool(self, g, op: "maxPool1d")
    }

    /// 1-D average pooling on `[N, C, L]` (like `torch.nn.functional.avg_pool1d`); `stride`
    /// defaults to `kernelSize`. Returns `[N, C, oL]`. Differentiable.
    public func avgPool1d(kernelSize: Int, stride: Int? = nil, padding: Int = 0, countIncludePad: Bool = true) -> Tensor {
        let g = check { () throws(TensorError) in
            try Tensor.pool1dGeometry(op: "avgPool1d", input: shape, kernelSize: kernelSize, stride: stride, padding: padding)
        }
        return Tensor.avgPool(self, g, countIncludePad: countIncludePad, op: "avgPool1d")
    }

    /// The mean of each channel's `H × W` plane: `[N, C, H, W]` → `[N, C]`
    /// (`adaptive_avg_pool2d(x, 1)` flattened). Differentiable.
    public func globalAvgPool2d() -> Tensor {
        let g = check { () throws(TensorError) in try Tensor.globalAvgPool2dGeometry(input: shape) }
        let xd = isContiguous ? detached() : contiguousCopy()
        let planeSize = g.h * g.w
        let src = xd.storage.pointer + xd.offset
        var out = Tensor(shape: [g.n, g.c]) { dst, _ in
            let scale = 1 / Float(planeSize)
            parallelFor(g.planes, grain: Swift.max(1, 16384 / Swift.max(planeSize, 1))) { range in
                for pl in range {
                    let row = src + pl * planeSize
                    var s: Float = 0
                    for i in 0..<planeSize { s += row[i] }
                    dst[pl] = s * scale
                }
            }
        }
        out.recordUnary(self, op: "globalAvgPool2d") { gOut in
            let gd = gOut.isContiguous ? gOut : gOut.contiguousCopy()
            let gp = gd.storage.pointer + gd.offset
            return Tensor(shape: [g.n, g.c, g.h, g.w]) { dst, _ in
                let scale = 1 / Float(planeSize)
                parallelFor(g.planes, grain: Swift.max(1, 16384 / Swift.max(planeSize, 1))) { range in
                    for pl in range { (dst + pl * planeSize).update(repeating: gp[pl] * scale, count: planeSize) }
                }
            }
        }
        return out
    }

    // MARK: validation

    /// Checks the arguments of 2-D pooling `op` on an input of shape `input` and returns the
    /// window geometry; throws a ``TensorError`` naming `op` and the shapes otherwise.
    static func pool2dGeometry(op: String, input: [Int], kernelSize: (Int, Int), stride: (Int, Int)?,
                               padding: (Int, Int)) throws(TensorError) -> PoolGeometry {
        guard input.count == 4 else { throw TensorError(op, "input must be 4-D [N, C, H, W], got \(shapeString(input))") }
        return try poolGeometry(op: op, input: input, kernel: kernelSize, stride: stride ?? kernelSize, padding: padding,
                                oneD: false, shownInput: input)
    }

    /// Checks the arguments of 1-D pooling `op` on `[N, C, L]` and returns the geometry as a
    /// height-1 2-D window; throws a ``TensorError`` naming `op` otherwise.
    static func pool1dGeometry(op: String, input: [Int], kernelSize: Int, stride: Int?, padding: Int) throws(TensorError) -> PoolGeometry {
        guard input.count == 3 else { throw TensorError(op, "input must be 3-D [N, C, L], got \(shapeString(input))") }
        return try poolGeometry(op: op, input: [input[0], input[1], 1, input[2]], kernel: (1, kernelSize),
                                stride: (1, stride ?? kernelSize), padding: (0, padding), oneD: true, shownInput: input)
    }

    /// Checks the input of ``globalAvgPool2d()``.
    static func globalAvgPool2dGeometry(input: [Int]) throws(TensorError) -> PoolGeometry {
        let op = "globalAvgPool2d"
        guard input.count == 4 else { throw TensorError(op, "input must be 4-D [N, C, H, W], got \(shapeString(input))") }
        guard input[2] >= 1 && input[3] >= 1 else {
            throw TensorError(op, "input \(shapeString(input)) has an empty spatial plane")
        }
        return PoolGeometry(n: input[0], c: input[1], h: input[2], w: input[3], kH: input[2], kW: input[3],
                            sH: 1, sW: 1, pH: 0, pW: 0, oH: 1, oW: 1)
    }

    private static func poolGeometry(op: String, input: [Int], kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int),
                                      oneD: Bool, shownInput: [Int]) throws(TensorError) -> PoolGeometry {
        let xs = shapeString(shownInput)
        func pair(_ p: (Int, Int)) -> String { oneD ? "\(p.1)" : "(\(p.0), \(p.1))" }
        guard kernel.0 >= 1 && kernel.1 >= 1 else {
            throw TensorError(op, "kernel size must be positive, got \(pair(kernel)) (input \(xs))")
        }
        guard stride.0 >= 1 && stride.1 >= 1 else {
            throw TensorError(op, "stride must be positive, got \(pair(stride)) (input \(xs))")
        }
        guard padding.0 >= 0 && padding.1 >= 0 else {
            throw TensorError(op, "padding must be non-negative, got \(pair(padding)) (input \(xs))")
        }
        guard padding.0 <= kernel.0 / 2 && padding.1 <= kernel.1 / 2 else {
            throw TensorError(op, "padding \(pair(padding)) must be at most half the kernel size \(pair(kernel)) (input \(xs))")
        }
        guard input.allSatisfy({ $0 >= 0 }) else { throw TensorError(op, "input \(xs) has a negative size") }
        let paddedH = input[2] + 2 * padding.0, paddedW = input[3] + 2 * padding.1
        guard kernel.0 <= paddedH && kernel.1 <= paddedW else {
            let padded = oneD ? "\(paddedW)" : "\(paddedH)x\(paddedW)"
            throw TensorError(op, "kernel size \(pair(kernel)) is larger than the padded input \(padded) (input \(xs), padding \(pair(padding)))")
        }
        return PoolGeometry(n: input[0], c: input[1], h: input[2], w: input[3], kH: kernel.0, kW: kernel.1,
                            sH: stride.0, sW: stride.1, pH: padding.0, pW: padding.1,
                            oH: (paddedH - kernel.0) / stride.0 + 1, oW: (paddedW - kernel.1) / stride.1 + 1)
    }

    // MARK: kernels

    private static func poolGrain(_ g: PoolGeometry) -> Int {
        Swift.max(1, 16384 / Swift.max(g.oH * g.oW * g.kH * g.kW, 1))
    }

    /// Max pooling of a 4-D `x` with geometry `g`; keeps each window's argmax (flat index in
    /// its plane) for the backward pass when a gradient is needed.
    static func maxPool(_ x: Tensor, _ g: PoolGeometry, op: String) -> Tensor {
        let xd = x.isContiguous ? x.detached() : x.contiguousCopy()
        let src = xd.storage.pointer + xd.offset
        let needGrad = GradMode.isEnabled && x.requiresGrad
        let outPlane = g.oH * g.oW, inPlane = g.h * g.w
        let outCount = g.planes * outPlane
        // Int32 halves the memory of the saved indices; a plane never has 2^31 elements.
        let saved = needGrad ? PoolIndices(UnsafeMutablePointer<Int32>.allocate(capacity: Swift.max(outCount, 1))) : nil
        let indices = saved?.pointer
        var out = Tensor(shape: x.rank == 3 ? [g.n, g.c, g.oW] : [g.n, g.c, g.oH, g.oW]) { dst, _ in
            parallelFor(g.planes, grain: poolGrain(g)) { range in
                maxPoolPlanes(src, dst, indices, g, range)
            }
        }
        guard let saved else { return out }
        let inShape = x.shape
        out.recordUnary(x, op: op) { gOut in
            let gd = gOut.isContiguous ? gOut : gOut.contiguousCopy()
            let gp = gd.storage.pointer + gd.offset
            let idx = saved.pointer
            return Tensor(shape: inShape) { dst, _ in
                parallelFor(g.planes, grain: Swift.max(1, 16384 / Swift.max(inPlane + outPlane, 1))) { range in
                    for pl in range {
                        let d = dst + pl * inPlane
                        d.update(repeating: 0, count: inPlane)
                        let base = pl * outPlane
                        for o in base..<(base + outPlane) { d[Int(idx[o])] += gp[o] }
                    }
                }
            }
        }
        return out
    }

    /// Max pooling of planes `range`, writing values and (when `indices` is given) the flat
    /// in-plane index of each window's first maximum.
    private static func maxPoolPlanes(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>,
                                      _ indices: UnsafeMutablePointer<Int32>?, _ g: PoolGeometry, _ range: Range<Int>) {
        let (h, w, oH, oW) = (g.h, g.w, g.oH, g.oW)
        let (kH, kW, sH, sW, pH, pW) = (g.kH, g.kW, g.sH, g.sW, g.pH, g.pW)
        let inPlane = h * w, outPlane = oH * oW
        // `!(v <= best)` is `v > best || v.isNaN`: strict, so the first maximum wins on ties,
        // and NaN propagates like PyTorch.
        if kH == 2 && kW == 2 && sH == 2 && sW == 2 && pH == 0 && pW == 0 {
            // The usual 2x2 halving, with no bounds to clip: the C kernel when there is one.
            if CPUKernels.maxPool2x2(src + range.lowerBound * inPlane, dst + range.lowerBound * outPlane,
                                     indices: indices.map { $0 + range.lowerBound * outPlane }, planes: range.count,
                                     h: h, w: w, oH: oH, oW: oW) {
                return
            }
            for pl in range {
                let plane = src + pl * inPlane
                let out = dst + pl * outPlane, idx = indices.map { $0 + pl * outPlane }
                for oh in 0..<oH {
                    let r0 = plane + 2 * oh * w, r1 = r0 + w
                    let base = 2 * oh * w
                    for ow in 0..<oW {
                        let c = 2 * ow
                        var best = r0[c], bi = base + c
                        if !(r0[c + 1] <= best) { best = r0[c + 1]; bi = base + c + 1 }
                        if !(r1[c] <= best) { best = r1[c]; bi = base + w + c }
                        if !(r1[c + 1] <= best) { best = r1[c + 1]; bi = base + w + c + 1 }
                        out[oh * oW + ow] = best
                        idx?[oh * oW + ow] = Int32(truncatingIfNeeded: bi)
                    }
                }
            }
            return
        }
        // Windows one row high that tile the rows (the voice network's pools of 4): the C kernel.
        if kH == 1 && sH == 1 && pH == 0 && pW == 0 && kW == sW && oH == h,
           CPUKernels.maxPoolRows(src + range.lowerBound * inPlane, dst + range.lowerBound * outPlane,
                                  indices: indices.map { $0 + range.lowerBound * outPlane }, rows: range.count * h,
                                  h: h, w: w, oW: oW, k: kW) {
            return
        }
        for pl in range {
            let plane = src + pl * inPlane
            var o = pl * outPlane
            for oh in 0..<oH {
                let h0 = oh * sH - pH
                let hs = Swift.max(h0, 0), he = Swift.min(h0 + kH, h)
                for ow in 0..<oW {
                    let w0 = ow * sW - pW
                    let ws = Swift.max(w0, 0), we = Swift.min(w0 + kW, w)
                    // Padding never covers a whole window (pad <= kernel / 2), so the window
                    // has at least one element.
                    var best = -Float.infinity, bestIndex = hs * w + ws
                    var r = hs
                    while r < he {
                        let row = plane + r * w
                        var c = ws
                        while c < we {
                            let v = row[c]
                            if !(v <= best) { best = v; bestIndex = r * w + c }
                            c += 1
                        }
                        r += 1
                    }
                    dst[o] = best
                    indices?[o] = Int32(truncatingIfNeeded: bestIndex)
                    o += 1
                }
            }
        }
    }

    /// Average pooling of a 4-D (or 3-D viewed as height 1) `x` with geometry `g`.
    static func avgPool(_ x: Tensor, _ g: PoolGeometry, countIncludePad: Bool, op: String) -> Tensor {
        let xd = x.isContiguous ? x.detached() : x.contiguousCopy()
        let src = xd.storage.pointer + xd.offset
        let outPlane = g.oH * g.oW, inPlane = g.h * g.w
        /// The window of output `(oh, ow)` clipped to the input, and its divisor.
        @inline(__always) func window(_ oh: Int, _ ow: Int) -> (Int, Int, Int, Int, Float) {
            let h0 = oh * g.sH - g.pH, w0 = ow * g.sW - g.pW
            let hs = Swift.max(h0, 0), he = Swift.min(h0 + g.kH, g.h)
            let ws = Swift.max(w0, 0), we = Swift.min(w0 + g.kW, g.w)
            let count = countIncludePad ? g.kH * g.kW : (he - hs) * (we - ws)
            return (hs, he, ws, we, 1 / Float(count))
        }
        var out = Tensor(shape: x.rank == 3 ? [g.n, g.c, g.oW] : [g.n, g.c, g.oH, g.oW]) { dst, _ in
            parallelFor(g.planes, grain: poolGrain(g)) { range in
                for pl in range {
                    let plane = src + pl * inPlane
                    var o = pl * outPlane
                    for oh in 0..<g.oH {
                        for ow in 0..<g.oW {
                            let (hs, he, ws, we, scale) = window(oh, ow)
                            var s: Float = 0
                            for h in hs..<he {
                                let row = plane + h * g.w
                                for w in ws..<we { s += row[w] }
                            }
                            dst[o] = s * scale
                            o += 1
                        }
                    }
                }
            }
        }
        let inShape = x.shape
        out.recordUnary(x, op: op) { gOut in
            let gd = gOut.isContiguous ? gOut : gOut.contiguousCopy()
            let gp = gd.storage.pointer + gd.offset
            return Tensor(shape: inShape) { dst, _ in
                parallelFor(g.planes, grain: poolGrain(g)) { range in
                    for pl in range {
                        let d = dst + pl * inPlane
                        d.update(repeating: 0, count: inPlane)
                        var o = pl * outPlane
                        for oh in 0..<g.oH {
                            for ow in 0..<g.oW {
                                let (hs, he, ws, we, scale) = window(oh, ow)
                                let v = gp[o] * scale
                                for h in hs..<he {
                                    let row = d + h * g.w
                                    for w in ws..<we { row[w] += v }
                                }
                                o += 1
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}

/// Owns the argmax indices saved by a max-pooling forward pass until its backward closure
/// is released.
private final class PoolIndices: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Int32>
    init(_ pointer: UnsafeMutablePointer<Int32>) { self.pointer = pointer }
    deinit { pointer.deallocate() }
}
