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
/// The signal ‖E g‖ shrinks fast with k while the noise does not, so a plain mean of per-example
/// gradients loses it below its 1/√n floor already at k = 2. The estimate therefore uses the
/// data's mirror symmetry: mirroring an image left to right maps a line of angle θ to one of
/// angle π − θ with the same length and a mirrored centre, a draw exactly as likely, and flips the
/// image's label (and with it the tuple's parity). Each tuple's 2^k mirror images are thus
/// equally likely examples, and the mean gradient over that orbit, ḡᵢ, has the same expectation
/// as g but only the part of its variance that survives the alternating labels: an unbiased
/// estimate of E g whose noise shrinks with the signal. ‖E g‖² is estimated without bias as
/// ‖mean ḡ‖² − tr(Σ̂_ḡ)/n and the noise E‖g − E g‖² as mean‖g‖² − ‖E g‖² over every orbit member.
enum ParityLinesSNR {
    /// The SNR² estimate of one initialization, from running sums over tuples.
    struct Accumulator {
        var tuples = 0
        var samples = 0
        var sum: [Double]
        var sumSquares: [Double]
        var sumSquaredNorms = 0.0

        init(width: Int) {
            sum = [Double](repeating: 0, count: width)
            sumSquares = sum
        }

        /// Adds one chunk: per tuple its 2^k orbit members' gradients.
        mutating func add(_ orbits: [[[Double]]]) {
            for members in orbits {
                guard let first = members.first else { continue }
                var mean = [Double](repeating: 0, count: first.count)
                for g in members {
                    var norm = 0.0
                    for c in g.indices {
                        mean[c] += g[c]
                        norm += g[c] * g[c]
                    }
                    sumSquaredNorms += norm
                }
                let scale = 1 / Double(members.count)
                for c in mean.indices {
                    let v = mean[c] * scale
                    sum[c] += v
                    sumSquares[c] += v * v
                }
                tuples += 1
                samples += members.count
            }
        }

        /// Unbiased ‖E g‖²: ‖mean ḡ‖² minus the trace of its covariance estimate over n (may be negative).
        var signal2: Double {
            guard tuples >= 2 else { return .nan }
            let n = Double(tuples)
            var s = 0.0
            for c in sum.indices {
                let m = sum[c] / n
                let variance = (sumSquares[c] - n * m * m) / (n - 1)
                s += m * m - variance / n
            }
            return s
        }

        /// E‖g − E g‖².
        var noise2: Double { sumSquaredNorms / Double(max(samples, 1)) - signal2 }

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

    /// For each tuple of `batch`, the exact gradients of the last layer's (weight..., bias) for its
    /// 2^k mirror images: member `e` mirrors image j when bit j of e is set (member 0 is the tuple).
    static func orbitGradients(model: CompositeModel, batch: Batch, decomposition: Bool) -> [[[Double]]] {
        orbitGradients(model: model, batch: batch, losses: [decomposition])[0]
    }

