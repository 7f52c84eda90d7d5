import EndToEnd
import Foundation

/// Interleaved spirals in the plane, one class per arm: a classic 2-D classification toy.
///
/// Point `i` of arm `a` (t = i / points) sits at radius `t` and angle
/// `2π a / arms + 2π turns t`, plus Gaussian noise of standard deviation `noise` on each
/// coordinate. Inputs `[arms * points, 2]`, labels the arm index, ordered arm by arm.
public struct Spirals: BatchCollating {
    public let arms: Int
    public let points: Int
    public let noise: Float
    public let turns: Float
    public let seed: UInt64
    /// The generated points.
    public let data: TensorDataset

    public init(arms: Int = 2, points: Int, noise: Float = 0.05, turns: Float = 1, seed: UInt64) {
        precondition(arms >= 1 && points >= 1, "Spirals: arms and points must be positive, got \(arms), \(points)")
        self.arms = arms
        self.points = points
        self.noise = noise
        self.turns = turns
        self.seed = seed
        var rng = RandomGenerator(seed: seed)
        var xs = [Float](), labels = [Int32]()
        xs.reserveCapacity(arms * points * 2)
        for a in 0..<arms {
            for i in 0..<points {
                let t = Double(i) / Double(points)
                let phi = 2 * Double.pi * Double(a) / Double(arms) + 2 * Double.pi * Double(turns) * t
                xs.append(Float(t * cos(phi)) + noise * rng.nextNormal())
                xs.append(Float(t * sin(phi)) + noise * rng.nextNormal())
                labels.append(Int32(a))
            }
        }
        data = try! TensorDataset(inputs: Tensor(shape: [arms * points, 2], scalars: xs), labels: IntTensor(labels))
    }

    public var count: Int { data.count }
    public func example(at index: Int) -> Example { data.example(at: index) }
    public func batch(at indices: [Int]) -> Batch { data.batch(at: indices) }
}

/// Learning parities (Shalev-Shwartz, Shamir & Shammah 2017, §2.1) over {±1}^d.
///
/// `x` is uniform in {±1}^d (x = 1 - 2b for uniform bits b ∈ {0,1}^d) and
/// `y = (-1)^⟨b, v*⟩ = ∏_{i ∈ S} x_i` for a fixed random subset `S` (indicator `v*`) drawn
/// from the seed. Stored as `label = ⟨b, v*⟩ mod 2` (0/1, so y = +1 is label 0) and
/// `target = y` (`[N, 1]`, ±1).
public struct ParityBits: BatchCollating {
    public let d: Int
    public let seed: UInt64
    /// The hidden subset `S`, sorted.
    public let subset: [Int]
    /// `v*` as a 0/1 vector of length d.
    public var v: [Int] { (0..<d).map { subset.contains($0) ? 1 : 0 } }
    public let data: TensorDataset

    /// - Parameter subsetSize: |S|; when nil each coordinate joins S with probability 1/2
    ///   (at least one does).
    public init(d: Int, count: Int, subsetSize: Int? = nil, seed: UInt64) {
        precondition(d >= 1 && count >= 0, "ParityBits: need d >= 1 and count >= 0, got d \(d), count \(count)")
        precondition(subsetSize.map { $0 >= 1 && $0 <= d } ?? true, "ParityBits: subsetSize must be in 1...\(d)")
        self.d = d
        self.seed = seed
        var vrng = RandomGenerator(seed: SeedMix.combine(seed, 0x5E7))
        var s: [Int]
        if let subsetSize {
            s = Array(vrng.permutation(d).prefix(subsetSize))
        } else {
            repeat { s = (0..<d).filter { _ in vrng.next() & 1 == 1 } } while s.isEmpty
        }
        let sortedSubset = s.sorted()
        subset = sortedSubset
        var rng = RandomGenerator(seed: seed)
        var xs = [Float](repeating: 0, count: count * d)
        var labels = [Int32](repeating: 0, count: count)
        var ys = [Float](repeating: 0, count: count)
        let inS = (0..<d).map { sortedSubset.contains($0) }
        for n in 0..<count {
            var parity: Int32 = 0
            var bits: UInt64 = 0, left = 0
            for i in 0..<d {
                if left == 0 { bits = rng.next(); left = 64 }
                let b = Int32(bits & 1)
                bits >>= 1; left -= 1
                xs[n * d + i] = b == 1 ? -1 : 1
                if inS[i] { parity ^= b }
            }
            labels[n] = parity
            ys[n] = parity == 1 ? -1 : 1
        }
        data = try! TensorDataset(
            inputs: Tensor(shape: [count, d], scalars: xs), labels: IntTensor(labels),
            targets: Tensor(shape: [count, 1], scalars: ys))
    }

    public var count: Int { data.count }
    public func example(at index: Int) -> Example { data.example(at: index) }
    public func batch(at indices: [Int]) -> Batch { data.batch(at: indices) }
}

/// Isotropic Gaussian clusters, one class per centre. Inputs `[classes * pointsPerClass, D]`,
/// labels the centre index, ordered class by class.
public struct GaussianBlobs: BatchCollating {
    /// The cluster centres, `[classes, D]`.
    public let centers: Tensor
    public let std: Float
    public let seed: UInt64
    public let data: TensorDataset

    /// Centres uniform in `[-box, box]^dimensions`, drawn from the seed.
    public init(classes: Int = 3, pointsPerClass: Int, dimensions: Int = 2, std: Float = 1, box: Float = 10, seed: UInt64) {
        precondition(classes >= 1 && dimensions >= 1, "GaussianBlobs: need classes >= 1 and dimensions >= 1")
        var crng = RandomGenerator(seed: SeedMix.combine(seed, 0xB10B))
        let c = (0..<classes).map { _ in (0..<dimensions).map { _ in -box + 2 * box * crng.nextUniform() } }
        self.init(centers: c, pointsPerClass: pointsPerClass, std: std, seed: seed)
    }

    /// Clusters around the given centres (all of the same dimension).
    public init(centers: [[Float]], pointsPerClass: Int, std: Float = 1, seed: UInt64) {
        precondition(!centers.isEmpty && pointsPerClass >= 0, "GaussianBlobs: need centres and pointsPerClass >= 0")
        let dim = centers[0].count
        precondition(centers.allSatisfy { $0.count == dim } && dim >= 1, "GaussianBlobs: all centres must have the same positive dimension")
        self.centers = Tensor(shape: [centers.count, dim], scalars: centers.flatMap { $0 })
        self.std = std
        self.seed = seed
        var rng = RandomGenerator(seed: seed)
        var xs = [Float](), labels = [Int32]()
        xs.reserveCapacity(centers.count * pointsPerClass * dim)
        for (ci, c) in centers.enumerated() {
            for _ in 0..<pointsPerClass {
                for j in 0..<dim { xs.append(c[j] + std * rng.nextNormal()) }
                labels.append(Int32(ci))
            }
        }
        data = try! TensorDataset(inputs: Tensor(shape: [centers.count * pointsPerClass, dim], scalars: xs), labels: IntTensor(labels))
    }

    public var count: Int { data.count }
    public func example(at index: Int) -> Example { data.example(at: index) }
    public func batch(at indices: [Int]) -> Batch { data.batch(at: indices) }
}
