import EndToEnd

/// A trainable tensor owned by a ``Module``.
///
/// A class, so that a module, an optimizer and a checkpoint all refer to the same
/// parameter; the optimizer updates ``value`` in place (the parameter holds the only
/// reference to its storage once the graph is freed, so nothing is copied).
public final class Parameter: @unchecked Sendable {
    /// The current values, a leaf of the autodiff graph while ``requiresGrad`` is on.
    public var value: Tensor

    /// A parameter with the given initial values, trainable.
    public init(_ value: Tensor, requiresGrad: Bool = true) {
        self.value = value.detached().requiringGrad(requiresGrad)
    }

    /// Whether backward computes a gradient for this parameter. Turning it off freezes the
    /// parameter (its gradient is dropped); turning it on makes it trainable again.
    public var requiresGrad: Bool {
        get { value.requiresGrad }
        set { if newValue != value.requiresGrad { value = value.detached().requiringGrad(newValue) } }
    }

    /// The gradient accumulated by backward passes, or `nil`.
    public var grad: Tensor? {
        get { value.grad }
        set { if value.requiresGrad { value.grad = newValue } }
    }

    /// Shape of the values.
    public var shape: [Int] { value.shape }

    /// Number of scalars.
    public var count: Int { value.count }

    /// Clears the gradient.
    public func zeroGrad() { value.zeroGrad() }

    /// Replaces the values (same shape) without changing autodiff identity.
    public func assign(_ newValue: Tensor) {
        value.assign(newValue)
    }
}
