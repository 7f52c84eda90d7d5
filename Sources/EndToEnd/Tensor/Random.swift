import Foundation
import Synchronization

/// A seedable pseudo-random generator (xoshiro256**, seeded through SplitMix64).
///
/// Integer arithmetic only, so one seed gives the same numbers on every machine; normal
/// values use the Box-Muller transform in `Double`.
public struct RandomGenerator: RandomNumberGenerator, Sendable {
    private var s0, s1, s2, s3: UInt64

    /// A generator whose whole stream is determined by `seed`.
    public init(seed: UInt64) {
        var sm = seed
        func splitmix() -> UInt64 {
            sm &+= 0x9E37_79B9_7F4A_7C15
            var z = sm
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitmix(); s1 = splitmix(); s2 = splitmix(); s3 = splitmix()
    }

    /// The generator's whole state, for checkpoints: ``init(state:)`` continues the stream
    /// exactly where it was.
    public var state: [UInt64] { [s0, s1, s2, s3] }

    /// A generator that continues from a saved ``state``; nil unless it has four words, not all zero.
    public init?(state: [UInt64]) {
        guard state.count == 4, state.contains(where: { $0 != 0 }) else { return nil }
        (s0, s1, s2, s3) = (state[0], state[1], state[2], state[3])
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    @inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1) with 24 bits of precision.
    public mutating func nextUniform() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Uniform in [0, 1) with 53 bits of precision.
    public mutating func nextUniformDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// A standard normal value (Box-Muller).
    public mutating func nextNormal() -> Float {
        let u1 = 1 - nextUniformDouble()  // (0, 1]: log is finite
        let u2 = nextUniformDouble()
        return Float((-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2))
    }

    /// A uniform integer in `0..<bound`.
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "nextInt(below:): bound must be positive")
        return Int(next(upperBound: UInt64(bound)))
    }

    /// A uniformly random permutation of `0..<n` (Fisher-Yates).
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n > 1 {
            for i in stride(from: n - 1, to: 0, by: -1) { p.swapAt(i, nextInt(below: i + 1)) }
        }
        return p
    }
}

/// The process-wide default generator used when no generator or seed is passed.
public enum Random {
    static let global = Mutex(RandomGenerator(seed: 0))

    /// Reseeds the default generator (like `torch.manual_seed`).
    public static func seed(_ seed: UInt64) {
        global.withLock { $0 = RandomGenerator(seed: seed) }
    }

    /// The default generator's state (see ``RandomGenerator/state``), for run checkpoints.
    public static var state: [UInt64] {
        get { global.withLock { $0.state } }
        set { if let g = RandomGenerator(state: newValue) { global.withLock { $0 = g } } }
    }

    /// Runs `body` with exclusive access to the default generator.
    public static func withGenerator<R>(_ body: (inout RandomGenerator) -> R) -> R {
        global.withLock { body(&$0) }
    }
}

extension Tensor {
    /// Uniform values in `[low, high)`.
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1, using rng: inout RandomGenerator) -> Tensor {
        Tensor(shape: shape) { p, n in
            for i in 0..<n { p[i] = low + (high - low) * rng.nextUniform() }
        }
    }

    /// Normal values with the given mean and standard deviation.
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1, using rng: inout RandomGenerator) -> Tensor {
        Tensor(shape: shape) { p, n in
            for i in 0..<n { p[i] = mean + std * rng.nextNormal() }
        }
    }

    /// Normal values redrawn until they fall within `bound` standard deviations of the mean.
    public static func truncatedNormal(_ shape: [Int], mean: Float = 0, std: Float = 1, bound: Float = 2, using rng: inout RandomGenerator) -> Tensor {
        Tensor(shape: shape) { p, n in
            for i in 0..<n {
                var z = rng.nextNormal()
                while Swift.abs(z) > bound { z = rng.nextNormal() }
                p[i] = mean + std * z
            }
        }
    }

    /// 1 with probability `p`, else 0.
    public static func bernoulli(_ shape: [Int], p prob: Float, using rng: inout RandomGenerator) -> Tensor {
        Tensor(shape: shape) { p, n in
            for i in 0..<n { p[i] = rng.nextUniform() < prob ? 1 : 0 }
        }
    }

    /// Uniform values in [0, 1) from the default generator, or from a fresh one if `seed` is given.
    public static func rand(_ shape: [Int], seed: UInt64? = nil) -> Tensor {
        withSeed(seed) { uniform(shape, using: &$0) }
    }

    /// Standard normal values from the default generator, or from a fresh one if `seed` is given.
    public static func randn(_ shape: [Int], seed: UInt64? = nil) -> Tensor {
        withSeed(seed) { normal(shape, using: &$0) }
    }

    /// Bernoulli values from the default generator, or from a fresh one if `seed` is given.
    public static func bernoulli(_ shape: [Int], p: Float, seed: UInt64? = nil) -> Tensor {
        withSeed(seed) { bernoulli(shape, p: p, using: &$0) }
    }

    static func withSeed(_ seed: UInt64?, _ body: (inout RandomGenerator) -> Tensor) -> Tensor {
        if let seed {
            var rng = RandomGenerator(seed: seed)
            return body(&rng)
        }
        return Random.withGenerator(body)
    }
}

/// Seeds derived from a root seed, so that every use (a setting, a strategy, a step) gets its
/// own independent, reproducible stream.
public enum SeedDerivation {
    /// SplitMix64's finaliser: a bijective scramble of 64 bits.
    public static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The seed of `parts` under `root`.
    public static func derive(_ root: UInt64, _ parts: [UInt64]) -> UInt64 {
        var h = mix(root)
        for p in parts { h = mix(h ^ mix(p &+ 0x632B_E59B_D9B4_E019)) }
        return h
    }
}
