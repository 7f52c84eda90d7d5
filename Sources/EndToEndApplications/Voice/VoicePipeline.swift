import EndToEnd
import EndToEndData
import Foundation

/// The classic pipeline: MFCCs (framing, Hann window, FFT power spectrum, mel filterbank,
/// log, DCT-II: ``MFCC`` in the data layer), a fixed summary over frames (``MFCCSummary``),
/// per-feature standardization fitted on the training set, and a small MLP classifier fitted
/// on the standardized features by the ``Trainer``.
struct VoicePipeline {
    /// Hand-set: the MFCC's constants, the summary's, and the classifier's hidden width,
    /// learning rate, batch size and step count.
    static let handSetConstantCount = MFCC.Configuration.handSetConstantCount + MFCCSummary.handSetConstantCount + 4
    static let hidden = 64
    static let learningRate = 0.01
    static let batchSize = 64

    let mfcc: MFCC

    init() throws { mfcc = try MFCC() }

    var featureCount: Int { MFCCSummary.featureCount(coefficients: mfcc.configuration.coefficients) }

    /// Stages 1–2 for every clip of `waveforms` (`[N, 1, L]`): `[N, features]`, on all cores.
    func features(_ waveforms: Tensor) throws -> Tensor {
        let n = waveforms.shape[0], length = waveforms.shape[2]
        let scalars = waveforms.contiguous().scalars
        let rows = ResultSlots<[Float]>(count: n)
        DispatchQueue.concurrentPerform(iterations: n) { i in
            rows.set(i, Result { MFCCSummary.features(try mfcc.coefficients(Array(scalars[(i * length)..<((i + 1) * length)]))) })
        }
        var out: [Float] = []
        out.reserveCapacity(n * featureCount)
        for i in 0..<n { out += try rows.get(i) }
        return Tensor(shape: [n, featureCount], scalars: out)
    }

    /// Stage 3: the per-feature mean and standard deviation of `train` (`[N, F]`).
    static func fitStandardizer(_ train: Tensor) -> (mean: Tensor, std: Tensor) {
        let mean = train.mean(axis: 0, keepDims: true)
        let std = (train - mean).square().mean(axis: 0, keepDims: true).sqrt() + 1e-6
        return (mean.contiguous(), std.contiguous())
    }

    static func standardize(_ x: Tensor, _ s: (mean: Tensor, std: Tensor)) -> Tensor { ((x - s.mean) / s.std).contiguous() }

    /// Stage 4: a freshly initialized classifier over the standardized features.
    func classifier(seed: UInt64) throws -> ConfiguredNetwork {
        try ConfiguredNetwork(approach: "pipeline", inputShape: [featureCount], classes: VoiceVocabulary.classCount,
                              layers: ["{type: linear, out: \(Self.hidden)}", "relu", "{type: linear, out: \(VoiceVocabulary.classCount)}"],
                              optimizer: "{type: adam, lr: \(Self.learningRate)}", batchSize: Self.batchSize, seed: seed)
    }
}
