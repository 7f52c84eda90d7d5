import EndToEnd

/// Non-trainable state owned by a ``Module`` and saved in checkpoints, such as batch
/// normalization's running mean (PyTorch's registered buffers).
public final class Buffer: @unchecked Sendable {
    /// The current values; never require gradients.
    public var value: Tensor

    public init(_ value: Tensor) { self.value = value.detached() }

    public var shape: [Int] { value.shape }
}
