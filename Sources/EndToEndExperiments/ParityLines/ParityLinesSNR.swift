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
/// batch mean L.
///
/// Why a plain mean of independent per-example gradients cannot see the end-to-end signal for
/// k ≥ 2: the parity's gradient on image j's score is correlated with image j's label only
/// through an interaction with the other k − 1 images (the aggregator's ReLUs switching), so
/// ‖E g‖ falls by orders of magnitude per added image while the noise E‖g − E g‖² does not; a
/// mean over n tuples has a floor of about 1/√n.
///
/// The estimate therefore works on pools of single images: the convolutions run once per image
/// (and once on its mirror image), and many tuples are formed from each pool's images, each with
/// its 2^k mirror variants (mirroring an image left to right maps a line of angle θ to an equally
/// likely one of angle π − θ and flips its label). Every such tuple is marginally a draw from the
/// data, so a pool's mean gradient is an unbiased estimate of E g; the tuples of a pool share
/// images, but the part of the noise that one image alone carries is again an interaction (the
/// labels are balanced), so the pool mean's error falls with the pool size far faster than for
/// independent tuples. Tuples never mix pools, so the means of different pools are independent
/// and ‖E g‖² is estimated without bias as the mean of m_p · m_q over pairs of pools p ≠ q.
enum ParityLinesSNR {
    /// The SNR² estimate of one initialization from P independent pools of tuples.
    struct Accumulator {
        /// Per pool, the sum of its members' gradients.
        var sums: [[Double]]
        var counts: [Int]
        var sumSquaredNorms = 0.0

        init(pools: Int, width: Int) {
            precondition(pools >= 2, "ParityLinesSNR.Accumulator: the cross-pool estimate needs at least 2 pools, got \(pools)")
            sums = [[Double]](repeating: [Double](repeating: 0, count: width), count: pools)
            counts = [Int](repeating: 0, count: pools)
        }

        /// Adds one member's gradient to `pool`.
        mutating func add(_ g: [Double], pool: Int) {
            var norm = 0.0
            for c in g.indices {
                sums[pool][c] += g[c]
                norm += g[c] * g[c]
            }
            sumSquaredNorms += norm
            counts[pool] += 1
        }

        /// Unbiased ‖E g‖²: the mean over pairs of pools p ≠ q of m_p · m_q, computed as
        /// (‖Σ m_p‖² − Σ ‖m_p‖²) / (P(P − 1)); may be negative; NaN while a pool is empty.
        var signal2: Double {
            guard counts.allSatisfy({ $0 > 0 }) else { return .nan }
            let p = Double(sums.count)
            var total = [Double](repeating: 0, count: sums[0].count), own = 0.0
            for (sum, count) in zip(sums, counts) {
                for c in sum.indices {
                    let m = sum[c] / Double(count)
                    total[c] += m
                    own += m * m
                }
            }
            return (total.reduce(0) { $0 + $1 * $1 } - own) / (p * (p - 1))
        }

        /// E‖g − E g‖² = E‖g‖² − ‖E g‖².
        var noise2: Double { sumSquaredNorms / Double(max(counts.reduce(0, +), 1)) - signal2 }

        /// SNR² = ‖E g‖² / E‖g − E g‖²; unbiased in the numerator, so it can be negative for pure noise.
        var snr2: Double { signal2 / noise2 }
    }

    /// The encoder without its last layer, and the last layer.
    static func split(_ model: CompositeModel) -> (body: Sequential, last: Linear) {
        guard let encoder = model.node("encoder")?.module as? Sequential, let last = encoder.layers.last as? Linear else {
            preconditionFailure("ParityLinesSNR: the model is not a ParityLinesModel")
        }
        return (Sequential(Array(encoder.layers.dropLast())), last)
    }

    /// `images` (`[N, 1, H, W]`) mirrored left to right.
    static func mirrored(_ images: Tensor) -> Tensor {
        let w = images.shape[images.rank - 1]
        let src = images.scalars
        var out = src
        for row in 0..<(src.count / w) {
            let base = row * w
            for c in 0..<w { out[base + c] = src[base + w - 1 - c] }
        }
        return Tensor(shape: images.shape, scalars: out)
    }

    /// The last layer's inputs for `images`, in chunks (the convolutions are the cost).
    static func features(_ body: Sequential, _ images: Tensor) -> Tensor {
        let count = images.shape[0]
        return withNoGrad { Tensor.concat(stride(from: 0, to: count, by: 512).map { body(images[$0..<min($0 + 512, count)]) }, axis: 0) }
    }

