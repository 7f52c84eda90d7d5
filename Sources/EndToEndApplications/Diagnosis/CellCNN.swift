/// The end-to-end system on cell images: a small CNN from the 40×40 pixels to the diagnosis,
/// trained on the cross-entropy of the label alone, declared in the config schema so the
/// report's `models/end-to-end/` works with `e2e predict`.
public enum CellCNN {
    /// Batch norm on the input (a learned input normalization: the image statistics do not
    /// move during training, so its running statistics are exact at evaluation), then
    /// conv3×3(16)-ReLU-pool, conv3×3(32)-ReLU-pool, conv3×3(32)-ReLU, global average pool (a
    /// counting-friendly summary), linear 32, ReLU, linear 2. No batch norm between the
    /// convolutions: there its running means lagged the fast-moving batch means and
    /// evaluation-mode outputs collapsed to one class (measured: 44 % evaluation-mode against
    /// 84 % training-mode accuracy on the training images); without any normalization, a
    /// 4,000-image run stayed at chance (loss 0.692 after 1,000 steps).
    public static let layers = [
        "{type: batchnorm2d, features: 1}",
        "{type: conv2d, out: 16, kernel_size: 3, padding: 1}", "relu", "{type: maxpool2d, kernel_size: 2}",
        "{type: conv2d, out: 32, kernel_size: 3, padding: 1}", "relu", "{type: maxpool2d, kernel_size: 2}",
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
