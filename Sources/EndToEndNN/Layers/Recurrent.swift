import EndToEnd

/// Why a recurrent layer refuses an input or initial state.
public struct RecurrentError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The shared machinery of ``RNN``, ``LSTM`` and ``GRU``: PyTorch's parameter layout and
/// names (`weight_ih_l0 [G·H, in]`, `weight_hh_l0 [G·H, H]`, `bias_ih_l0`, `bias_hh_l0`,
/// then `_l1`… for stacked layers), input layout and unrolled computation.
///
/// The loop is built from differentiable tensor ops, so the autodiff tape handles the
/// backward pass. Per step it runs one GEMM `[xₜ, h]·[W_ih, W_hh]ᵀ` and reads the gates
/// from the one `[B, G·H]` result through views (GRU keeps the two products apart, since
/// `r` multiplies only the hidden part of `n`). The input projection is deliberately not
/// precomputed for all steps with one GEMM: the gradient of a view is a zero-filled
/// tensor of its parent's size, so per-step views of a `[T, B, G·H]` projection cost
/// O(T log T) full-size copies in backward even when taken by halving (measured on the
/// char-LSTM benchmark: backward ≈100 ms against ≈75 ms for the per-step product).
/// The per-step inputs are views of the much smaller input sequence, taken by recursive
/// halving; layers above the first read the per-step outputs of the layer below
/// directly, and the output sequence is joined with one `Tensor.stack`.
public class RecurrentLayer: Module, @unchecked Sendable {
    /// The cell computed at each step.
    public enum Cell: Sendable, Equatable {
        case rnnTanh, rnnReLU, lstm, gru
        /// Number of gate blocks stacked in the weights (G).
        public var gateCount: Int {
            switch self {
            case .rnnTanh, .rnnReLU: 1
            case .lstm: 4
            case .gru: 3
            }
        }
    }

    /// The parameters of one stacked layer, in PyTorch's shapes.
    public final class LayerParameters: @unchecked Sendable {
        /// `[G·H, inputSize]` for the first layer, `[G·H, H]` above.
        public let weightIH: Parameter
        /// `[G·H, H]`.
        public let weightHH: Parameter
        /// `[G·H]`, if the layer has biases.
        public let biasIH: Parameter?
        /// `[G·H]`, if the layer has biases.
        public let biasHH: Parameter?

        init(weightIH: Parameter, weightHH: Parameter, biasIH: Parameter?, biasHH: Parameter?) {
            self.weightIH = weightIH; self.weightHH = weightHH; self.biasIH = biasIH; self.biasHH = biasHH
        }
    }

    public let cell: Cell
    public let inputSize: Int
    public let hiddenSize: Int
    public let numLayers: Int
    public let hasBias: Bool
    /// `[B, T, F]` inputs and outputs when true, `[T, B, F]` when false (the default).
    public let batchFirst: Bool
    /// Dropout probability on the outputs of every layer but the last, in training mode.
    public let dropout: Float
    /// Per-layer parameters, bottom layer first.
    public let layers: [LayerParameters]

    init(cell: Cell, inputSize: Int, hiddenSize: Int, numLayers: Int, bias: Bool, batchFirst: Bool, dropout: Float) {
        let name = "\(cell)"
        precondition(inputSize > 0 && hiddenSize > 0, "\(name): inputSize and hiddenSize must be positive, got \(inputSize) and \(hiddenSize)")
        precondition(numLayers > 0, "\(name): numLayers must be positive, got \(numLayers)")
        precondition(dropout >= 0 && dropout < 1, "\(name): dropout must be in [0, 1), got \(dropout)")
        self.cell = cell; self.inputSize = inputSize; self.hiddenSize = hiddenSize; self.numLayers = numLayers
        self.hasBias = bias; self.batchFirst = batchFirst; self.dropout = dropout
        // PyTorch's default: every weight and bias uniform in ±1/√hiddenSize.
        let bound = 1 / Float(hiddenSize).squareRoot()
        let gh = cell.gateCount * hiddenSize
        layers = (0..<numLayers).map { l in
            LayerParameters(
                weightIH: Parameter(Initializer.uniform([gh, l == 0 ? inputSize : hiddenSize], bound: bound)),
                weightHH: Parameter(Initializer.uniform([gh, hiddenSize], bound: bound)),
                biasIH: bias ? Parameter(Initializer.uniform([gh], bound: bound)) : nil,
                biasHH: bias ? Parameter(Initializer.uniform([gh], bound: bound)) : nil)
        }
        super.init()
    }

