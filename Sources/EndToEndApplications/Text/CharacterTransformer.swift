import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndTraining
import Foundation

/// The end-to-end text generator: a character-level transformer language model (a small
/// GPT: token and learned position embeddings, pre-norm transformer blocks with causal
/// self-attention and GELU feed-forward layers, a final layer norm and a linear map to the
/// next character's scores), trained on next-character cross-entropy alone.
final class CharacterTransformer: Module, @unchecked Sendable {
    struct Settings: Sendable {
        var context: Int
        var dModel: Int
        var heads: Int
        var layers: Int
        var batchSize: Int
        var steps: Int
        var learningRate: Float
        /// Hand-set: context, width, heads, layers, feed-forward factor, batch size, steps,
        /// learning rate, warm-up, clip norm.
        static let handSetConstantCount = 10
    }

    let settings: Settings
    let vocabularySize: Int
    let tokenEmbedding: Embedding
    let positionEmbedding: Embedding
    let blocks: [TransformerEncoderLayer]
    let norm: LayerNorm
    let head: Linear

    init(vocabularySize: Int, settings: Settings, seed: UInt64) {
        Random.seed(seed)
        self.settings = settings
        self.vocabularySize = vocabularySize
        let d = settings.dModel
        tokenEmbedding = Embedding(weight: Initializer.normal([vocabularySize, d], std: 0.1))
        positionEmbedding = Embedding(weight: Initializer.normal([settings.context, d], std: 0.1))
        blocks = (0..<settings.layers).map { _ in
            TransformerEncoderLayer(dModel: d, numHeads: settings.heads, feedForward: 4 * d, dropout: 0, activation: .gelu, normFirst: true)
        }
        norm = LayerNorm([d])
        head = Linear(d, vocabularySize)
        super.init()
    }

    /// Ids `[B, T]` (T ≤ context, whole numbers as floats) to next-character scores `[B, T, V]`.
    override func forward(_ x: Tensor) -> Tensor {
        let t = x.shape[1]
        var h = tokenEmbedding(x.asInt) + positionEmbedding.weight.value.sliced(axis: 0, 0..<t)
        for b in blocks { h = b(h, causal: true) }
        return head(norm(h))
    }

    /// Cross-entropy of the scores `[B, T, V]` against the next characters (the batch's targets `[B, T]`).
    static func loss(_ output: Tensor, _ batch: Batch) -> Tensor {
        guard let targets = batch.targets else { fatalError("CharacterTransformer.loss: the batch has no targets") }
        let v = output.shape[2]
        return Loss.crossEntropy(output.reshaped([-1, v]), targets.asInt.reshaped([-1]))
    }

    /// Trains on random windows of `tokens` (drawn from `seed`): `steps` steps of Adam with
    /// a linear warm-up and cosine decay, gradients clipped to norm 1.
    func fit(_ tokens: [Int], seed: UInt64) throws -> TrainingSummary {
        let s = settings
        guard tokens.count > s.context + 1 else { throw ApplicationError("text: the training text (\(tokens.count) characters) is shorter than the context") }
        var rng = RandomGenerator(seed: seed)
        let n = s.steps * s.batchSize
        var x = [Float](repeating: 0, count: n * s.context), y = x
        for i in 0..<n {
            let start = rng.nextInt(below: tokens.count - s.context - 1)
            for k in 0..<s.context {
                x[i * s.context + k] = Float(tokens[start + k])
                y[i * s.context + k] = Float(tokens[start + k + 1])
            }
        }
        let data = try TensorDataset(inputs: Tensor(shape: [n, s.context], scalars: x), targets: Tensor(shape: [n, s.context], scalars: y))
        let loader = DataLoader(data, batchSize: s.batchSize, shuffle: false, seed: seed, prefetch: 0)
        let optimizer = Adam(parameters(), learningRate: s.learningRate)
        let schedule = LearningRateScheduler(optimizer, schedule: WarmupCosineSchedule(warmup: max(1, s.steps / 20), total: s.steps, minimum: 0.1))
        let trainer = try Trainer(model: self, optimizer: optimizer, loss: Self.loss, scheduler: schedule, schedulePer: .step,
                                  gradientClipNorm: 1, seed: seed)
        return try trainer.fit(train: loader, steps: s.steps)
    }

    /// Bits per character of each chapter's ids, every character scored once with at least
    /// half a context before it (windows of `context` every `context / 2` characters, the
    /// first window scored whole): the total bits and the count.
    func bits(_ chapters: [[Int]]) throws -> (bits: Double, count: Int) {
        eval()
        defer { train() }
        let c = settings.context, half = c / 2
        var total = 0.0, count = 0
        try withNoGrad {
            for ids in chapters where ids.count > 1 {
                var start = 0
                var scoredUpTo = 1   // ids[0] has no context and is not scored (the n-gram model skips it too)
                while scoredUpTo < ids.count {
                    let end = min(ids.count, start + c + 1)
                    let window = Array(ids[start..<end])
                    let logits = self(Tensor(shape: [1, window.count - 1], scalars: window.dropLast().map(Float.init)))
                    let flat = logits.reshaped([window.count - 1, vocabularySize])
                    // Row r predicts ids[start + r + 1]; score those not scored yet.
                    let first = scoredUpTo - start - 1
                    let rows = flat.sliced(axis: 0, first..<(window.count - 1)).contiguous()
                    let t = try BitsPerCharacter.total(logits: rows, targets: Array(ids[(scoredUpTo)..<end]))
                    total += t.bits; count += t.count
                    scoredUpTo = end
                    start = end - 1 - half
                    if end == ids.count { break }
                }
            }
        }
        return (total, count)
    }

    /// `count` characters sampled after `prompt` at `temperature`.
    func sample(prompt: [Int], count: Int, temperature: Double, using rng: inout RandomGenerator) -> [Int] {
        eval()
        defer { train() }
        var history = prompt, out: [Int] = []
        withNoGrad {
            for _ in 0..<count {
                let window = Array(history.suffix(settings.context))
                let logits = self(Tensor(shape: [1, window.count], scalars: window.map(Float.init))).contiguous().scalars
                let last = logits[((window.count - 1) * vocabularySize)...].map { Double($0) / temperature }
                let m = last.max() ?? 0
                let next = KneserNeyModel.draw(last.map { exp($0 - m) }, using: &rng)
                out.append(next)
                history.append(next)
            }
        }
        return out
    }
}