    /// The per-image network's last-layer inputs and scores for some images and their mirror
    /// images (index 0: as given, 1: mirrored), with the images' labels.
    struct ImageFeatures {
        var h: [[Float]]
        var s: [[Float]]
        var width: Int
        var labels: [Float]

        /// One pass of the convolutions over `images` (`[N, 1, 28, 28]`) and their mirror images.
        init(model: CompositeModel, images: Tensor, labels: [Float]) {
            precondition(labels.count == images.shape[0], "ParityLinesSNR: \(images.shape[0]) images but \(labels.count) labels")
            let (body, last) = split(model)
            let hv = [features(body, images), features(body, mirrored(images))]
            h = hv.map(\.scalars)
            s = hv.map { x in withNoGrad { last(x) }.scalars }
            width = hv[0].shape[1]
            self.labels = labels
        }
    }

    /// The exact gradients of the last layer's (weight..., bias) for tuples of k images of
    /// `images` (`tuples[t·k + j]`: tuple t's image j), each with its 2^k mirror variants: member
    /// `t·2^k + e` mirrors image j when bit j of e is set (and so flips its label). One array of
    /// members per loss (`true`: decomposition).
    static func memberGradients(model: CompositeModel, images: ImageFeatures, tuples: [Int], k: Int, losses: [Bool]) -> [[[Double]]] {
        let n = tuples.count / k, m = 1 << k, width = images.width
        var scores = [Float](repeating: 0, count: n * m * k), y = [Float](repeating: 0, count: n * m)
        var yImage = [Float](repeating: 0, count: n * m * k)
        for t in 0..<n {
            for e in 0..<m {
                var parity = 0
                for j in 0..<k {
                    let bit = (e >> j) & 1, image = tuples[t * k + j]
                    let label = bit == 1 ? 1 - images.labels[image] : images.labels[image]
                    scores[(t * m + e) * k + j] = images.s[bit][image]
                    yImage[(t * m + e) * k + j] = label
                    parity ^= Int(label)
                }
                y[t * m + e] = Float(parity)
            }
        }
        return losses.map { decomposition in
            let leaf = Tensor(shape: [n * m * k, 1], scalars: scores).requiringGrad()
            let perImage = leaf.reshaped([n * m, k, 1])
            let task = ParityLinesModel.task
            var loss = task.objective.loss(model.node("aggregator")!.module(perImage), Tensor(shape: [n * m], scalars: y))
            if decomposition, let t = task.intermediates.first {
                loss = loss + t.objective.loss(perImage, Tensor(shape: [n * m, k], scalars: yImage))
            }
            loss.backward()
            let ds = leaf.grad!.scalars
            model.zeroGrad()
            return (0..<(n * m)).map { member in
                let t = member / m, e = member % m
                var g = [Double](repeating: 0, count: width + 1)
                for j in 0..<k {
                    let d = Double(ds[member * k + j]) * Double(n * m)
                    let bit = (e >> j) & 1, row = tuples[t * k + j] * width
                    for c in 0..<width { g[c] += d * Double(images.h[bit][row + c]) }
                    g[width] += d
                }
                return g
            }
        }
    }

    /// For each tuple of `batch`, the exact gradients of the last layer's (weight..., bias) for its
    /// 2^k mirror images: member `e` mirrors image j when bit j of e is set (member 0 is the tuple).
    static func orbitGradients(model: CompositeModel, batch: Batch, decomposition: Bool) -> [[[Double]]] {
        let n = batch.inputs.shape[0], k = batch.inputs.shape[1], m = 1 << k
        let imageLabels = batch.intermediates["image_labels"]?.scalars ?? []
        precondition(imageLabels.count == n * k, "ParityLinesSNR: the batch lacks image labels")
        let images = ImageFeatures(model: model, images: batch.inputs.reshaped([n * k] + batch.inputs.shape.dropFirst(2)), labels: imageLabels)
        let members = memberGradients(model: model, images: images, tuples: Array(0..<(n * k)), k: k, losses: [decomposition])[0]
        return (0..<n).map { Array(members[($0 * m)..<(($0 + 1) * m)]) }
    }

    /// Each example's gradient of the last layer's (weight..., bias), from one batched pass
    /// (the orbit's member 0 of each tuple).
    static func perExampleGradients(model: CompositeModel, data: TrainingData, examples: Int, decomposition: Bool) -> [[Double]] {
        let batch = data.batch(at: Array(0..<min(examples, data.count)))
        return orbitGradients(model: model, batch: batch, decomposition: decomposition).map { $0[0] }
    }

