/// The value of `f` at `parameters` and the gradient of `f` with respect to each of them.
///
/// A functional counterpart of ``Tensor/backward(_:retainGraph:)``: the parameters are
/// wrapped as fresh leaves, so gradients already accumulated in them are neither read nor
/// changed.
///
/// ```swift
/// let (loss, grads) = valueAndGradient(at: [w, b]) { p in
///     ((x.matmul(p[0]) + p[1]) - y).square().mean()
/// }
/// ```
public func valueAndGradient(at parameters: [Tensor], of f: ([Tensor]) throws -> Tensor) rethrows -> (value: Tensor, gradients: [Tensor]) {
    let leaves = parameters.map { $0.detached().requiringGrad() }
    let value = try withGrad { try f(leaves) }
    guard value.count == 1 else {
        fail(TensorError("valueAndGradient", "the function must return a one-element tensor (a loss), got shape \(shapeString(value.shape))"))
    }
    if value.requiresGrad { value.backward() }
    let grads = leaves.map { $0.grad ?? Tensor.zeros($0.shape) }
    return (value.detached(), grads)
}

/// The gradient of a scalar function with respect to each parameter.
public func gradient(at parameters: [Tensor], of f: ([Tensor]) throws -> Tensor) rethrows -> [Tensor] {
    try valueAndGradient(at: parameters, of: f).gradients
}

/// The value and gradient of a scalar function of one tensor.
public func valueAndGradient(at x: Tensor, of f: (Tensor) throws -> Tensor) rethrows -> (value: Tensor, gradient: Tensor) {
    let (v, g) = try valueAndGradient(at: [x]) { try f($0[0]) }
    return (v, g[0])
}