    /// PyTorch's names: `weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, weight_ih_l1, …`.
    public override func namedOwnParameters() -> [(String, Parameter)] {
        var out: [(String, Parameter)] = []
        for (l, p) in layers.enumerated() {
            out.append(("weight_ih_l\(l)", p.weightIH))
            out.append(("weight_hh_l\(l)", p.weightHH))
            if let b = p.biasIH { out.append(("bias_ih_l\(l)", b)) }
            if let b = p.biasHH { out.append(("bias_hh_l\(l)", b)) }
        }
        return out
    }

    public override var summary: String {
        let kind: String
        switch cell {
        case .rnnTanh, .rnnReLU: kind = "RNN"
        case .lstm: kind = "LSTM"
        case .gru: kind = "GRU"
        }
        var opts = cell == .rnnReLU ? ", relu" : ""
        if numLayers > 1 { opts += ", layers: \(numLayers)" }
        if batchFirst { opts += ", batchFirst" }
        if !hasBias { opts += ", no bias" }
        if dropout > 0 { opts += ", dropout: \(dropout)" }
        return "\(kind)(\(inputSize) -> \(hiddenSize)\(opts))"
    }

    /// Checks an input shape and optional initial-state shapes (hidden state, and for LSTM
    /// the cell state). Returns whether the input is batched, its length and batch size.
    ///
    /// Accepted inputs: `[T, B, inputSize]` (`[B, T, inputSize]` with ``batchFirst``) or
    /// unbatched `[T, inputSize]`; states `[numLayers, B, hiddenSize]`, or
    /// `[numLayers, hiddenSize]` for an unbatched input.
    public func validate(input: [Int], states: [(name: String, shape: [Int])] = []) throws(RecurrentError) -> (batched: Bool, steps: Int, batch: Int) {
        let layout = batchFirst ? "[batch, time, \(inputSize)]" : "[time, batch, \(inputSize)]"
        guard (input.count == 3 || input.count == 2), input.last == inputSize else {
            throw RecurrentError("\(summary): input of shape \(shapeText(input)) must be \(layout) or unbatched [time, \(inputSize)]")
        }
        let batched = input.count == 3
        let steps = batched ? input[batchFirst ? 1 : 0] : input[0]
        let batch = batched ? input[batchFirst ? 0 : 1] : 1
        guard steps > 0, batch > 0 else {
            throw RecurrentError("\(summary): input of shape \(shapeText(input)) has no time steps or an empty batch")
        }
        let expected = batched ? [numLayers, batch, hiddenSize] : [numLayers, hiddenSize]
        for (name, shape) in states where shape != expected {
            throw RecurrentError("\(summary): initial \(name) of shape \(shapeText(shape)) must be \(shapeText(expected)) ([numLayers\(batched ? ", batch" : ""), hiddenSize]) for input of shape \(shapeText(input))")
        }
        return (batched, steps, batch)
    }

    /// The unrolled computation: output sequence, final hidden states and (LSTM) final cell
    /// states, in the caller's layout.
    /// The output sequence alone, from a zero state (for ``Sequential``).
    public override func forward(_ x: Tensor) -> Tensor { run(x, h0: nil, c0: nil).output }

    func run(_ x: Tensor, h0: Tensor?, c0: Tensor?) -> (output: Tensor, h: Tensor, c: Tensor?) {
        var states: [(name: String, shape: [Int])] = []
        if let h0 { states.append(("hidden state", h0.shape)) }
        if let c0 { states.append(("cell state", c0.shape)) }
        let info: (batched: Bool, steps: Int, batch: Int)
        do { info = try validate(input: x.shape, states: states) } catch { fatalError(error.description) }

        if cell == .lstm { return runLSTM(x, h0: h0, c0: c0, batched: info.batched) }

        // Per-step inputs [B, F] as views; the time axis is 0 for seq-first and unbatched.
        let timeAxis = info.batched && batchFirst ? 1 : 0
        var inputs = Self.unstack(x, axis: timeAxis)
        if !info.batched { inputs = inputs.map { $0.unsqueezed(axis: 0) } }
        func initial(_ s: Tensor?, _ l: Int) -> Tensor? {
            guard let s else { return nil }
            let layer = s.selecting(axis: 0, l)
            return info.batched ? layer : layer.unsqueezed(axis: 0)
        }

        var lastH: [Tensor] = [], lastC: [Tensor] = []
        for l in 0..<numLayers {
            if l > 0 && dropout > 0 && isTraining {
                let keep = 1 - dropout
                inputs = inputs.map { $0 * (Tensor.bernoulli($0.shape, p: keep) / keep) }
            }
            let (outs, h, c) = runLayer(l, inputs, batch: info.batch, h0: initial(h0, l), c0: initial(c0, l))
            inputs = outs
            lastH.append(h)
            if let c { lastC.append(c) }
        }

        var output = Tensor.stack(inputs, axis: timeAxis == 1 ? 1 : 0)
        var h = Tensor.stack(lastH)
        var c = lastC.isEmpty ? nil : Tensor.stack(lastC)
        if !info.batched {
            output = output.squeezed(axis: 1)
            h = h.squeezed(axis: 1)
            c = c?.squeezed(axis: 1)
        }
        return (output, h, c)
    }

