import EndToEnd

/// A layer that can run together with a `ReLU` after it as one op: ``forwardReLU(_:)`` equals
/// `ReLU()(forward(x))` to the bit, values and gradients. ``Linear``, ``Conv1d`` and ``Conv2d``
/// are.
public protocol ReLUFusing: Module {
    /// `forward(x).relu()` as one op.
    func forwardReLU(_ x: Tensor) -> Tensor
}

/// Runs a list of layers with each ``ReLUFusing`` layer and the `ReLU` right after it as one op.
///
/// Why: a separate ReLU makes one more pass over the layer's output in each direction and
/// allocates one more output-sized tensor; fused, the ReLU is applied while the output is in
/// cache and its mask where the backward pass first reads the gradient (6 % of the CNN
/// benchmark's step was the ReLU's two passes). The values are the same, so this is not an
/// option: ``Sequential`` and config-built models always do it. While anomaly detection is on
/// (it names the module an op ran in), every layer runs on its own.
public enum ReLUFusion {
    /// The layer to run fused when `layer` is followed by `next`, or `nil`.
    public static func fused(_ layer: Module, followedBy next: Module) -> ReLUFusing? {
        guard next is ReLU, !AnomalyDetection.isEnabled else { return nil }
        return layer as? ReLUFusing
    }

    /// `layers` applied to `x` in order, fused pairs as one op.
    public static func apply(_ layers: [Module], to x: Tensor) -> Tensor {
        var h = x, i = 0
        while i < layers.count {
            if i + 1 < layers.count, let f = fused(layers[i], followedBy: layers[i + 1]) {
                h = f.forwardReLU(h)
                i += 2
            } else {
                h = layers[i](h)
                i += 1
            }
        }
        return h
    }
}

extension Linear: ReLUFusing {
    public func forwardReLU(_ x: Tensor) -> Tensor {
        checkInput(x)
        return x.linearReLU(weight: weight.value, bias: bias?.value)
    }
}

extension Conv2d: ReLUFusing {
    public func forwardReLU(_ x: Tensor) -> Tensor {
        x.conv2dReLU(weight.value, bias: bias?.value, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }
}

extension Conv1d: ReLUFusing {
    public func forwardReLU(_ x: Tensor) -> Tensor {
        x.conv1dReLU(weight.value, bias: bias?.value, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }
}
