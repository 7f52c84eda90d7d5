import EndToEnd
import EndToEndTraining

/// The classic diagnosis pipeline on cell images: segment the nuclei
/// (``NucleusSegmentation``), measure them (``NucleusFeatures``), and fit a logistic
/// regression on the per-image features. Only the last stage is fitted.
public final class CellPipeline {
    /// The classifier's L2 weight (on the mean-loss scale) and its fitting budget.
    public static let l2 = 1e-3
    public static let steps = 400
    public static let learningRate = 0.05
    /// Hand-set constants of the pipeline: Otsu's bin count, the dark-foreground rule, the
    /// minimum nucleus area, the connectivity, the choice of 8 features, and the classifier's
    /// L2 weight, steps and learning rate.
    public static let handSetConstants = 8

    public let classifier = LogisticRegression(features: NucleusFeatures.names.count, l2: CellPipeline.l2)

    public init() {}

    /// Stages one and two for every image: `[N, 8]` features.
    public static func features(_ images: CellImages) -> Tensor {
        let s = CellImages.size
        var out: [Float] = []
        out.reserveCapacity(images.count * NucleusFeatures.names.count)
        for i in 0..<images.count {
            let px = images.pixels(i)
            let labels = NucleusSegmentation.segment(px, width: s, height: s)
            out += NucleusFeatures.summary(NucleusFeatures.regions(labels, pixels: px), pixels: px)
        }
        return Tensor(shape: [images.count, NucleusFeatures.names.count], scalars: out)
    }

    /// Stage three on precomputed features.
    @discardableResult
    public func fit(features: Tensor, labels: [Int], steps: Int = CellPipeline.steps, seed: UInt64) throws -> TrainingSummary {
        try classifier.fit(features, labels: labels, steps: steps, learningRate: Self.learningRate, seed: seed)
    }

    /// P(malignant) for precomputed features.
    public func probabilities(features: Tensor) throws -> [Float] {
        let p = try classifier.probabilities(features)
        return (0..<p.shape[0]).map { p[$0, 1] }
    }

    /// Learned numbers (the classifier's weights and standardization).
    public var parameterCount: Int { classifier.parameterCount }
}
