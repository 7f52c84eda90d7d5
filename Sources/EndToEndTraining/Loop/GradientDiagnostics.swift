import EndToEnd
import EndToEndNN

/// Gradient statistics per group of parameters (a module, or a named slice of one).
///
/// The signal-to-noise ratio follows Shalev-Shwartz et al. 2017: from per-example gradients
/// g₁…gₙ of the training loss, SNR = ‖E g‖ / √(E ‖g − E g‖²), the norm of the expected gradient
/// over its per-example standard deviation. Low SNR means a step is mostly noise: the regime in
/// which end-to-end training stalls. The estimate is bias-corrected: the sample mean's squared
/// norm overstates ‖E g‖² by tr(Σ)/n, so that much is subtracted (floored at 0), and the
/// variance uses n − 1. Without the correction pure noise would read as SNR ≈ 1/√n.
public enum GradientDiagnostics {
    /// A named set of parameters whose gradients are measured together.
    public struct Group: @unchecked Sendable {
        public var name: String
        public var parameters: [Parameter]
        public init(name: String, parameters: [Parameter]) {
            self.name = name
            self.parameters = parameters
        }
    }

    /// √Σ g² over the group's current gradients; nil when none has a gradient.
    public static func gradientNorm(_ group: Group) -> Double? {
        var sum = 0.0, any = false
        for p in group.parameters {
            guard let g = p.grad else { continue }
            any = true
            for v in g.scalars { sum += Double(v) * Double(v) }
        }
        return any ? sum.squareRoot() : nil
    }

    /// Per-example gradient SNR of `loss` for each group with trainable parameters.
    ///
    /// Runs one backward pass per example; gradients are cleared before and after, so training
    /// state is unaffected.
    public static func signalToNoise(groups: [Group], examples: Int, loss: (Int) -> Tensor) -> [String: Double] {
        let live = groups.filter { $0.parameters.contains(where: \.requiresGrad) }
        guard examples >= 2, !live.isEmpty else { return [:] }
        let all = live.flatMap(\.parameters)
        var perExample: [[[Float]]] = []  // [example][group] → flattened gradient
        for i in 0..<examples {
            for p in all { p.zeroGrad() }
            loss(i).backward()
            perExample.append(live.map { g in
                g.parameters.filter(\.requiresGrad).flatMap { $0.grad?.scalars ?? [Float](repeating: 0, count: $0.count) }
            })
        }
        for p in all { p.zeroGrad() }
        var out: [String: Double] = [:]
        for (j, group) in live.enumerated() where !perExample[0][j].isEmpty {
            out[group.name] = signalToNoise(of: perExample.map { $0[j].map(Double.init) })
        }
        return out
    }

    /// The bias-corrected SNR of per-example gradients (one row per example, at least two).
    public static func signalToNoise(of gradients: [[Double]]) -> Double {
        precondition(gradients.count >= 2, "signalToNoise: needs at least two examples")
        let n = Double(gradients.count), d = gradients[0].count
        var mean = [Double](repeating: 0, count: d)
        for row in gradients { for c in 0..<d { mean[c] += row[c] } }
        for c in 0..<d { mean[c] /= n }
        var variance = 0.0
        for row in gradients { for c in 0..<d { let e = row[c] - mean[c]; variance += e * e } }
        variance /= n - 1
        let signal = max(0, mean.reduce(0) { $0 + $1 * $1 } - variance / n).squareRoot()
        return variance > 0 ? signal / variance.squareRoot() : .infinity
    }
}
