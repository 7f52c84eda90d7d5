import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndTraining
import EndToEndStrategies

/// The gradient signal-to-noise ratio at the last layer of the per-image network, at
/// initialization, for the end-to-end loss and for the decomposition loss — the quantity whose
/// decay with k Shalev-Shwartz et al. (2017) show.
///
/// Per-example gradients of that layer (`Linear(100, 1)`: weight and bias) are exact and cheap
/// from one batched pass: example i's loss depends on its own scores s_ij only, so
/// `∂Lᵢ/∂W = Σⱼ (∂Lᵢ/∂sᵢⱼ)·hᵢⱼ`, with h the layer's input and `∂Lᵢ/∂sᵢⱼ = n·∂L/∂sᵢⱼ` for the
/// batch mean L. That makes thousands of examples affordable, well above the 1/√n noise floor
/// the estimate must clear.
enum ParityLinesSNR {
    /// SNR for the end-to-end (`decomposition: false`) or decomposition loss over `data`.
    static func measure(model: CompositeModel, data: TrainingData, examples: Int, decomposition: Bool) -> Double {
        GradientDiagnostics.signalToNoise(of: perExampleGradients(model: model, data: data, examples: examples, decomposition: decomposition))
    }

    /// Each example's gradient of the last layer's (weight..., bias), from one batched pass.
    static func perExampleGradients(model: CompositeModel, data: TrainingData, examples: Int, decomposition: Bool) -> [[Double]] {
        let n = min(examples, data.count)
        let batch = data.batch(at: Array(0..<n))
        let k = batch.inputs.shape[1]
        guard let encoder = model.node("encoder")?.module as? Sequential, let last = encoder.layers.last as? Linear else {
            preconditionFailure("ParityLinesSNR: the model is not a ParityLinesModel")
        }
        let body = Sequential(Array(encoder.layers.dropLast()))
        // The last layer's inputs for every image, in chunks (the convolutions are the cost).
        let flat = batch.inputs.reshaped([n * k] + batch.inputs.shape.dropFirst(2))
        let h = withNoGrad {
            Tensor.concat(stride(from: 0, to: n * k, by: 512).map { body(flat[$0..<min($0 + 512, n * k)]) }, axis: 0)
        }
        let scores = withNoGrad { last(h) }.detached().requiringGrad()
        let perImage = scores.reshaped([n, k, 1])
        let output = model.node("aggregator")!.module(perImage)
        let task = ParityLinesModel.task
        var loss = task.objective.loss(output, task.source.tensor(in: batch)!)
        if decomposition, let t = task.intermediates.first {
            loss = loss + t.objective.loss(perImage, t.source.tensor(in: batch)!)
        }
        loss.backward()
        let ds = scores.grad!.scalars  // [n·k]
        let hs = h.scalars, width = h.shape[1]
        // Per-example gradient of (W, b): Σⱼ n·dsᵢⱼ·(hᵢⱼ, 1).
        var grads = [[Double]](repeating: [Double](repeating: 0, count: width + 1), count: n)
        for i in 0..<n {
            for j in 0..<k {
                let d = Double(ds[i * k + j]) * Double(n)
                for c in 0..<width { grads[i][c] += d * Double(hs[(i * k + j) * width + c]) }
                grads[i][width] += d
            }
        }
        model.zeroGrad()
        return grads
    }
}
