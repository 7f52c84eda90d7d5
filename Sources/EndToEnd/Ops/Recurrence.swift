import EndToEndKernels

/// A whole LSTM layer over a sequence as one differentiable op.
///
/// Why one op rather than per-step tensor ops: per step the composed version records about
/// sixteen graph nodes, allocates as many small tensors and accumulates a weight gradient
/// with a thin GEMM (k = batch). Here the input projection of every step is one GEMM, each
/// step runs one recurrent GEMM and a fused, vectorized gate loop, and the backward pass
/// computes the three weight-sized gradients with one GEMM each over all steps
/// (k = steps × batch), which is how cuDNN and PyTorch lay out the work.
extension Tensor {
    /// Runs an LSTM layer (PyTorch's gate order i, f, g, o) over `input` and returns the
    /// output sequence (every step's hidden state, in the input's layout) and the final
    /// hidden and cell states `[B, H]`.
    ///
    /// - Parameters:
    ///   - input: `[T, B, F]`, or `[B, T, F]` when `batchFirst`.
    ///   - weightIH: `[4H, F]`; `weightHH`: `[4H, H]`; `biasIH`, `biasHH`: `[4H]` or `nil`.
    ///   - h0, c0: initial states `[B, H]`; `nil` is zeros.
    ///
    /// `c' = σ(f)·c + σ(i)·tanh(g)`, `h' = σ(o)·tanh(c')` with
    /// `[i f g o] = W_ih·x + b_ih + W_hh·h + b_hh`. Differentiable with respect to every
    /// tensor argument.
    public static func lstm(_ input: Tensor, weightIH: Tensor, weightHH: Tensor, biasIH: Tensor?, biasHH: Tensor?,
                            h0: Tensor? = nil, c0: Tensor? = nil, batchFirst: Bool = false) -> (output: Tensor, h: Tensor, c: Tensor) {
        if let error = lstmShapeError(input, weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH,
                                      h0: h0, c0: c0, batchFirst: batchFirst) { fail(error) }
        let T = batchFirst ? input.shape[1] : input.shape[0]
        let B = batchFirst ? input.shape[0] : input.shape[1]
        let F = input.shape[2], H = weightHH.shape[1]
        let layout = LSTMLayout(T: T, B: B, F: F, H: H, batchFirst: batchFirst)
        // Time-major internally: each step's rows are one dense block, never rows a
        // power-of-two apart (which thrashes cache sets in the GEMM packing routines).
        let x = batchFirst ? input.transposed(0, 1).contiguousCopy() : input.contiguousCopyIfNeeded()
        let wih = weightIH.contiguousCopyIfNeeded(), whh = weightHH.contiguousCopyIfNeeded()
        let h0c = h0?.contiguousCopyIfNeeded(), c0c = c0?.contiguousCopyIfNeeded()
        let saved = LSTMForward.run(layout, x: x, wih: wih, whh: whh,
                                    bias: [biasIH, biasHH].compactMap { $0?.contiguousCopyIfNeeded() }, h0: h0c, c0: c0c)

        // One tensor holds the output sequence followed by the final cell state, so that
        // the single tape node receives both gradients; the results are views into it.
        var combined = saved.combined
        var inputs: [Tensor] = [input, weightIH, weightHH]
        let biasIndex = inputs.count
        for b in [biasIH, biasHH] { if let b { inputs.append(b) } }
        let h0Index = h0 != nil ? inputs.count : -1
        if let h0 { inputs.append(h0) }
        let c0Index = c0 != nil ? inputs.count : -1
        if let c0 { inputs.append(c0) }
        let biasCount = [biasIH, biasHH].compactMap { $0 }.count
        let need = inputs.map(\.requiresGrad)
        combined.record(op: "lstm", inputs: inputs) { g in
            let grads = LSTMBackward.run(layout, saved: saved, x: x, wih: wih, whh: whh, h0: h0c, c0: c0c, gradient: g,
                                         needInput: need[0], needH0: h0Index >= 0 && need[h0Index])
            var out = [Tensor?](repeating: nil, count: need.count)
            out[0] = need[0] ? grads.input : nil
            out[1] = need[1] ? grads.weightIH : nil
            out[2] = need[2] ? grads.weightHH : nil
            for k in 0..<biasCount where need[biasIndex + k] { out[biasIndex + k] = grads.bias }
            if h0Index >= 0 && need[h0Index] { out[h0Index] = grads.h0 }
            if c0Index >= 0 && need[c0Index] { out[c0Index] = grads.c0 }
            return out
        }
        let n = T * B * H
        let output = combined.sliced(axis: 0, 0..<n).reshaped(batchFirst ? [B, T, H] : [T, B, H])
        let c = combined.sliced(axis: 0, n..<(n + B * H)).reshaped([B, H])
        let h = output.selecting(axis: batchFirst ? 1 : 0, T - 1)
        return (output, h, c)
    }

