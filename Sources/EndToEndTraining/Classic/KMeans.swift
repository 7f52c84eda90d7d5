import EndToEnd
import Foundation

/// k-means clustering by Lloyd's algorithm with greedy k-means++ seeding, as scikit-learn's
/// `KMeans(n_clusters, init="k-means++", n_init, max_iter, tol, algorithm="lloyd")`: the
/// pipelines' way to find discrete regimes in continuous settings (e.g. the operating
/// conditions of a fleet of engines, before normalizing each condition on its own).
///
/// Each run alternates assigning every point to its nearest center and moving each center to
/// the mean of its points, until the assignment no longer changes or the centers move less
/// than `tolerance × mean per-feature variance` (squared, summed: scikit-learn's `tol`), and
/// then assigns once more so labels and centers agree. The run with the lowest inertia (sum
/// of squared distances to the nearest center) of `initializations` seeded runs is kept. An
/// empty cluster takes the point farthest from its center. Arithmetic is in `Double`.
///
/// ```swift
/// var km = try KMeans(clusters: 6)
/// try km.fit(settings, seed: 0)                 // settings: [[altitude, mach, throttle]]
/// let condition = try km.predict(newSettings)   // index of the nearest center
/// ```
public struct KMeans: Sendable {
    /// The number of clusters, k.
    public let clusters: Int
    /// Lloyd iterations per run at most (scikit-learn's `max_iter`).
    public let maxIterations: Int
    /// Relative to the data's mean per-feature variance, as scikit-learn's `tol`.
    public let tolerance: Double
    /// Seeded runs, the best kept (scikit-learn's `n_init`).
    public let initializations: Int
    /// The fitted centers, `clusters` rows.
    public private(set) var centers: [[Double]] = []
    /// Sum of squared distances of the training points to their centers.
    public private(set) var inertia: Double = .nan
    /// Lloyd iterations of the kept run.
    public private(set) var iterations = 0

    /// - Throws: ``TrainerError`` when a setting is out of range.
    public init(clusters: Int, maxIterations: Int = 300, tolerance: Double = 1e-4, initializations: Int = 10) throws(TrainerError) {
        guard clusters >= 1 else { throw TrainerError("KMeans: clusters must be at least 1, got \(clusters)") }
        guard maxIterations >= 1 else { throw TrainerError("KMeans: maxIterations must be at least 1, got \(maxIterations)") }
        guard tolerance >= 0, tolerance.isFinite else { throw TrainerError("KMeans: tolerance must be a non-negative number, got \(tolerance)") }
        guard initializations >= 1 else { throw TrainerError("KMeans: initializations must be at least 1, got \(initializations)") }
        self.clusters = clusters
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.initializations = initializations
    }

    /// Numbers learned: the centers' coordinates.
    public var parameterCount: Int { centers.reduce(0) { $0 + $1.count } }

    /// Fits on `x` (rows of equal length) from `initializations` k-means++ seedings drawn from `seed`.
    ///
    /// - Throws: ``TrainerError`` for ragged or non-finite rows, or fewer rows than clusters.
    public mutating func fit(_ x: [[Double]], seed: UInt64) throws(TrainerError) {
        let d = try check(x, fitting: true)
        var rng = RandomGenerator(seed: seed)
        var best: (centers: [[Double]], inertia: Double, iterations: Int)?
        for _ in 0..<initializations {
            let run = lloyd(x, from: Self.plusPlus(x, clusters: clusters, rng: &rng), dimension: d)
            if best == nil || run.inertia < best!.inertia { best = run }
        }
        (centers, inertia, iterations) = best!
    }

    /// Fits on `x` with Lloyd's algorithm from the given initial centers (one run).
    ///
    /// - Throws: ``TrainerError`` when the centers do not match the clusters or the data.
    public mutating func fit(_ x: [[Double]], initialCenters: [[Double]]) throws(TrainerError) {
        let d = try check(x, fitting: true)
        guard initialCenters.count == clusters, initialCenters.allSatisfy({ $0.count == d }) else {
            throw TrainerError("KMeans.fit: need \(clusters) initial centers of \(d) values, got \(initialCenters.map(\.count))")
        }
        (centers, inertia, iterations) = lloyd(x, from: initialCenters, dimension: d)
    }

    /// The index of the nearest fitted center of each row.
    ///
    /// - Throws: ``TrainerError`` before fitting or when a row's length differs from the centers'.
    public func predict(_ x: [[Double]]) throws(TrainerError) -> [Int] {
        guard !centers.isEmpty else { throw TrainerError("KMeans.predict: the model is not fitted") }
        _ = try check(x, fitting: false)
        return x.map { Self.nearest($0, centers).index }
    }

