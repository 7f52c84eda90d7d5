import EndToEnd

/// The synthetic "stocks" task: d situations, each with one correct choice among k.
///
/// The input is a one-hot situation `e_i` (`i` uniform in `0..<d`); the correct output
/// `c(i)` is drawn once, uniformly in `0..<k`. Each sample comes with a reward vector: 1 at
/// `c(i)` and independent uniform ±1 elsewhere, drawn afresh for every sample, so the
/// expected reward of choosing `j` is 1 for the correct output and 0 for any other.
struct StockPicking {
    let d: Int
    let k: Int
    /// `c(i)` for every situation.
    let correct: [Int32]
    private var rng: RandomGenerator

    init(d: Int, k: Int, taskSeed: UInt64, sampleSeed: UInt64) {
        self.d = d
        self.k = k
        var t = RandomGenerator(seed: taskSeed)
        correct = (0..<d).map { _ in Int32(t.nextInt(below: k)) }
        rng = RandomGenerator(seed: sampleSeed)
    }

    /// One batch: one-hot inputs `[B, d]`, correct outputs `[B]`, rewards `[B, k]`.
    mutating func next(_ count: Int) -> (x: Tensor, correct: IntTensor, rewards: Tensor) {
        var situations = [Int32](repeating: 0, count: count)
        var targets = [Int32](repeating: 0, count: count)
        var rewards = [Float](repeating: 0, count: count * k)
        for b in 0..<count {
            let i = rng.nextInt(below: d)
            situations[b] = Int32(i)
            targets[b] = correct[i]
            var bits: UInt64 = 0, left = 0
            for j in 0..<k {
                if left == 0 { bits = rng.next(); left = 64 }
                rewards[b * k + j] = bits & 1 == 1 ? 1 : -1
                bits >>= 1
                left -= 1
            }
            rewards[b * k + Int(correct[i])] = 1
        }
        return (Tensor.oneHot(IntTensor(situations), classes: d), IntTensor(targets),
                Tensor(shape: [count, k], scalars: rewards))
    }
}
