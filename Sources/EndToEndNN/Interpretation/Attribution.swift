import EndToEnd

/// An error from an attribution method: a bad target, step count or baseline.
public struct AttributionError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "attribution: " + message }
}

/// Which input elements a network's output depends on: the attribution methods that make a
/// trained model's decision readable as a map over its input (pixels, samples, features).
///
/// Every method takes the model as a function from a batch `[N, ...]` to scores `[N, K]`
/// and explains the score of class `target` for each example of the batch, returning a
/// tensor shaped like the input. Put modules in evaluation mode first (dropout off, batch
/// norm on running statistics), so that each example's score depends on that example only.
///
/// ```swift
/// model.eval()
/// let saliency = try Attribution.gradientTimesInput(model: { model($0) }, input: x, target: 1)
/// let ig = try Attribution.integratedGradients(model: { model($0) }, input: x, target: 1, steps: 32)
/// ```
public enum Attribution {
    /// The gradient of the target score with respect to the input, `∂ f_target(x) / ∂ x`,
    /// for every example of the batch (the scores of different examples are summed, which
    /// leaves each example's gradient its own when examples do not interact).
    public static func inputGradient(model: (Tensor) -> Tensor, input: Tensor, target: Int) throws -> Tensor {
        guard input.rank >= 1, input.shape[0] > 0 else {
            throw AttributionError("the input must be a non-empty batch [N, ...], got shape \(input.shape)")
        }
        var failure: AttributionError?
        let (_, g) = valueAndGradient(at: input.detached()) { x in
            let out = model(x)
            guard out.rank == 2, out.shape[0] == input.shape[0] else {
                failure = AttributionError("the model must return scores [\(input.shape[0]), classes], got shape \(out.shape)")
                return Tensor(0)
            }
            guard (0..<out.shape[1]).contains(target) else {
                failure = AttributionError("target class \(target) is out of range for \(out.shape[1]) output columns")
                return Tensor(0)
            }
            return (out * oneHotRow(target, columns: out.shape[1])).sum()
        }
        if let failure { throw failure }
        return g
    }

    /// Gradient × input (Shrikumar et al. 2016): `x ⊙ ∂ f_target(x) / ∂ x`, the first-order
    /// share of each input element in the target score.
    public static func gradientTimesInput(model: (Tensor) -> Tensor, input: Tensor, target: Int) throws -> Tensor {
        let g = try inputGradient(model: model, input: input, target: target)
        return (input.detached() * g).contiguous()
    }

    /// Integrated gradients (Sundararajan, Taly & Yan 2017): `(x − x′) ⊙ ∫₀¹ ∂ f_target(x′ + α (x − x′)) / ∂ x dα`,
    /// the integral taken by the midpoint rule with `steps` points. Its elements sum to
    /// `f_target(x) − f_target(x′)` up to the quadrature error (completeness).
    ///
    /// - Parameters:
    ///   - steps: quadrature points along the straight path from the baseline (≥ 1).
    ///   - baseline: the reference input `x′`, shaped like `input` or like one example
    ///     (broadcast over the batch); nil means all zeros (a black image, silence).
    public static func integratedGradients(model: (Tensor) -> Tensor, input: Tensor, target: Int, steps: Int = 32,
                                           baseline: Tensor? = nil) throws -> Tensor {
        guard steps >= 1 else { throw AttributionError("integrated gradients need steps >= 1, got \(steps)") }
        let x = input.detached()
        let base: Tensor
        if let baseline {
            if baseline.shape == x.shape {
                base = baseline.detached()
            } else if baseline.shape == Array(x.shape.dropFirst()) || baseline.shape == [1] + Array(x.shape.dropFirst()) {
                base = baseline.detached().reshaped([1] + Array(x.shape.dropFirst())).expanded(to: x.shape).contiguous()
            } else {
                throw AttributionError("the baseline has shape \(baseline.shape) but the input has shape \(x.shape)")
            }
        } else {
            base = Tensor.zeros(x.shape)
        }
        let delta = x - base
        var total = Tensor.zeros(x.shape)
        for k in 0..<steps {
            let alpha = (Float(k) + 0.5) / Float(steps)
            total = total + (try inputGradient(model: model, input: base + delta * alpha, target: target))
        }
        return (delta * total / Float(steps)).contiguous()
    }

    /// `[1, columns]`, 1 at `target`: picks the target column by a product, which keeps the
    /// selection differentiable with the ops every model already uses.
    static func oneHotRow(_ target: Int, columns: Int) -> Tensor {
        var v = [Float](repeating: 0, count: columns)
        v[target] = 1
        return Tensor(shape: [1, columns], scalars: v)
    }
}
