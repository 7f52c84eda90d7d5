import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndTraining
import Foundation

/// The end-to-end system: an LSTM over the card's last N raw transactions (up to and
/// including the one scored), with a learned embedding of the merchant, to the fraud score
/// of the last one. Trained on the cross-entropy of that score alone, on class-balanced
/// draws (``WeightedSampler``: one draw in four a fraud).
///
/// The network mixes a lookup (merchant id) with real-valued fields, which the configuration
/// schema's `Sequential` cannot express, so it is a custom module; its weights are saved as
/// safetensors (`models/end-to-end/model.safetensors`).
public final class FraudSequenceNet: Module, @unchecked Sendable {
    public let embedding: Embedding
    public let lstm: LSTM
    public let head: Linear
    /// Real-valued channels per step (the raw fields without the id, plus the mask).
    let continuous: Int

    /// - Parameter merchants: number of merchants (ids 1...merchants; 0 is padding).
    public init(merchants: Int, embedding dim: Int = FraudSequenceModel.embedding, hidden: Int = FraudSequenceModel.hidden) {
        continuous = TransactionFeatures.rawCount   // rawCount − 1 fields + 1 mask
        // Small initial codes (std 0.1, not PyTorch's 1): with N(0, 1) codes the LSTM memorized
        // the training frauds' merchants and ranked test transactions poorly.
        embedding = Embedding(weight: Initializer.normal([merchants + 1, dim], std: 0.1))
        lstm = LSTM(inputSize: continuous + dim, hiddenSize: hidden, batchFirst: true)
        head = Linear(hidden, 2)
        super.init()
    }

    public override func namedChildren() -> [(String, Module)] { [("embedding", embedding), ("lstm", lstm), ("head", head)] }

    /// `[B, T, rawCount + 1]` windows (raw fields, merchant id at `rawCount − 1`, mask last) → `[B, 2]` logits.
    public override func forward(_ x: Tensor) -> Tensor {
        let idChannel = TransactionFeatures.rawCount - 1
        let ids = x.sliced(axis: 2, idChannel..<(idChannel + 1)).squeezed(axis: 2)
        let fields = Tensor.concat([x.sliced(axis: 2, 0..<idChannel), x.sliced(axis: 2, (idChannel + 1)..<(idChannel + 2))], axis: 2)
        let steps = Tensor.concat([fields, embedding.forward(ids)], axis: 2)
        let out = lstm(steps, initialState: nil).output
        return head(out.selecting(axis: 1, x.shape[1] - 1))
    }

    public override var summary: String { "FraudSequenceNet(embedding \(embedding.dimension), LSTM \(lstm.hiddenSize))" }
}

/// Training and scoring of ``FraudSequenceNet``.
public enum FraudSequenceModel {
    public static let embedding = 8, hidden = 32, batchSize = 128, learningRate: Float = 0.003
    /// One draw in four is a fraud.
    public static let fraudShare = 0.25
    /// Hand-set: window length, embedding size, hidden size, fraud share, batch size,
    /// learning rate and step count.
    public static let handSetConstants = 7

    /// Class-balanced batches of windows, drawn afresh each epoch.
    struct SampledWindows: BatchSource {
        let sequences: PerKeySequences
        let raw: [Float]
        let rows: [Int]
        let labels: [Int]
        let sampler: WeightedSampler
        let batchCount: Int
        var sampleCount: Int { batchCount * FraudSequenceModel.batchSize }

        func batches(epoch: Int, startingAt start: Int) -> AnyIterator<Batch> {
            let draws = sampler.indices(count: sampleCount, epoch: epoch)
            var b = max(0, start)
            return AnyIterator {
                guard b < batchCount else { return nil }
                defer { b += 1 }
                let picked = Array(draws[(b * FraudSequenceModel.batchSize)..<((b + 1) * FraudSequenceModel.batchSize)])
                let events = picked.map { rows[$0] }
                let x = (try? sequences.tensor(features: raw, featureCount: TransactionFeatures.rawCount, events: events)) ?? Tensor.zeros([0])
                return Batch(inputs: x, labels: IntTensor(picked.map { labels[$0] }), indices: picked)
            }
        }
    }

    /// Trains a fresh network on the windows of `rows` for `steps` optimizer steps; with `part`,
    /// as that resumable part of the context's run.
    public static func train(sequences: PerKeySequences, raw: [Float], rows: [Int], labels: [Int], merchants: Int, steps: Int,
                             seed: UInt64, part: (key: String, context: ApplicationContext)? = nil) throws -> (net: FraudSequenceNet, summary: TrainingSummary) {
        Random.seed(seed)
        let net = FraudSequenceNet(merchants: merchants)
        let rowLabels = rows.map { labels[$0] }
        let sampler = try WeightedSampler.classBalanced(labels: rowLabels, seed: seed, shares: [0: 1 - fraudShare, 1: fraudShare])
        let source = SampledWindows(sequences: sequences, raw: raw, rows: rows, labels: rowLabels, sampler: sampler,
                                    batchCount: max(1, min(steps, 64)))
        let trainer = try Trainer(model: net, optimizer: Adam(net.parameters(), learningRate: learningRate), loss: Trainer.crossEntropy,
                                  metrics: ["accuracy"], classes: 2, gradientClipNorm: 5, seed: seed)
        let summary = try part.map { try $0.context.part($0.key, modules: [net]) { try trainer.fit(train: source, steps: steps) } }
            ?? trainer.fit(train: source, steps: steps)
        return (net, summary)
    }

    /// The fraud probability of each of `events`, scored in chunks.
    public static func scores(_ net: FraudSequenceNet, sequences: PerKeySequences, raw: [Float], events: [Int]) throws -> [Float] {
        net.eval()
        defer { net.train() }
        var out: [Float] = []
        out.reserveCapacity(events.count)
        var start = 0
        while start < events.count {
            let chunk = Array(events[start..<min(start + 2048, events.count)])
            let x = try sequences.tensor(features: raw, featureCount: TransactionFeatures.rawCount, events: chunk)
            let p = withNoGrad { net(x).softmax(axis: 1) }
            out += (0..<chunk.count).map { p[$0, 1] }
            start += chunk.count
        }
        return out
    }
}