    /// LSTM layers run as one fused op each (``Tensor/lstm(_:weightIH:weightHH:biasIH:biasHH:h0:c0:batchFirst:)``):
    /// one input-projection GEMM per layer, one recurrent GEMM per step, and a single graph
    /// node per layer instead of about sixteen per step.
    func runLSTM(_ x: Tensor, h0: Tensor?, c0: Tensor?, batched: Bool) -> (output: Tensor, h: Tensor, c: Tensor?) {
        // Unbatched [T, F] runs as a batch of one, sequence first.
        var input = batched ? x : x.unsqueezed(axis: 1)
        let first = batched && batchFirst
        func initial(_ s: Tensor?, _ l: Int) -> Tensor? {
            guard let s else { return nil }
            let layer = s.selecting(axis: 0, l)
            return batched ? layer : layer.unsqueezed(axis: 0)
        }
        var lastH: [Tensor] = [], lastC: [Tensor] = []
        for l in 0..<numLayers {
            if l > 0 && dropout > 0 && isTraining {
                let keep = 1 - dropout
                input = input * (Tensor.bernoulli(input.shape, p: keep) / keep)
            }
            let p = layers[l]
            let r = Tensor.lstm(input, weightIH: p.weightIH.value, weightHH: p.weightHH.value,
                                biasIH: p.biasIH?.value, biasHH: p.biasHH?.value,
                                h0: initial(h0, l), c0: initial(c0, l), batchFirst: first)
            input = r.output
            lastH.append(r.h)
            lastC.append(r.c)
        }
        var h = Tensor.stack(lastH), c = Tensor.stack(lastC)
        if !batched {
            input = input.squeezed(axis: 1)
            h = h.squeezed(axis: 1)
            c = c.squeezed(axis: 1)
        }
        return (input, h, c)
    }

    /// Views `x[i]` along `axis` for every i, taken by recursive halving so that the
    /// backward pass costs O(n log n) rather than O(n²) copies of `x`.
    static func unstack(_ x: Tensor, axis: Int) -> [Tensor] {
        let n = x.shape[axis]
        if n <= 2 || !x.requiresGrad { return (0..<n).map { x.selecting(axis: axis, $0) } }
        let mid = n / 2
        return unstack(x.sliced(axis: axis, 0..<mid), axis: axis) + unstack(x.sliced(axis: axis, mid..<n), axis: axis)
    }

    /// One layer over the sequence of inputs `[B, F]`.
    func runLayer(_ l: Int, _ inputs: [Tensor], batch: Int, h0: Tensor?, c0: Tensor?) -> (outputs: [Tensor], h: Tensor, c: Tensor?) {
        let p = layers[l]
        let H = hiddenSize
        // Transposes taken once per call: every step's weight gradient then accumulates
        // into one contiguous tensor.
        let wihT = p.weightIH.value.transposed(), whhT = p.weightHH.value.transposed()
        var h = h0 ?? Tensor.zeros([batch, H])
        var c = c0 ?? (cell == .lstm ? Tensor.zeros([batch, H]) : nil)
        var outputs: [Tensor] = []
        outputs.reserveCapacity(inputs.count)

        switch cell {
        case .rnnTanh, .rnnReLU, .lstm:
            let bias: Tensor? = p.biasIH.flatMap { bi in p.biasHH.map { bi.value + $0.value } }
            // One GEMM per step: [xₜ, h]·[W_ih, W_hh]ᵀ (K = F + H is faster than two products,
            // and each step adds one weight gradient instead of two).
            let wT = Tensor.concat([p.weightIH.value, p.weightHH.value], axis: 1).transposed()
            for xt in inputs {
                var gates = Tensor.concat([xt, h], axis: 1).matmul(wT)
                if let bias { gates = gates + bias }
                if cell == .lstm {
                    let i = gates.sliced(axis: 1, 0..<H).sigmoid()
                    let f = gates.sliced(axis: 1, H..<(2 * H)).sigmoid()
                    let g = gates.sliced(axis: 1, (2 * H)..<(3 * H)).tanh()
                    let o = gates.sliced(axis: 1, (3 * H)..<(4 * H)).sigmoid()
                    let cNew = f * c! + i * g
                    c = cNew
                    h = o * cNew.tanh()
                } else {
                    h = cell == .rnnTanh ? gates.tanh() : gates.relu()
                }
                outputs.append(h)
            }
        case .gru:
            let bih = p.biasIH?.value, bhh = p.biasHH?.value
            for xt in inputs {
                var xg = xt.matmul(wihT)
                if let bih { xg = xg + bih }
                var hg = h.matmul(whhT)
                if let bhh { hg = hg + bhh }
                let rz = (xg.sliced(axis: 1, 0..<(2 * H)) + hg.sliced(axis: 1, 0..<(2 * H))).sigmoid()
                let r = rz.sliced(axis: 1, 0..<H), z = rz.sliced(axis: 1, H..<(2 * H))
                let n = (xg.sliced(axis: 1, (2 * H)..<(3 * H)) + r * hg.sliced(axis: 1, (2 * H)..<(3 * H))).tanh()
                // (1 − z)·n + z·h
                h = n + z * (h - n)
                outputs.append(h)
            }
        }
        return (outputs, h, c)
    }
}