    /// Every pool's members' gradients of the last layer's (weight..., bias), added to `accumulators`
    /// (one per loss): `images` holding P pools of M images (pool p: images p·M..<(p+1)·M); per pool
    /// `tuples` tuples of k distinct images drawn from the pool (k = 1: every image once), each with
    /// its 2^k mirror variants. Tuples never mix pools, so the pools' means stay independent.
    static func addPools(model: CompositeModel, images: ImageFeatures, k: Int, pools: Int, tuples: Int, losses: [Bool],
                         rng: inout RandomGenerator, into accumulators: inout [Accumulator]) {
        let count = images.labels.count, perPool = count / pools
        precondition(perPool * pools == count && perPool >= k, "ParityLinesSNR: \(count) images do not make \(pools) pools of at least k = \(k)")
        // Tuples per pass, so that the aggregator's activations stay small.
        let perPass = max(1, 16_384 >> k)
        for pool in 0..<pools {
            let base = pool * perPool, total = k == 1 ? perPool : tuples
            var done = 0
            while done < total {
                let n = min(perPass, total - done)
                var members = [Int](repeating: 0, count: n * k)
                for t in 0..<n {
                    if k == 1 { members[t] = base + done + t; continue }
                    var chosen: [Int] = []
                    while chosen.count < k {
                        let c = base + Int.random(in: 0..<perPool, using: &rng)
                        if !chosen.contains(c) { chosen.append(c) }
                    }
                    for j in 0..<k { members[t * k + j] = chosen[j] }
                }
                let grads = memberGradients(model: model, images: images, tuples: members, k: k, losses: losses)
                for l in losses.indices {
                    for g in grads[l] { accumulators[l].add(g, pool: pool) }
                }
                done += n
            }
        }
    }

    /// One measured SNR: over initializations, the root of the mean SNR² with a 95 % interval.
    struct Measurement: Sendable, Codable {
        var strategy: String
        var k: Int
        /// √(mean SNR²) over initializations (0 when the mean is not positive).
        var value: Double
        /// The 95 % normal-approximation interval of the mean SNR², square-rooted (bounds below 0 read as 0).
        var ciLow: Double
        var ciHigh: Double
        var initializations: Int
        /// Tuples per initialization (each with its 2^k mirror variants).
        var examples: Int
        /// Distinct images per initialization the tuples were formed from (each also mirrored).
        var images: Int
        /// Where the gradient is taken: "initialization", or "warm" (the per-image network
        /// partly trained on single images, the aggregator at initialization).
        var point: String = "initialization"
        /// The per-image network's accuracy against the image labels at that point (mean over initializations).
        var imageAccuracy: Double = .nan

        /// Whether the interval excludes 0, i.e. the signal is above the estimate's noise floor.
        var detected: Bool { ciLow > 0 }

        var json: JSONValue {
            .object([("strategy", .string(strategy)), ("k", .int(k)), ("value", .double(value)), ("ci_low", .double(ciLow)),
                     ("ci_high", .double(ciHigh)), ("initializations", .int(initializations)), ("examples", .int(examples)),
                     ("images", .int(images)), ("point", .string(point)),
                     ("image_accuracy", imageAccuracy.isFinite ? .double(imageAccuracy) : .null), ("detected", .bool(detected))])
        }
    }