    /// Why ``lstm(_:weightIH:weightHH:biasIH:biasHH:h0:c0:batchFirst:)`` would refuse these
    /// arguments, or `nil` if their shapes fit together.
    public static func lstmShapeError(_ input: Tensor, weightIH: Tensor, weightHH: Tensor, biasIH: Tensor?, biasHH: Tensor?,
                                      h0: Tensor?, c0: Tensor?, batchFirst: Bool) -> TensorError? {
        guard input.rank == 3 else {
            return TensorError("lstm", "input must be [T, B, F] (or [B, T, F] with batchFirst), got \(shapeString(input.shape))")
        }
        let T = batchFirst ? input.shape[1] : input.shape[0]
        let B = batchFirst ? input.shape[0] : input.shape[1]
        let F = input.shape[2]
        let G = weightIH.shape.first ?? 0, H = G / 4
        guard weightIH.shape == [G, F], G > 0, G % 4 == 0 else {
            return TensorError("lstm", "weightIH must be [4H, \(F)] for input features \(F), got \(shapeString(weightIH.shape))")
        }
        guard weightHH.shape == [G, H] else {
            return TensorError("lstm", "weightHH must be [\(G), \(H)], got \(shapeString(weightHH.shape))")
        }
        for (name, b) in [("biasIH", biasIH), ("biasHH", biasHH)] {
            if let b, b.shape != [G] { return TensorError("lstm", "\(name) must be [\(G)], got \(shapeString(b.shape))") }
        }
        for (name, s) in [("h0", h0), ("c0", c0)] {
            if let s, s.shape != [B, H] { return TensorError("lstm", "\(name) must be [\(B), \(H)], got \(shapeString(s.shape))") }
        }
        guard T > 0, B > 0 else {
            return TensorError("lstm", "input of shape \(shapeString(input.shape)) has no time steps or an empty batch")
        }
        return nil
    }

    /// `self` if dense from offset 0 of its own storage shape, else a dense copy; no autodiff.
    func contiguousCopyIfNeeded() -> Tensor {
        isContiguous ? detached() : contiguousCopy()
    }
}

/// Sizes of one LSTM call. Internally rows are time-major, row `t·B + b`; with
/// `batchFirst` the caller's tensors are `[B, T, ·]` and are transposed on the way in and out.
struct LSTMLayout {
    let T: Int, B: Int, F: Int, H: Int
    let batchFirst: Bool
    var rows: Int { T * B }
    var G: Int { 4 * H }
    /// Enough batch rows per parallel chunk that a thread gets a few thousand elements.
    var grain: Int { Swift.max(1, 2048 / Swift.max(H, 1)) }

    /// Runs `body(j0, j1)` over slices of the hidden units `0 ..< H`, whole panels of the packed
    /// kernels each, split over the threads: one fork and join per time step, in which a thread
    /// computes its units' gates and consumes them in its own cache. Splitting the product by
    /// panels and then the cell by batch rows took two, and moved every gate row between cores.
    func slices(_ body: (Int, Int) -> Void) {
        let nr = PackedMatrix.panelWidth, units = H / nr
        // About 2^18 multiply-adds per slice pay for a dispatch, as in the packed products.
        parallelFor(units, grain: Swift.max(1, (1 << 18) / Swift.max(1, B * H * 4 * nr))) { range in
            body(range.lowerBound * nr, range.upperBound * nr)
        }
    }

