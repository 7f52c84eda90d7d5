import EndToEnd
import EndToEndNN

extension ONNXTranslator {
    /// RNN, LSTM and GRU as ONNX's `RNN`, `LSTM` and `GRU` operators, one node per stacked
    /// layer (sequence-first, as every runtime supports; batch-first inputs are transposed).
    ///
    /// PyTorch stacks the gate blocks as LSTM `i, f, g, o` and GRU `r, z, n`; ONNX wants
    /// LSTM `i, o, f, c` and GRU `z, r, h`, so the weight rows are reordered block-wise.
    /// ONNX's `B` is `[W_b, R_b]` concatenated. PyTorch's GRU applies `r` after the hidden
    /// product (`r ⊙ (W_hn·h + b_hn)`), which is ONNX's `linear_before_reset = 1`.
    func recurrent(_ m: RecurrentLayer, path: String, _ x: ONNXValue) throws(ONNXExportError) -> ONNXValue {
        guard x.rank == 3, x.shape[2] == m.inputSize else {
            let layout = m.batchFirst ? "[batch, steps, \(m.inputSize)]" : "[steps, batch, \(m.inputSize)]"
            throw failure(path, m, "expects \(layout) input, got \(text(x.shape))")
        }
        let H = m.hiddenSize
        let op: String, order: [Int]
        var attributes: [ONNXAttribute] = [.int("hidden_size", H)]
        switch m.cell {
        case .lstm: op = "LSTM"; order = [0, 3, 1, 2]
        case .gru: op = "GRU"; order = [1, 0, 2]; attributes.append(.int("linear_before_reset", 1))
        case .rnnTanh: op = "RNN"; order = [0]; attributes.append(.strings("activations", ["Tanh"]))
        case .rnnReLU: op = "RNN"; order = [0]; attributes.append(.strings("activations", ["Relu"]))
        }
        let name = label(path)
        let (steps, batch) = m.batchFirst ? (x.shape[1], x.shape[0]) : (x.shape[0], x.shape[1])
        var seq = m.batchFirst ? graph.apply("Transpose", [x.name], name: name, shape: [steps, batch, x.shape[2]], [.ints("perm", [1, 0, 2])]) : x
        let squeezeAxes = graph.int64Initializer(name + ".direction_axis", [1])
        for (l, p) in m.layers.enumerated() {
            let w = reordered(p.weightIH.value, blocks: order, hidden: H)
            let r = reordered(p.weightHH.value, blocks: order, hidden: H)
            var inputs = [seq.name,
                          graph.initializer(qualified(path, "weight_ih_l\(l)") + ".onnx", dims: [1] + w.dims, floats: w.values),
                          graph.initializer(qualified(path, "weight_hh_l\(l)") + ".onnx", dims: [1] + r.dims, floats: r.values)]
            if let bi = p.biasIH, let bh = p.biasHH {
                let b = reordered(bi.value, blocks: order, hidden: H).values + reordered(bh.value, blocks: order, hidden: H).values
                inputs.append(graph.initializer(qualified(path, "bias_l\(l)") + ".onnx", dims: [1, b.count], floats: b))
            }
            // Y: [steps, directions = 1, batch, hidden].
            let y = graph.apply(op, inputs, name: name, shape: [steps, 1, batch, H], attributes)
            seq = graph.apply("Squeeze", [y.name, squeezeAxes], name: name, shape: [steps, batch, H])
        }
        return m.batchFirst ? graph.apply("Transpose", [seq.name], name: name, shape: [batch, steps, H], [.ints("perm", [1, 0, 2])]) : seq
    }

    /// The rows of `t` (`[G·hidden, …]` or `[G·hidden]`) with its gate blocks in `blocks` order.
    private func reordered(_ t: Tensor, blocks: [Int], hidden: Int) -> (dims: [Int], values: [Float]) {
        let all = t.scalars
        let blockSize = hidden * (t.rank == 2 ? t.shape[1] : 1)
        var out: [Float] = []
        out.reserveCapacity(all.count)
        for b in blocks { out += all[(b * blockSize)..<((b + 1) * blockSize)] }
        return (t.shape, out)
    }
}
