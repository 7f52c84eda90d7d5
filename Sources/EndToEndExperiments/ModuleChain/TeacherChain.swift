import EndToEnd

/// A chain of `n` random threshold modules on `{±1}^m`: `z_{i+1} = sign(W_i z_i)`, and a label
/// `y = sign(u · z_n)`.
///
/// Every output of a module (and the label) is a signed majority of `fanIn` (odd) distinct
/// inputs: its row of `W_i` holds `fanIn` entries ±1 and zeros elsewhere. The pre-activations
/// are then odd integers, so each module is a set of halfspaces with margin 1 that a linear
/// unit learns exactly; composed, each layer spreads a flipped bit to about `fanIn / 2`
/// outputs on average (a majority of 3 has total influence 1.5), so the label becomes an
/// ever more irregular function of `z_0`. `y(−z_0) = −y(z_0)`, so the labels are balanced.
struct TeacherChain {
    let m: Int
    /// `[m, m]` weights, one per module (applied as `z · W`, column j giving output j).
    let weights: [Tensor]
    /// `[m, 1]` readout.
    let readout: Tensor

    init(m: Int, modules n: Int, fanIn: Int = 3, seed: UInt64) {
        precondition(fanIn >= 1 && fanIn % 2 == 1 && fanIn <= m, "TeacherChain: fanIn must be odd and at most m")
        self.m = m
        var rng = RandomGenerator(seed: seed)
        func majorities(_ outputs: Int) -> Tensor {
            var w = [Float](repeating: 0, count: m * outputs)
            for j in 0..<outputs {
                for i in rng.permutation(m).prefix(fanIn) { w[i * outputs + j] = rng.next() & 1 == 1 ? 1 : -1 }
            }
            return Tensor(shape: [m, outputs], scalars: w)
        }
        weights = (0..<n).map { _ in majorities(m) }
        readout = majorities(1)
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