    /// Copies `[T, B, w]` time-major rows to the caller's `[B, T, w]`.
    func toBatchFirst(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, width w: Int) {
        for t in 0..<T {
            for b in 0..<B { (dst + (b * T + t) * w).update(from: src + (t * B + b) * w, count: w) }
        }
    }
}

/// What the forward pass keeps for backward.
struct LSTMSaved: @unchecked Sendable {
    /// Output sequence in the caller's layout, then the final cell state `[B, H]`, flat.
    let combined: Tensor
    /// Hidden states, time-major `[T·B, H]` (shares `combined` when not batch-first).
    let hidden: Tensor
    /// Gate activations `σ(i), σ(f), tanh(g), σ(o)`, `[T·B, 4H]`.
    let gates: Tensor
    /// Cell states `[T·B, H]` and their tanh.
    let cells: Tensor
    let tanhCells: Tensor
}

@inline(__always) private func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}
@inline(__always) private func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

enum LSTMForward {
    static func run(_ L: LSTMLayout, x: Tensor, wih: Tensor, whh: Tensor, bias: [Tensor], h0: Tensor?, c0: Tensor?) -> LSTMSaved {
        let (T, B, F, H, G) = (L.T, L.B, L.F, L.H, L.G)
        let gates = Tensor(shape: [L.rows, G]) { _, _ in }
        let cells = Tensor(shape: [L.rows, H]) { _, _ in }
        let tanhCells = Tensor(shape: [L.rows, H]) { _, _ in }
        let combined = Tensor(shape: [L.rows * H + B * H]) { _, _ in }
        let hidden = L.batchFirst ? Tensor(shape: [L.rows, H]) { _, _ in } : combined
        let pg = gates.storage.pointer, pc = cells.storage.pointer, ptc = tanhCells.storage.pointer
        let hs = hidden.storage.pointer
        let cell = CPUKernels.LSTMCell.current
        // The biases summed once. The C cell adds them to the gates as it activates them; the
        // Swift path copies them into every row first, and the input projection adds to that
        // (a pass over the whole [T·B, 4H] gate buffer, 1.5 % of the LSTM benchmark).
        let biasSum: Tensor? = bias.isEmpty ? nil : Tensor(shape: [G]) { p, _ in
            p.update(from: bias[0].storage.pointer + bias[0].offset, count: G)
            for extra in bias.dropFirst() {
                let e = extra.storage.pointer + extra.offset
                for j in 0..<G { p[j] += e[j] }
            }
        }
        let pbias = biasSum.map { UnsafePointer($0.storage.pointer) }
        let rowsHoldBias = pbias != nil && cell == nil
        if rowsHoldBias, let pbias {
            parallelFor(L.rows, grain: Swift.max(1, (1 << 16) / G)) { range in
                for r in range { (pg + r * G).update(from: pbias, count: G) }
            }
        }
        // All steps' input projections at once: x [T·B, F] · W_ihᵀ. The packed kernel beats
        // the BLAS on this tall, thin-K shape (F is the embedding width).
        if let packedWih = PackedMatrix(k: F, n: G, b: wih.storage.pointer + wih.offset, ldb: F, transposed: true) {
            packedWih.multiply(m: L.rows, a: x.storage.pointer + x.offset, lda: F, c: pg, ldc: G, accumulate: rowsHoldBias)
        } else {
            sgemm(transA: false, transB: true, m: L.rows, n: G, k: F, alpha: 1, a: x.storage.pointer + x.offset, lda: F,
                  b: wih.storage.pointer + wih.offset, ldb: F, beta: rowsHoldBias ? 1 : 0, c: pg, ldc: G)
        }
        let pwhh = whh.storage.pointer + whh.offset
        let ph0 = h0.map { UnsafePointer($0.storage.pointer + $0.offset) }
        let zero = Tensor(shape: [B * H]) { p, n in p.initialize(repeating: 0, count: n) }
        let pc0 = UnsafePointer(c0.map { $0.storage.pointer + $0.offset } ?? zero.storage.pointer)
        // W_hhᵀ packed once for the T small products (a BLAS would re-pack it every step).
        let packedWhh = T > 1 || ph0 != nil ? PackedMatrix(k: H, n: G, b: pwhh, ldb: H, transposed: true) : nil
        let out = combined.storage.pointer
        // Whole panels of hidden units: each thread's step is its units' four gate slices of the
        // product and then their cells (see `LSTMLayout.slices`).
        let fused = cell != nil && (packedWhh != nil || T == 1 && ph0 == nil) && H % PackedMatrix.panelWidth == 0
        for t in 0..<T {
            let g0 = pg + t * B * G
            // Recurrent term: gates_t += h_{t-1} · W_hhᵀ (nothing at t = 0 from a zero state).
            let hPrev: UnsafePointer<Float>? = t > 0 ? UnsafePointer(hs + (t - 1) * B * H) : ph0
            let cPrev0 = t > 0 ? UnsafePointer(pc + (t - 1) * B * H) : pc0
            if fused, let cell {
                L.slices { j0, j1 in
                    if let hPrev, let packedWhh {
                        let nr = PackedMatrix.panelWidth
                        for gate in 0..<4 {
                            packedWhh.multiply(m: B, a: hPrev, lda: H, c: g0, ldc: G, accumulate: true,
                                               panels: (gate * H + j0) / nr..<(gate * H + j1) / nr)
                        }
                    }
                    for b in 0..<B {
                        let r = t * B + b, o = r * H + j0
                        cell.forward(gates: pg + r * G + j0, bias: pbias.map { $0 + j0 }, cPrev: cPrev0 + b * H + j0, c: pc + o,
                                     tanhC: ptc + o, h: hs + o, hidden: H, count: j1 - j0)
                        // Batch-first output written while the row is in cache (a separate pass
                        // over the whole sequence afterwards was 1-2 % of the benchmark).
                        if L.batchFirst { (out + (b * T + t) * H + j0).update(from: hs + o, count: j1 - j0) }
                    }
                }
                continue
            }
            if let hPrev {
                if let packedWhh {
                    packedWhh.multiply(m: B, a: hPrev, lda: H, c: g0, ldc: G, accumulate: true)
                } else {
                    sgemm(transA: false, transB: true, m: B, n: G, k: H, alpha: 1, a: hPrev, lda: H,
                          b: pwhh, ldb: H, beta: 1, c: g0, ldc: G)
                }
            }
            parallelFor(B, grain: L.grain) { range in
                for b in range {
                    let r = t * B + b
                    let a = pg + r * G
                    if let cell {
                        cell.forward(gates: a, bias: pbias, cPrev: cPrev0 + b * H, c: pc + r * H, tanhC: ptc + r * H,
                                     h: hs + r * H, hidden: H, count: H)
                        continue
                    }
                    VectorMath.sigmoid(a, a, count: 2 * H)
                    VectorMath.tanh(a + 2 * H, a + 2 * H, count: H)
                    VectorMath.sigmoid(a + 3 * H, a + 3 * H, count: H)
                    let i = a, f = a + H, g = a + 2 * H, o = a + 3 * H
                    let c = pc + r * H, cPrev = cPrev0 + b * H
                    var j = 0
                    while j + 8 <= H {
                        store8(load8(f + j) * load8(cPrev + j) + load8(i + j) * load8(g + j), c + j)
                        j += 8
                    }
                    while j < H { c[j] = f[j] * cPrev[j] + i[j] * g[j]; j += 1 }
                    let tc = ptc + r * H, h = hs + r * H
                    VectorMath.tanh(c, tc, count: H)
                    j = 0
                    while j + 8 <= H { store8(load8(o + j) * load8(tc + j), h + j); j += 8 }
                    while j < H { h[j] = o[j] * tc[j]; j += 1 }
                }
            }
        }
        if L.batchFirst && !fused { L.toBatchFirst(hs, out, width: H) }
        // Final cell state after the sequence.
        (out + L.rows * H).update(from: pc + (T - 1) * B * H, count: B * H)
        withExtendedLifetime(biasSum) {}
        return LSTMSaved(combined: combined, hidden: hidden, gates: gates, cells: cells, tanhCells: tanhCells)
    }
}

