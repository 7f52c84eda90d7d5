extension Tensor {
    /// Whether gradients flow to this tensor: it is a leaf made with ``requiringGrad()``, or
    /// the result of an op on such tensors recorded while grad mode was on.
    public var requiresGrad: Bool { node != nil }

    /// Whether this tensor is a leaf of the graph (a parameter), as opposed to an op result.
    public var isLeaf: Bool { node?.isLeaf ?? true }

    /// The op that produced this tensor (`"leaf"` for parameters), or `nil` if untracked.
    public var gradOp: String? { node?.op }

    /// A leaf tensor with the same values that accumulates gradients: a parameter.
    /// The values are shared (no copy); the autodiff history is not.
    public func requiringGrad(_ flag: Bool = true) -> Tensor {
        var t = self
        t.node = flag ? GradNode(leafWithShape: shape) : nil
        return t
    }

    /// Whether `other` is this very tensor: the same view of the same storage with the same
    /// autodiff record, so that a gradient for one is a gradient for the other. Fused ops use it
    /// to see that, say, an attention's query, key and value are one input.
    public func isSameTensor(as other: Tensor) -> Bool {
        storage === other.storage && offset == other.offset && shape == other.shape && strides == other.strides
            && node === other.node
    }

    /// The same values cut off from the autodiff graph: gradients do not flow through it.
    /// This is PyTorch's `detach()` and JAX's `stop_gradient`.
    public func detached() -> Tensor {
        var t = self
        t.node = nil
        return t
    }

    /// The accumulated gradient of a leaf (or of an op result that called ``retainGrad()``),
    /// `nil` before the first backward pass or after ``zeroGrad()``.
    public var grad: Tensor? {
        get { node?.grad }
        nonmutating set {
            guard let node else { fail(TensorError("grad", "tensor of shape \(shapeString(shape)) does not require a gradient")) }
            if let newValue, newValue.shape != shape {
                fail(TensorError("grad", "gradient shape \(shapeString(newValue.shape)) does not match tensor shape \(shapeString(shape))"))
            }
            node.grad = newValue
        }
    }

    /// Clears the accumulated gradient (sets it to `nil`, like `zero_grad(set_to_none=True)`).
    public func zeroGrad() { node?.grad = nil }

    /// Asks an intermediate result to keep its gradient after backward.
    public func retainGrad() {
        guard let node else { fail(TensorError("retainGrad", "tensor of shape \(shapeString(shape)) does not require a gradient")) }
        node.retainsGrad = true
    }

    /// Records that `self` (already computed) is `op(inputs)`, with `backward` mapping the
    /// output gradient to one gradient per input (return `nil` for inputs that need none).
    ///
    /// Nothing is recorded when grad mode is off or no input requires a gradient, so
    /// inference pays nothing for autodiff.
    mutating func record(op: String, inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]) {
        guard GradMode.isEnabled else { return }
        var any = false
        for t in inputs where t.node != nil { any = true; break }
        guard any else { return }
        if AnomalyDetection.enabled { AnomalyDetection.check(self, op: op, phase: .forward) }
        node = GradNode(op: op, shape: shape, parents: inputs.map { $0.node }, backward: backward)
    }

    /// ``record(op:inputs:backward:)`` for one input.
    mutating func recordUnary(_ input: Tensor, op: String, backward: @escaping (Tensor) -> Tensor) {
        guard GradMode.isEnabled, input.node != nil else { return }
        if AnomalyDetection.enabled { AnomalyDetection.check(self, op: op, phase: .forward) }
        node = GradNode(op: op, shape: shape, parents: [input.node]) { g in [backward(g)] }
    }
}