    /// The SNR over `initializations` fresh models for tuples of `k` images, each initialization
    /// with its own images in `pools` pools. Starting from `firstImages` images per pool (and
    /// `tuplesPerImage` tuples per pool image), the pools double, each time with fresh images,
    /// until the 95 % interval of the mean SNR² excludes 0 with its lower end at least a third of
    /// the mean, or the pools would exceed `maxImages` images; the last size's estimate is reported.
    ///
    /// With `warm` (one per initialization), each model's per-image network is replaced by a copy
    /// of that partly trained one (see ``warmEncoder(seed:targetAccuracy:maxSteps:)``); the
    /// aggregator stays at its initialization.
    static func measure(k: Int, initializations: Int, pools: Int = 4, firstImages: Int, maxImages: Int, tuplesPerImage: Int,
                        warm: [WarmEncoder]? = nil, seed: (UInt64...) -> UInt64, log: (String) -> Void) -> [Measurement] {
        precondition(warm == nil || warm!.count == initializations, "ParityLinesSNR: \(warm!.count) warm encoders for \(initializations) initializations")
        let models = (0..<initializations).map { i -> CompositeModel in
            let model = ParityLinesModel.make(k: k, seed: seed(UInt64(k), 6, UInt64(i)))
            if let w = warm?[i] {
                for (to, from) in zip(model.node("encoder")!.module.parameters(), w.encoder.parameters()) { to.assign(from.value) }
            }
            return model
        }
        let point = warm == nil ? "initialization" : "warm"
        let imageAccuracy = warm.map { SampleStatistics.mean($0.map(\.accuracy)) } ?? .nan
        let losses = [false, true]  // end-to-end, decomposition
        var open = [true, true], results: [Measurement?] = [nil, nil]
        var size = max(firstImages, 2 * k), round: UInt64 = 0
        while open.contains(true) {
            let active = losses.indices.filter { open[$0] }
            let tuples = size * tuplesPerImage
            var snr2 = active.map { _ in [Double]() }
            for (i, model) in models.enumerated() {
                let images = ParityLines(k: 1, count: pools * size, seed: seed(UInt64(k), warm == nil ? 5 : 8, UInt64(i), round)).batch(at: Array(0..<(pools * size)))
                var rng = RandomGenerator(seed: seed(UInt64(k), 7, UInt64(i), round))
                let features = ImageFeatures(model: model, images: images.inputs.reshaped([pools * size, 1, 28, 28]),
                                             labels: images.intermediates["image_labels"]!.scalars)
                var acc = active.map { _ in Accumulator(pools: pools, width: features.width + 1) }
                addPools(model: model, images: features, k: k, pools: pools, tuples: tuples, losses: active.map { losses[$0] }, rng: &rng, into: &acc)
                for a in active.indices { snr2[a].append(acc[a].snr2) }
            }
            let last = 2 * size > maxImages
            for (a, l) in active.enumerated() {
                let mean = SampleStatistics.mean(snr2[a])
                let interval = SampleStatistics.meanInterval(snr2[a])
                let root = { (v: Double) in v > 0 ? v.squareRoot() : 0 }
                let m = Measurement(strategy: losses[l] ? "decomposition" : "end-to-end", k: k, value: root(mean),
                                    ciLow: root(interval?.low ?? 0), ciHigh: root(interval?.high ?? 0), initializations: initializations,
                                    examples: pools * (k == 1 ? size : tuples), images: pools * size, point: point,
                                    imageAccuracy: imageAccuracy)
                results[l] = m
                if let iv = interval, iv.low > 0, iv.low >= mean / 3 { open[l] = false }
                if last { open[l] = false }
                if !open[l] {
                    log("SNR (\(point)) k=\(k) \(m.strategy): \(m.value) (95 % CI \(m.ciLow)…\(m.ciHigh)), \(initializations) initializations × \(m.images) images, \(m.examples) tuples")
                }
            }
            size *= 2
            round += 1
        }
        return results.map { $0! }
    }

    /// A per-image network trained briefly on single images against their own labels.
    struct WarmEncoder {
        var encoder: Module
        /// Its accuracy on held-out single images.
        var accuracy: Double
    }

    /// The per-image network of a fresh model (seeded with `seed`), trained on single images
    /// with the hinge loss on each image's own label (Adam as in the experiment, batch 32, fresh
    /// images every step) until its accuracy on 512 held-out images reaches `targetAccuracy`
    /// (checked every 5 steps) or `maxSteps` steps. The same network is then measured for every k,
    /// so that only the number of images changes between k: the end-to-end signal should fall
    /// as the per-image correlation to the power k − 1.
    static func warmEncoder(seed: UInt64, targetAccuracy: Double, maxSteps: Int) -> WarmEncoder {
        let model = ParityLinesModel.make(k: 1, seed: seed)
        let encoder = model.node("encoder")!.module
        let optimizer = Adam(encoder.parameters(), learningRate: 1e-3, beta1: 0.9, beta2: 0.99, epsilon: 1e-5)
        let batchSize = 32
        let train = ParityLines(k: 1, count: maxSteps * batchSize, seed: SeedDerivation.derive(seed, [1]))
        let held = ParityLines(k: 1, count: 512, seed: SeedDerivation.derive(seed, [2])).batch(at: Array(0..<512))
        let heldImages = held.inputs.reshaped([512, 1, 28, 28]), heldLabels = held.intermediates["image_labels"]!
        func accuracy() -> Double {
            let (correct, total) = Objective.hinge.correct(withNoGrad { encoder(heldImages) }, heldLabels)
            return Double(correct) / Double(max(total, 1))
        }
        var step = 0, current = accuracy()
        while step < maxSteps && current < targetAccuracy {
            let b = train.batch(at: Array((step * batchSize)..<((step + 1) * batchSize)))
            optimizer.zeroGrad()
            Objective.hinge.loss(encoder(b.inputs.reshaped([batchSize, 1, 28, 28])), b.intermediates["image_labels"]!).backward()
            optimizer.step()
            step += 1
            if step % 5 == 0 { current = accuracy() }
        }
        return WarmEncoder(encoder: encoder, accuracy: current)
    }
}