enum LSTMBackward {
    struct Gradients {
        let input: Tensor?
        let weightIH: Tensor
        let weightHH: Tensor
        let bias: Tensor
        let h0: Tensor?
        let c0: Tensor
    }

    static func run(_ L: LSTMLayout, saved: LSTMSaved, x: Tensor, wih: Tensor, whh: Tensor, h0: Tensor?, c0: Tensor?,
                    gradient: Tensor, needInput: Bool, needH0: Bool) -> Gradients {
        let (T, B, F, H, G) = (L.T, L.B, L.F, L.H, L.G)
        let rows = L.rows
        let gy = gradient.contiguousCopyIfNeeded()
        let pgyCaller = UnsafePointer(gy.storage.pointer + gy.offset)
        // The output gradient's row for step t, batch row b, read in the caller's layout (a
        // time-major copy of it was 1 % of the benchmark).
        @inline(__always) func gyRow(_ t: Int, _ b: Int) -> UnsafePointer<Float> {
            pgyCaller + (L.batchFirst ? b * T + t : t * B + b) * H
        }
        let pa = saved.gates.storage.pointer, pc = saved.cells.storage.pointer, ptc = saved.tanhCells.storage.pointer
        let hs = saved.hidden.storage.pointer
        let zero = Tensor(shape: [B * H]) { p, n in p.initialize(repeating: 0, count: n) }
        let pc0 = UnsafePointer(c0.map { $0.storage.pointer + $0.offset } ?? zero.storage.pointer)
        let pwhh = whh.storage.pointer + whh.offset
        // Pre-activation gate gradients of every step, [rows, 4H].
        let dGates = Tensor(shape: [rows, G]) { _, _ in }
        let pdg = dGates.storage.pointer
        // dh carried to the previous step (from the recurrent product) and dc carried back.
        let dh = Tensor(shape: [B, H]) { p, n in p.initialize(repeating: 0, count: n) }
        let dc = Tensor(shape: [B, H]) { p, n in p.update(from: pgyCaller + rows * H, count: n) }
        let pdh = dh.storage.pointer, pdc = dc.storage.pointer
        let packedWhh = T > 1 || needH0 ? PackedMatrix(k: G, n: H, b: pwhh, ldb: H, transposed: false) : nil
        let cell = CPUKernels.LSTMCell.current
        // As in the forward: each thread its hidden units' columns of dh_t = dGates_{t+1} · W_hh
        // and then their cells, which read only those columns.
        let fused = cell != nil && (packedWhh != nil || T == 1) && H % PackedMatrix.panelWidth == 0
        for t in stride(from: T - 1, through: 0, by: -1) {
            let cPrev0 = t > 0 ? UnsafePointer(pc + (t - 1) * B * H) : pc0
            if fused, let cell {
                L.slices { j0, j1 in
                    if t < T - 1, let packedWhh {
                        let nr = PackedMatrix.panelWidth
                        packedWhh.multiply(m: B, a: pdg + (t + 1) * B * G, lda: G, c: pdh, ldc: H, accumulate: false,
                                           panels: j0 / nr..<j1 / nr)
                    }
                    for b in 0..<B {
                        let r = t * B + b, o = b * H + j0
                        cell.backward(gates: pa + r * G + j0, tanhC: ptc + r * H + j0, outputGradient: gyRow(t, b) + j0,
                                      hiddenGradient: pdh + o, cPrev: cPrev0 + o, cellGradient: pdc + o,
                                      gateGradients: pdg + r * G + j0, hidden: H, count: j1 - j0)
                    }
                }
                if t == 0 && needH0, let packedWhh {
                    packedWhh.multiply(m: B, a: pdg, lda: G, c: pdh, ldc: H, accumulate: false)
                }
                continue
            }
            parallelFor(B, grain: L.grain) { range in
                for b in range {
                    let r = t * B + b
                    let a = pa + r * G, d = pdg + r * G
                    let tc = ptc + r * H, gyr = gyRow(t, b), cPrev = cPrev0 + b * H
                    let dhb = pdh + b * H, dcb = pdc + b * H
                    if let cell {
                        cell.backward(gates: a, tanhC: tc, outputGradient: gyr, hiddenGradient: dhb, cPrev: cPrev,
                                      cellGradient: dcb, gateGradients: d, hidden: H, count: H)
                        continue
                    }
                    var j = 0
                    while j + 8 <= H {
                        let dhj = load8(gyr + j) + load8(dhb + j)
                        let tcj = load8(tc + j), oj = load8(a + 3 * H + j), ij = load8(a + j), fj = load8(a + H + j), gj = load8(a + 2 * H + j)
                        let dcj = dhj * oj * (1 - tcj * tcj) + load8(dcb + j)
                        store8(dcj * gj * ij * (1 - ij), d + j)
                        store8(dcj * load8(cPrev + j) * fj * (1 - fj), d + H + j)
                        store8(dcj * ij * (1 - gj * gj), d + 2 * H + j)
                        store8(dhj * tcj * oj * (1 - oj), d + 3 * H + j)
                        store8(dcj * fj, dcb + j)
                        j += 8
                    }
                    while j < H {
                        let dhj = gyr[j] + dhb[j]
                        let tcj = tc[j], oj = a[3 * H + j], ij = a[j], fj = a[H + j], gj = a[2 * H + j]
                        let dcj = dhj * oj * (1 - tcj * tcj) + dcb[j]
                        d[j] = dcj * gj * ij * (1 - ij)
                        d[H + j] = dcj * cPrev[j] * fj * (1 - fj)
                        d[2 * H + j] = dcj * ij * (1 - gj * gj)
                        d[3 * H + j] = dhj * tcj * oj * (1 - oj)
                        dcb[j] = dcj * fj
                        j += 1
                    }
                }
            }
            // dh_{t-1} = dGates_t · W_hh (at t = 0 only when h0 needs a gradient).
            if t > 0 || needH0 {
                if let packedWhh {
                    packedWhh.multiply(m: B, a: pdg + t * B * G, lda: G, c: pdh, ldc: H, accumulate: false)
                } else {
                    sgemm(transA: false, transB: false, m: B, n: H, k: G, alpha: 1, a: pdg + t * B * G, lda: G,
                          b: pwhh, ldb: H, beta: 0, c: pdh, ldc: H)
                }
            }
        }
        // Weight gradients over all steps at once: [dW_hh | dW_ih] = dGatesᵀ · [h_{t−1} | x_t] over
        // the T·B time-major rows (h_{−1} = h0, or zeros) as one product, which copies the
        // transposed dGates into the kernel's order once; as two products the narrow dW_ih
        // (F columns) ran at two thirds of dW_hh's speed, mostly that copy (the benchmark, Intel
        // Xeon: 8.6 + 3.2 ms per step as two products, 9.9 as one).
        let dWhh: Tensor, dWih: Tensor
        let nr = PackedMatrix.panelWidth
        let pxs = UnsafePointer(x.storage.pointer + x.offset)
        let pieces = [
            PackedMatrix.Piece(rows: 0..<B, columns: 0..<H, b: h0.map { UnsafePointer($0.storage.pointer + $0.offset) }, ldb: H),
            PackedMatrix.Piece(rows: B..<rows, columns: 0..<H, b: UnsafePointer(hs), ldb: H),
            PackedMatrix.Piece(rows: 0..<rows, columns: H..<(H + F), b: pxs, ldb: F),
        ]
        if H % nr == 0, let packedHX = PackedMatrix(k: rows, n: H + F, pieces: pieces) {
            let both = Tensor(shape: [G, H + F]) { p, _ in
                packedHX.multiply(m: G, a: pdg, lda: G, transposedA: true, c: p, ldc: H + F, accumulate: false)
            }
            let pb = UnsafePointer(both.storage.pointer)
            dWhh = Tensor(shape: [G, H]) { p, _ in
                for j in 0..<G { (p + j * H).update(from: pb + j * (H + F), count: H) }
            }
            dWih = Tensor(shape: [G, F]) { p, _ in
                for j in 0..<G { (p + j * F).update(from: pb + j * (H + F) + H, count: F) }
            }
        } else {
            // Otherwise as two products. Time-major rows make the previous hidden
            // state of steps 1..<T one dense block: hidden rows 0..<(T-1)·B.
            dWhh = Tensor(shape: [G, H]) { p, n in
                if T > 1 {
                    // dGatesᵀ · h over (T − 1)·B rows: the packed kernel with h packed (a copy of a
                    // few MiB) runs this long-K product faster than the BLAS's transposed path.
                    if let packedH = PackedMatrix(k: (T - 1) * B, n: H, b: hs, ldb: H, transposed: false) {
                        packedH.multiply(m: G, a: pdg + B * G, lda: G, transposedA: true, c: p, ldc: H, accumulate: false)
                    } else {
                        sgemm(transA: true, transB: false, m: G, n: H, k: (T - 1) * B, alpha: 1, a: pdg + B * G, lda: G,
                              b: hs, ldb: H, beta: 0, c: p, ldc: H)
                    }
                } else {
                    p.initialize(repeating: 0, count: n)
                }
                if let h0 {
                    sgemm(transA: true, transB: false, m: G, n: H, k: B, alpha: 1, a: pdg, lda: G,
                          b: h0.storage.pointer + h0.offset, ldb: H, beta: 1, c: p, ldc: H)
                }
            }
            dWih = Tensor(shape: [G, F]) { p, _ in
                if let packedX = PackedMatrix(k: rows, n: F, b: x.storage.pointer + x.offset, ldb: F, transposed: false) {
                    packedX.multiply(m: G, a: pdg, lda: G, transposedA: true, c: p, ldc: F, accumulate: false)
                } else {
                    sgemm(transA: true, transB: false, m: G, n: F, k: rows, alpha: 1, a: pdg, lda: G,
                          b: x.storage.pointer + x.offset, ldb: F, beta: 0, c: p, ldc: F)
                }
            }
        }
        // Column sums of the gate gradients, row by row (as a product with a row of ones the
        // BLAS copied all of dGates into its packed order first: 2.7 % of the benchmark).
        let dBias = Tensor(shape: [G]) { p, _ in ColumnSums.sum(pdg, rows: rows, columns: G, into: p) }
        var dx: Tensor? = nil
        if needInput {
            let dxTime = Tensor(shape: [rows, F]) { p, _ in
                // dGates [T·B, 4H] · W_ih: a narrow product the packed kernel runs faster.
                if let packedWih = PackedMatrix(k: G, n: F, b: wih.storage.pointer + wih.offset, ldb: F, transposed: false) {
                    packedWih.multiply(m: rows, a: pdg, lda: G, c: p, ldc: F, accumulate: false)
                } else {
                    sgemm(transA: false, transB: false, m: rows, n: F, k: G, alpha: 1, a: pdg, lda: G,
                          b: wih.storage.pointer + wih.offset, ldb: F, beta: 0, c: p, ldc: F)
                }
            }
            if L.batchFirst {
                dx = Tensor(shape: [B, T, F]) { p, _ in L.toBatchFirst(dxTime.storage.pointer, p, width: F) }
            } else {
                dx = dxTime.reshaped([T, B, F])
            }
        }
        // The loops above read these through raw pointers only.
        withExtendedLifetime((gy, dGates)) {}
        return Gradients(input: dx, weightIH: dWih, weightHH: dWhh, bias: dBias, h0: needH0 ? dh : nil, c0: dc)
    }
}
