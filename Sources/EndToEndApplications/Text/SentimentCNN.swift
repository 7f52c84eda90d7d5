import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndTraining
import Foundation

/// The end-to-end sentiment classifier: the review's UTF-8 bytes (cut or padded to
/// ``length``) → a learned 16-dimensional embedding per byte → two 1-D convolutions with ReLU
/// (the first followed by max pooling) → the maximum over the text → dropout → two class
/// scores. In the style of Zhang, Zhao & LeCun's character-level CNN (2015), scaled down.
/// Trained on the cross-entropy of the output alone.
final class SentimentCNN: Module, @unchecked Sendable {
    /// Hand-set: byte length, embedding size, 2 channel counts, 2 kernel sizes, pool size,
    /// dropout, learning rate, batch size, epochs.
    static let handSetConstantCount = 11
    static let length = 512
    static let embeddingSize = 16
    static let channels = 64
    static let learningRate: Float = 2e-3
    static let batchSize = 32

    let embedding: Embedding
    let conv1: Conv1d
    let conv2: Conv1d
    let dropout: Dropout
    let head: Linear

    init(seed: UInt64) {
        Random.seed(seed)
        embedding = Embedding(weight: Initializer.normal([LabeledTexts.byteVocabularySize, Self.embeddingSize], std: 0.5))
        conv1 = Conv1d(Self.embeddingSize, Self.channels, kernelSize: 7, padding: 3)
        conv2 = Conv1d(Self.channels, Self.channels, kernelSize: 5, padding: 2)
        dropout = Dropout(0.3)
        head = Linear(Self.channels, 2)
        super.init()
    }

    /// Byte ids `[B, L]` (whole numbers as floats) to embeddings `[B, L, E]`.
    func embed(_ ids: Tensor) -> Tensor { embedding(ids.asInt) }

    /// Embeddings `[B, L, E]` to the two class scores `[B, 2]`.
    func scores(embedded e: Tensor) -> Tensor {
        var h = conv1(e.transposed(1, 2)).relu()              // [B, C, L]
        h = h.maxPool1d(kernelSize: 3, stride: 3)
        h = conv2(h).relu().max(axis: 2)                      // [B, C]
        return head(dropout(h))
    }

    override func forward(_ x: Tensor) -> Tensor { scores(embedded: embed(x)) }

    /// Trains on `ids` `[N, L]` with `labels` for `epochs` epochs but at least `minimumSteps` steps.
    func fit(_ ids: Tensor, labels: [Int], epochs: Int, minimumSteps: Int = 0, seed: UInt64) throws -> TrainingSummary {
        let data = try TensorDataset(inputs: ids, labels: IntTensor(labels))
        let loader = DataLoader(data, batchSize: Self.batchSize, shuffle: true, seed: seed, prefetch: 0)
        let trainer = try Trainer(model: self, optimizer: Adam(parameters(), learningRate: Self.learningRate),
                                  loss: Trainer.crossEntropy, metrics: ["accuracy"], classes: 2, seed: seed)
        return try trainer.fit(train: loader, steps: max(minimumSteps, epochs * loader.batchCount))
    }

    /// `P(other)` for every row of `ids`, in evaluation mode, 256 rows at a time.
    func probabilities(_ ids: Tensor) -> [Double] {
        eval()
        defer { train() }
        var out: [Double] = []
        let n = ids.shape[0]
        withNoGrad {
            for start in stride(from: 0, to: n, by: 256) {
                let p = self(ids.sliced(axis: 0, start..<min(n, start + 256)).contiguous()).softmax(axis: 1).contiguous().scalars
                for i in 0..<(p.count / 2) { out.append(Double(p[2 * i + 1])) }
            }
        }
        return out
    }

    /// Gradient × input of the score of `target` for one review `[1, L]`, summed over each
    /// byte's embedding: one number per byte.
    func byteAttribution(_ ids: Tensor, target: Int) throws -> [Float] {
        eval()
        defer { train() }
        let e = embed(ids).detached()
        let a = try Attribution.gradientTimesInput(model: { self.scores(embedded: $0) }, input: e, target: target)
        return a.sum(axis: 2).contiguous().scalars
    }
}
