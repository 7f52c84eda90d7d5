import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndTraining

/// NCF's training data as the ``Trainer`` reads it: every observed (user, item) pair with
/// target 1 and, drawn anew each epoch, `negatives` items the user has not interacted with
/// with target 0 (He et al. 2017 use 4), shuffled into batches of `[B, 2]` id pairs.
///
/// An epoch's examples depend only on the seed and the epoch number, so a resumed run sees
/// the same batches.
public final class NCFBatches: BatchSource {
    public let positives: [(user: Int, item: Int)]
    public let sampler: NegativeSampler
    public let negatives: Int
    public let batchSize: Int
    public let seed: UInt64
    private var cached: (epoch: Int, pairs: [Float], targets: [Float])?

    public init(positives: [(user: Int, item: Int)], sampler: NegativeSampler, negatives: Int, batchSize: Int, seed: UInt64) throws {
        guard !positives.isEmpty else { throw ApplicationError("recommend: no training interactions") }
        guard negatives >= 0, batchSize > 0 else { throw ApplicationError("recommend: negatives must be >= 0 and the batch size positive") }
        self.positives = positives
        self.sampler = sampler
        self.negatives = negatives
        self.batchSize = batchSize
        self.seed = seed
    }

    public var sampleCount: Int { positives.count * (1 + negatives) }
    public var batchCount: Int { (sampleCount + batchSize - 1) / batchSize }

    /// The epoch's (user, item) pairs, flattened, and their 0/1 targets, shuffled.
    func examples(epoch: Int) throws -> (pairs: [Float], targets: [Float]) {
        if let c = cached, c.epoch == epoch { return (c.pairs, c.targets) }
        var rng = RandomGenerator(seed: SeedDerivation.derive(seed, [UInt64(epoch)]))
        var pairs: [(Int, Int, Float)] = []
        pairs.reserveCapacity(sampleCount)
        for p in positives {
            pairs.append((p.user, p.item, 1))
            for j in try sampler.sample(user: p.user, count: negatives, distinct: false, using: &rng) { pairs.append((p.user, j, 0)) }
        }
        let order = rng.permutation(pairs.count)
        var flat = [Float](repeating: 0, count: 2 * pairs.count), targets = [Float](repeating: 0, count: pairs.count)
        for (k, o) in order.enumerated() {
            flat[2 * k] = Float(pairs[o].0)
            flat[2 * k + 1] = Float(pairs[o].1)
            targets[k] = pairs[o].2
        }
        cached = (epoch, flat, targets)
        return (flat, targets)
    }

    public func batches(epoch: Int, startingAt start: Int) -> AnyIterator<Batch> {
        // The sampler cannot fail here: every training user has an item left (checked when the
        // evaluation candidates were drawn), so an error would be a programming error.
        guard let (pairs, targets) = try? examples(epoch: epoch) else { return AnyIterator { nil } }
        var b = max(0, start)
        let n = targets.count
        return AnyIterator {
            guard b < self.batchCount else { return nil }
            let lo = b * self.batchSize, hi = min(n, lo + self.batchSize)
            defer { b += 1 }
            return Batch(inputs: Tensor(shape: [hi - lo, 2], scalars: Array(pairs[(2 * lo)..<(2 * hi)])),
                         targets: Tensor(shape: [hi - lo], scalars: Array(targets[lo..<hi])), indices: Array(lo..<hi))
        }
    }
}

/// How one NCF network is trained: Adam (or plain SGD, the paper's choice for fine-tuning
/// a pretrained NeuMF) on the log loss, through the ``Trainer``.
public struct NCFTraining: Sendable {
    public var epochs: Int
    public var learningRate: Double
    public var batchSize: Int
    public var negatives: Int
    public var sgd: Bool
    /// At least this many optimizer steps, so small data-efficiency subsets still get updates.
    public var minimumSteps: Int

    public init(epochs: Int, learningRate: Double = 1e-3, batchSize: Int = 256, negatives: Int = 4, sgd: Bool = false, minimumSteps: Int = 0) {
        self.epochs = epochs
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.negatives = negatives
        self.sgd = sgd
        self.minimumSteps = minimumSteps
    }

    /// Trains `network` on `positives`, negatives drawn by `sampler` from `seed`.
    @discardableResult
    public func fit(_ network: NCFNetwork, positives: [(user: Int, item: Int)], sampler: NegativeSampler, seed: UInt64) throws -> TrainingSummary {
        let batches = try NCFBatches(positives: positives, sampler: sampler, negatives: negatives, batchSize: batchSize, seed: seed)
        let parameters = network.parameters()
        let optimizer: Optimizer = sgd ? SGD(parameters, learningRate: Float(learningRate)) : Adam(parameters, learningRate: Float(learningRate))
        let trainer = try Trainer(model: network, optimizer: optimizer, loss: { out, batch in
            Loss.binaryCrossEntropyWithLogits(out, batch.targets ?? Tensor.zeros(out.shape))
        }, seed: seed)
        return try trainer.fit(train: batches, steps: max(minimumSteps, epochs * batches.batchCount))
    }
}
