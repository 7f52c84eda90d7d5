import EndToEnd
import EndToEndData

/// Fresh training batches for a parity target: `x` uniform on `{±1}^d`, `y = (−1)^⟨b, v*⟩`
/// where `b` are the 0/1 bits behind `x` (`x = 1 − 2b`), as in ``ParityBits``.
///
/// ``ParityBits`` holds a fixed sample (used here as the test set); training draws a new
/// batch every step, as the paper does, so no run can succeed by memorising a finite set.
struct ParityBatchSampler {
    let d: Int
    let inSubset: [Bool]
    var rng: RandomGenerator

    /// Batches for the hidden subset of `reference` (which fixes `d` and `v*`).
    init(matching reference: ParityBits, seed: UInt64) {
        d = reference.d
        let subset = Set(reference.subset)
        inSubset = (0..<reference.d).map { subset.contains($0) }
        rng = RandomGenerator(seed: seed)
    }

    /// Inputs `[count, d]` in ±1 and labels `[count, 1]` in ±1.
    mutating func next(_ count: Int) -> (x: Tensor, y: Tensor) {
        var xs = [Float](repeating: 0, count: count * d)
        var ys = [Float](repeating: 0, count: count)
        for n in 0..<count {
            var parity = 0
            var bits: UInt64 = 0, left = 0
            for i in 0..<d {
                if left == 0 { bits = rng.next(); left = 64 }
                let b = Int(bits & 1)
                bits >>= 1
                left -= 1
                xs[n * d + i] = b == 1 ? -1 : 1
                if inSubset[i] { parity ^= b }
            }
            ys[n] = parity == 1 ? -1 : 1
        }
        return (Tensor(shape: [count, d], scalars: xs), Tensor(shape: [count, 1], scalars: ys))
    }
}
