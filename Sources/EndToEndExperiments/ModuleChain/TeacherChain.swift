import EndToEnd

/// A chain of `n` random threshold modules on `{±1}^m`: `z_{i+1} = sign(W_i z_i)`, `W_i`
/// Gaussian, and a label `y = sign(u · z_n)` from a Gaussian readout `u`.
///
/// Each module alone is a halfspace per coordinate, learnable by a linear unit; composed,
/// the chain decorrelates nearby inputs layer by layer (the correlation of two codes follows
/// `ρ ↦ (2/π) arcsin ρ`), so the label becomes an ever more irregular function of `z_0`.
/// There is no bias, so `y(−z_0) = −y(z_0)` and the two labels are equally frequent.
struct TeacherChain {
    let m: Int
    /// `[m, m]` weights, one per module.
    let weights: [Tensor]
    /// `[m, 1]` readout.
    let readout: Tensor

    init(m: Int, modules n: Int, seed: UInt64) {
        self.m = m
        var rng = RandomGenerator(seed: seed)
        weights = (0..<n).map { _ in Tensor.normal([m, m], using: &rng) }
        readout = Tensor.normal([m, 1], using: &rng)
    }

    var modules: Int { weights.count }

    /// The codes `z_0 … z_n` (each `[B, m]`, ±1) and the labels `[B, 1]` (±1) for inputs `z0`.
    func codes(_ z0: Tensor) -> (codes: [Tensor], label: Tensor) {
        withNoGrad {
            var codes = [z0]
            for w in weights { codes.append(Self.sign(codes.last!.matmul(w))) }
            return (codes, Self.sign(codes.last!.matmul(readout)))
        }
    }

    /// ±1, with 0 (probability zero for Gaussian weights) sent to +1.
    static func sign(_ t: Tensor) -> Tensor { t.ge(0) * 2 - 1 }

    /// `count` inputs uniform on `{±1}^m`.
    static func inputs(_ count: Int, m: Int, using rng: inout RandomGenerator) -> Tensor {
        var xs = [Float](repeating: 0, count: count * m)
        var bits: UInt64 = 0, left = 0
        for i in 0..<xs.count {
            if left == 0 { bits = rng.next(); left = 64 }
            xs[i] = bits & 1 == 1 ? 1 : -1
            bits >>= 1
            left -= 1
        }
        return Tensor(shape: [count, m], scalars: xs)
    }
}