    /// ``orbitGradients(model:batch:decomposition:)`` for several losses (`true`: decomposition)
    /// from one pass of the convolutions.
    static func orbitGradients(model: CompositeModel, batch: Batch, losses: [Bool]) -> [[[[Double]]]] {
        let n = batch.inputs.shape[0], k = batch.inputs.shape[1]
        let (body, last) = split(model)
        let flat = batch.inputs.reshaped([n * k] + batch.inputs.shape.dropFirst(2))
        let h = [features(body, flat), features(body, mirrored(flat))]
        let s = h.map { hv in withNoGrad { last(hv) }.scalars }
        let hs = h.map(\.scalars), width = h[0].shape[1]
        let m = 1 << k
        let labels = batch.labels?.scalars ?? [], imageLabels = batch.intermediates["image_labels"]?.scalars ?? []
        precondition(labels.count == n && imageLabels.count == n * k, "ParityLinesSNR: the batch lacks parity or image labels")
        var scores = [Float](repeating: 0, count: n * m * k), y = [Float](repeating: 0, count: n * m)
        var yImage = [Float](repeating: 0, count: n * m * k)
        for i in 0..<n {
            for e in 0..<m {
                y[i * m + e] = Float(Int(labels[i]) ^ (e.nonzeroBitCount & 1))
                for j in 0..<k {
                    let bit = (e >> j) & 1
                    scores[(i * m + e) * k + j] = s[bit][i * k + j]
                    yImage[(i * m + e) * k + j] = bit == 1 ? 1 - imageLabels[i * k + j] : imageLabels[i * k + j]
                }
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
            var out = [[[Double]]](repeating: [], count: n)
            for i in 0..<n {
                out[i] = (0..<m).map { e in
                    var g = [Double](repeating: 0, count: width + 1)
                    for j in 0..<k {
                        let d = Double(ds[(i * m + e) * k + j]) * Double(n * m)
                        let bit = (e >> j) & 1, base = (i * k + j) * width
                        for c in 0..<width { g[c] += d * Double(hs[bit][base + c]) }
                        g[width] += d
                    }
                    return g
                }
            }
            return out
        }
    }

    /// Each example's gradient of the last layer's (weight..., bias), from one batched pass
    /// (the orbit's member 0 of each tuple).
    static func perExampleGradients(model: CompositeModel, data: TrainingData, examples: Int, decomposition: Bool) -> [[Double]] {
        let batch = data.batch(at: Array(0..<min(examples, data.count)))
        return orbitGradients(model: model, batch: batch, decomposition: decomposition).map { $0[0] }
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
        /// Tuples per initialization.
        var examples: Int

        /// Whether the interval excludes 0, i.e. the signal is above the estimate's noise floor.
        var detected: Bool { ciLow > 0 }

        var json: JSONValue {
            .object([("strategy", .string(strategy)), ("k", .int(k)), ("value", .double(value)), ("ci_low", .double(ciLow)),
                     ("ci_high", .double(ciHigh)), ("initializations", .int(initializations)), ("examples", .int(examples)),
                     ("detected", .bool(detected))])
        }
    }

    /// The SNR over `initializations` fresh models for tuples of `k` images: every initialization
    /// gets its own tuples, added `chunk` at a time until the interval of the mean SNR² excludes 0
    /// with its lower end at least a third of the mean, or `maxExamples` tuples per initialization.
    static func measure(k: Int, initializations: Int, chunk: Int, maxExamples: Int, seed: (UInt64...) -> UInt64,
                        log: (String) -> Void) -> [Measurement] {
        let data = ParityLines(k: k, count: initializations * maxExamples, seed: seed(UInt64(k), 5))
        let models = (0..<initializations).map { ParityLinesModel.make(k: k, seed: seed(UInt64(k), 6, UInt64($0))) }
        let losses = [false, true]  // end-to-end, decomposition
        var acc = losses.map { _ in [Accumulator](repeating: Accumulator(width: 101), count: initializations) }
        var used = [0, 0], open = [true, true]
        var intervals: [(low: Double, high: Double)?] = [nil, nil], means = [0.0, 0.0]
        var offset = 0
        while open.contains(true) && offset < maxExamples {
            let take = min(chunk, maxExamples - offset)
            let active = losses.indices.filter { open[$0] }
            for (i, model) in models.enumerated() {
                let batch = data.batch(at: Array((i * maxExamples + offset)..<(i * maxExamples + offset + take)))
                let grads = orbitGradients(model: model, batch: batch, losses: active.map { losses[$0] })
                for (a, l) in active.enumerated() { acc[l][i].add(grads[a]) }
            }
            offset += take
            for l in active {
                used[l] = offset
                let values = acc[l].map(\.snr2)
                means[l] = SampleStatistics.mean(values)
                intervals[l] = SampleStatistics.meanInterval(values)
                if let iv = intervals[l], iv.low > 0, iv.low >= means[l] / 3 { open[l] = false }
            }
        }
        let root = { (v: Double) in v > 0 ? v.squareRoot() : 0 }
        return losses.indices.map { l in
            let m = Measurement(strategy: losses[l] ? "decomposition" : "end-to-end", k: k, value: root(means[l]),
                                ciLow: root(intervals[l]?.low ?? 0), ciHigh: root(intervals[l]?.high ?? 0),
                                initializations: initializations, examples: used[l])
            log("SNR k=\(k) \(m.strategy): \(m.value) (95 % CI \(m.ciLow)…\(m.ciHigh)), \(initializations) initializations × \(used[l]) tuples")
            return m
        }
    }
}