    // MARK: - Lloyd's algorithm

    func lloyd(_ x: [[Double]], from initial: [[Double]], dimension d: Int) -> (centers: [[Double]], inertia: Double, iterations: Int) {
        let threshold = tolerance * Self.meanVariance(x, dimension: d)
        var centers = initial
        var labels = [Int](repeating: -1, count: x.count)
        var iterations = 0
        for _ in 0..<maxIterations {
            iterations += 1
            let assigned = x.map { Self.nearest($0, centers) }
            let newLabels = assigned.map(\.index)
            var sums = [[Double]](repeating: [Double](repeating: 0, count: d), count: clusters)
            var counts = [Int](repeating: 0, count: clusters)
            for (i, l) in newLabels.enumerated() {
                counts[l] += 1
                for j in 0..<d { sums[l][j] += x[i][j] }
            }
            var moved = centers
            var taken = Set<Int>()
            for c in 0..<clusters {
                if counts[c] > 0 {
                    moved[c] = sums[c].map { $0 / Double(counts[c]) }
                } else if let far = assigned.indices.filter({ !taken.contains($0) }).max(by: { assigned[$0].distance < assigned[$1].distance }) {
                    taken.insert(far)   // an empty cluster restarts at the worst-served point
                    moved[c] = x[far]
                }
            }
            var shift = 0.0
            for c in 0..<clusters { for j in 0..<d { let s = moved[c][j] - centers[c][j]; shift += s * s } }
            centers = moved
            if newLabels == labels { break }
            labels = newLabels
            if shift <= threshold { break }
        }
        // The inertia is of the final assignment to the returned centers (scikit-learn's last E-step).
        var inertia = 0.0
        for p in x { inertia += Self.nearest(p, centers).distance }
        return (centers, inertia, iterations)
    }

    /// Greedy k-means++ (Arthur & Vassilvitskii 2007, scikit-learn's variant): each new center
    /// is the best of `2 + ⌊ln k⌋` candidates drawn with probability ∝ squared distance.
    static func plusPlus(_ x: [[Double]], clusters: Int, rng: inout RandomGenerator) -> [[Double]] {
        let n = x.count
        let trials = 2 + Int(Foundation.log(Double(clusters)))
        var centers = [x[rng.nextInt(below: n)]]
        var closest = x.map { squaredDistance($0, centers[0]) }
        while centers.count < clusters {
            let total = closest.reduce(0, +)
            var bestCandidate = 0, bestPotential = Double.infinity, bestClosest = closest
            for _ in 0..<trials {
                var candidate = rng.nextInt(below: n)
                if total > 0 {
                    var r = rng.nextUniformDouble() * total
                    for i in 0..<n { r -= closest[i]; if r <= 0 { candidate = i; break } }
                }
                let updated = (0..<n).map { Swift.min(closest[$0], squaredDistance(x[$0], x[candidate])) }
                let potential = updated.reduce(0, +)
                if potential < bestPotential { bestPotential = potential; bestCandidate = candidate; bestClosest = updated }
            }
            centers.append(x[bestCandidate])
            closest = bestClosest
        }
        return centers
    }

    static func nearest(_ p: [Double], _ centers: [[Double]]) -> (index: Int, distance: Double) {
        var best = (index: 0, distance: Double.infinity)
        for (c, center) in centers.enumerated() {
            let dist = squaredDistance(p, center)
            if dist < best.distance { best = (c, dist) }
        }
        return best
    }

    static func squaredDistance(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for j in a.indices { let t = a[j] - b[j]; s += t * t }
        return s
    }

    static func meanVariance(_ x: [[Double]], dimension d: Int) -> Double {
        var total = 0.0
        for j in 0..<d {
            var s = 0.0, s2 = 0.0
            for p in x { s += p[j]; s2 += p[j] * p[j] }
            let m = s / Double(x.count)
            total += Swift.max(0, s2 / Double(x.count) - m * m)
        }
        return total / Double(d)
    }

    func check(_ x: [[Double]], fitting: Bool) throws(TrainerError) -> Int {
        let d = fitting ? (x.first?.count ?? 0) : centers[0].count
        guard d > 0 else { throw TrainerError("KMeans: the rows must hold at least one value") }
        if fitting, x.count < clusters { throw TrainerError("KMeans.fit: \(x.count) rows for \(clusters) clusters") }
        for (i, row) in x.enumerated() {
            guard row.count == d else { throw TrainerError("KMeans: row \(i) has \(row.count) values, expected \(d)") }
            guard row.allSatisfy(\.isFinite) else { throw TrainerError("KMeans: row \(i) holds a non-finite value") }
        }
        return d
    }
}
