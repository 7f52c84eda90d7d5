/// The end-to-end system: a 1-D CNN from the raw 16 kHz waveform to the 12 class scores,
/// in the style of Dai et al.'s M5 (2017): a long strided first kernel that learns its own
/// filterbank, then small kernels with max pooling, batch normalization, and a global average
/// over time. Trained on the cross-entropy of the output alone.
enum VoiceEndToEnd {
    /// Hand-set: 4 channel counts, 4 kernel sizes, the first stride, 3 pool sizes, learning
    /// rate, batch size and step count.
    static let handSetConstantCount = 15
    static let learningRate = 0.003
    static let batchSize = 32

    static let layers = [
        "{type: conv1d, out: 16, kernel_size: 64, stride: 8}", "batchnorm1d", "relu", "{type: maxpool1d, kernel_size: 4}",
        "{type: conv1d, out: 32, kernel_size: 5, padding: 2}", "batchnorm1d", "relu", "{type: maxpool1d, kernel_size: 4}",
        "{type: conv1d, out: 64, kernel_size: 3, padding: 1}", "batchnorm1d", "relu", "{type: maxpool1d, kernel_size: 4}",
        "{type: conv1d, out: 64, kernel_size: 3, padding: 1}", "batchnorm1d", "relu",
        "global_avg_pool1d", "{type: linear, out: \(VoiceVocabulary.classCount)}",
    ]

    /// A freshly initialized network (weights drawn from `seed`), built from the config schema.
    static func network(seed: UInt64) throws -> ConfiguredNetwork {
        try ConfiguredNetwork(approach: "end-to-end", inputShape: [1, ClipAssembler.length], classes: VoiceVocabulary.classCount,
                              layers: layers, optimizer: "{type: adam, lr: \(learningRate)}", batchSize: batchSize, seed: seed)
    }
}
