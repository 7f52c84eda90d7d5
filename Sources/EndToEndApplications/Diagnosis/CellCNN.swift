/// The end-to-end system on cell images: a small CNN from the 40×40 pixels to the diagnosis,
/// trained on the cross-entropy of the label alone, declared in the config schema so the
/// report's `models/end-to-end/` works with `e2e predict`.
public enum CellCNN {
    /// conv3×3(16)-BN-ReLU-pool, conv3×3(32)-BN-ReLU-pool, conv3×3(32)-ReLU, global average
    /// pool (a counting-friendly summary), linear 32, ReLU, linear 2.
    public static let layers = [
        "{type: conv2d, in: 1, out: 16, kernel_size: 3, padding: 1}", "{type: batchnorm2d}", "relu", "{type: maxpool2d, kernel_size: 2}",
        "{type: conv2d, out: 32, kernel_size: 3, padding: 1}", "{type: batchnorm2d}", "relu", "{type: maxpool2d, kernel_size: 2}",
        "{type: conv2d, out: 32, kernel_size: 3, padding: 1}", "relu", "global_avg_pool2d",
        "{type: linear, out: 32}", "relu", "{type: linear, out: 2}",
    ]
    public static let optimizer = "{type: adam, lr: 0.003}"
    public static let batchSize = 32
    /// Hand-set constants: three widths, the kernel size, the hidden width, the learning
    /// rate, the batch size and the epoch count.
    public static let handSetConstants = 8
}

/// The end-to-end model of the table: an MLP from the 30 raw measurements (batch norm first,
/// so no hand standardization) to the diagnosis.
public enum TableMLP {
    public static let layers = ["{type: batchnorm1d}", "{type: linear, out: 32}", "relu", "{type: linear, out: 2}"]
    public static let optimizer = "{type: adam, lr: 0.003}"
    public static let batchSize = 32
    /// Hand-set constants: the hidden width, learning rate, batch size and epochs.
    public static let handSetConstants = 4
}