/// Elman recurrent network, like `torch.nn.RNN`: `h' = tanh(W_ih·x + b_ih + W_hh·h + b_hh)`
/// (or ReLU), with PyTorch's parameter names so state dicts load unchanged.
public final class RNN: RecurrentLayer, @unchecked Sendable {
    public enum Nonlinearity: Sendable { case tanh, relu }

    public init(inputSize: Int, hiddenSize: Int, numLayers: Int = 1, nonlinearity: Nonlinearity = .tanh,
                bias: Bool = true, batchFirst: Bool = false, dropout: Float = 0) {
        super.init(cell: nonlinearity == .tanh ? .rnnTanh : .rnnReLU, inputSize: inputSize, hiddenSize: hiddenSize,
                   numLayers: numLayers, bias: bias, batchFirst: batchFirst, dropout: dropout)
    }

    /// Output sequence `[T, B, H]` (`[B, T, H]` with `batchFirst`, `[T, H]` unbatched) and
    /// final hidden state `[numLayers, B, H]`. A `nil` initial state is zeros.
    public func callAsFunction(_ x: Tensor, initialState: Tensor?) -> (output: Tensor, state: Tensor) {
        let r = run(x, h0: initialState, c0: nil)
        return (r.output, r.h)
    }
}

/// Long short-term memory, like `torch.nn.LSTM` (gate order i, f, g, o):
/// `c' = σ(f)·c + σ(i)·tanh(g)`, `h' = σ(o)·tanh(c')`.
public final class LSTM: RecurrentLayer, @unchecked Sendable {
    public init(inputSize: Int, hiddenSize: Int, numLayers: Int = 1, bias: Bool = true,
                batchFirst: Bool = false, dropout: Float = 0) {
        super.init(cell: .lstm, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers,
                   bias: bias, batchFirst: batchFirst, dropout: dropout)
    }

    /// Output sequence `[T, B, H]` (`[B, T, H]` with `batchFirst`, `[T, H]` unbatched) and
    /// final hidden and cell states, each `[numLayers, B, H]`. A `nil` initial state is zeros.
    public func callAsFunction(_ x: Tensor, initialState: (h: Tensor, c: Tensor)?) -> (output: Tensor, state: (h: Tensor, c: Tensor)) {
        let r = run(x, h0: initialState?.h, c0: initialState?.c)
        return (r.output, (r.h, r.c!))
    }
}

/// Gated recurrent unit, like `torch.nn.GRU` (gate order r, z, n):
/// `n = tanh(W_in·x + b_in + r ⊙ (W_hn·h + b_hn))`, `h' = (1 − z)·n + z·h`.
public final class GRU: RecurrentLayer, @unchecked Sendable {
    public init(inputSize: Int, hiddenSize: Int, numLayers: Int = 1, bias: Bool = true,
                batchFirst: Bool = false, dropout: Float = 0) {
        super.init(cell: .gru, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers,
                   bias: bias, batchFirst: batchFirst, dropout: dropout)
    }

    /// Output sequence `[T, B, H]` (`[B, T, H]` with `batchFirst`, `[T, H]` unbatched) and
    /// final hidden state `[numLayers, B, H]`. A `nil` initial state is zeros.
    public func callAsFunction(_ x: Tensor, initialState: Tensor?) -> (output: Tensor, state: Tensor) {
        let r = run(x, h0: initialState, c0: nil)
        return (r.output, r.h)
    }
}
