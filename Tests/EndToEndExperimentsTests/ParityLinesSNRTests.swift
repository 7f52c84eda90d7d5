import EndToEnd
import EndToEndData
import EndToEndStrategies
import Foundation
import XCTest
@testable import EndToEndExperiments

/// The pooled mirror-orbit SNR estimator of parity-lines: its symmetry claim, its per-member
/// gradients, its sums, and its bias on synthetic gradients of known SNR.
final class ParityLinesSNRTests: XCTestCase {
    /// Mirroring the pixels equals rendering the mirrored line (centre x → 28 − x, angle → π − θ),
    /// a draw as likely as the original, whose label is the opposite.
    func testMirroredPixelsAreTheMirroredLineWithTheOppositeLabel() {
        let data = ParityLines(k: 3, count: 4, seed: 9)
        for i in 0..<4 {
            for line in data.lines(at: i) {
                let mirroredLine = ParityLines.Line(centerX: 28 - line.centerX, centerY: line.centerY, length: line.length,
                                                    angle: Double.pi - line.angle)
                XCTAssertEqual(mirroredLine.label, 1 - line.label)
                let a = ParityLinesSNR.mirrored(ParityLines.image(of: line).reshaped([1, 1, 28, 28])).scalars
                let b = ParityLines.image(of: mirroredLine).scalars
                XCTAssertEqual(zip(a, b).map { abs($0 - $1) }.max()!, 0, accuracy: 1e-5)
            }
        }
    }

    /// Orbit member 0 is the tuple's own per-example gradient; the member mirroring every image
    /// is the per-example gradient of the explicitly mirrored tuple with flipped labels.
    func testOrbitMembersAreThePerExampleGradientsOfTheMirroredTuples() throws {
        let k = 2, n = 3
        let data = ParityLines(k: k, count: n, seed: 4)
        let batch = data.batch(at: Array(0..<n))
        let flippedImages = batch.intermediates["image_labels"]!.scalars.map { 1 - $0 }
        let mirroredBatch = Batch(
            inputs: ParityLinesSNR.mirrored(batch.inputs.reshaped([n * k, 1, 28, 28])).reshaped([n, k, 1, 28, 28]),
            labels: batch.labels, intermediates: ["image_labels": Tensor(shape: [n, k], scalars: flippedImages)], indices: Array(0..<n))
        for decomposition in [false, true] {
            let model = ParityLinesModel.make(k: k, seed: 2)
            let orbits = ParityLinesSNR.orbitGradients(model: model, batch: batch, decomposition: decomposition)
            XCTAssertEqual(orbits.map(\.count), [4, 4, 4])
            let plain = ParityLinesSNR.orbitGradients(model: model, batch: Batch(inputs: batch.inputs, labels: batch.labels,
                intermediates: batch.intermediates, indices: Array(0..<n)), decomposition: decomposition)
            // Mirroring both images keeps the parity (two flips) and flips both image labels.
            let both = ParityLinesSNR.orbitGradients(model: model, batch: mirroredBatch, decomposition: decomposition)
            for i in 0..<n {
                for (a, b) in zip(orbits[i][0], plain[i][0]) { XCTAssertEqual(a, b, accuracy: 1e-9) }
                for (a, b) in zip(orbits[i][3], both[i][0]) { XCTAssertEqual(a, b, accuracy: 1e-4 * max(1, abs(b))) }
                XCTAssertGreaterThan(orbits[i][3].map(abs).max()!, 0)
            }
        }
    }

    /// ‖E g‖² as the mean over pairs of pools of m_p · m_q, worked by hand.
    func testAccumulatorSumsWorkedByHand() {
        var acc = ParityLinesSNR.Accumulator(pools: 2, width: 2)
        acc.add([1, 0], pool: 0)
        acc.add([3, 2], pool: 0)
        acc.add([2, 2], pool: 1)
        // m_0 = (2, 1), m_1 = (2, 2): signal² = m_0 · m_1 = 6.
        XCTAssertEqual(acc.signal2, 6, accuracy: 1e-12)
        // mean ‖g‖² = (1 + 13 + 8) / 3 = 22/3 → noise² 22/3 − 6 = 4/3.
        XCTAssertEqual(acc.noise2, 4.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(acc.snr2, 4.5, accuracy: 1e-12)
        // Three pools: the mean of the three pairwise products.
        var three = ParityLinesSNR.Accumulator(pools: 3, width: 1)
        for (g, p) in [(1.0, 0), (2.0, 1), (-3.0, 2)] { three.add([g], pool: p) }
        XCTAssertEqual(three.signal2, (2 - 3 - 6) / 3.0, accuracy: 1e-12)
        XCTAssertTrue(ParityLinesSNR.Accumulator(pools: 2, width: 1).signal2.isNaN, "empty pools give no estimate")
    }

    /// On synthetic gradients with a known SNR the estimate is unbiased — also for pure noise,
    /// where the plain ‖mean g‖² would read about tr Σ / n — and so is it when, as in the
    /// experiment, a pool's members share their "images".
    func testEstimateRecoversAKnownSNR() {
        var rng = RandomGenerator(seed: 11)
        let d = 4, sigma = 1.0
        for mu in [0.0, 0.05, 0.2] {
            // SNR² = ‖μ‖² / (d σ²) with μ = (mu, …, mu).
            let truth = mu * mu * Double(d) / (Double(d) * sigma * sigma)
            var estimates: [Double] = [], plain: [Double] = []
            for _ in 0..<300 {
                var acc = ParityLinesSNR.Accumulator(pools: 4, width: d)
                var all = [Double](repeating: 0, count: d)
                for p in 0..<4 {
                    for _ in 0..<100 {
                        let g = (0..<d).map { _ in mu + sigma * Double(rng.nextNormal()) }
                        acc.add(g, pool: p)
                        for c in 0..<d { all[c] += g[c] / 400 }
                    }
                }
                estimates.append(acc.snr2)
                plain.append(all.reduce(0) { $0 + $1 * $1 } / (Double(d) * sigma * sigma))
            }
            let iv = SampleStatistics.meanInterval(estimates, z: 4)!
            XCTAssertTrue(iv.low <= truth && truth <= iv.high, "mu \(mu): truth \(truth) outside \(iv)")
            if mu == 0 {
                // The uncorrected estimate sits at 1/n = 0.0025, far outside the interval around 0.
                XCTAssertGreaterThan(SampleStatistics.mean(plain), iv.high)
            }
        }
        // Members that share images: image i has a label χ ∈ {±1} and a feature u ~ N(0, 1); the
        // member of the pair (a, b) is g = χ_a χ_b (u_a + u_b) + c, so E g = c although every
        // image enters many members.
        let c = 0.1
        var estimates: [Double] = []
        for _ in 0..<300 {
            var acc = ParityLinesSNR.Accumulator(pools: 4, width: 1)
            for p in 0..<4 {
                let images = (0..<20).map { _ in (rng.nextInt(below: 2) == 0 ? -1.0 : 1.0, Double(rng.nextNormal())) }
                for _ in 0..<200 {
                    let a = rng.nextInt(below: 20)
                    var b = rng.nextInt(below: 20)
                    while b == a { b = rng.nextInt(below: 20) }
                    acc.add([images[a].0 * images[b].0 * (images[a].1 + images[b].1) + c], pool: p)
                }
            }
            estimates.append(acc.signal2)
        }
        let iv = SampleStatistics.meanInterval(estimates, z: 4)!
        XCTAssertTrue(iv.low <= c * c && c * c <= iv.high, "shared images: \(c * c) outside \(iv)")
        XCTAssertGreaterThan(iv.low, 0, "the signal is resolved")
    }

    /// The pools add 2^k mirror variants per drawn tuple, each to its own pool; with k = 1 every
    /// image enters once, so the members are the images' and their mirror images' gradients.
    func testPoolsAddEveryMemberToItsOwnPool() throws {
        let model = ParityLinesModel.make(k: 2, seed: 3)
        let batch = ParityLines(k: 2, count: 2, seed: 8).batch(at: [0, 1])
        let images = ParityLinesSNR.ImageFeatures(model: model, images: batch.inputs.reshaped([4, 1, 28, 28]),
                                                  labels: batch.intermediates["image_labels"]!.scalars)
        var rng = RandomGenerator(seed: 1)
        var acc = [ParityLinesSNR.Accumulator(pools: 2, width: images.width + 1)]
        ParityLinesSNR.addPools(model: model, images: images, k: 2, pools: 2, tuples: 3, losses: [false], rng: &rng, into: &acc)
        XCTAssertEqual(acc[0].counts, [12, 12], "3 tuples × 4 mirror variants per pool")
        // Pool 0 holds images 0 and 1 only, so each of its tuples is (0, 1) or (1, 0).
        let a = ParityLinesSNR.memberGradients(model: model, images: images, tuples: [0, 1], k: 2, losses: [false])[0]
        let b = ParityLinesSNR.memberGradients(model: model, images: images, tuples: [1, 0], k: 2, losses: [false])[0]
        let sums = (0..<(images.width + 1)).map { c in (a.reduce(0) { $0 + $1[c] }, b.reduce(0) { $0 + $1[c] }) }
        let isCombination = (0...3).contains { n in
            zip(sums, acc[0].sums[0]).allSatisfy { abs(Double(n) * $0.0 + Double(3 - n) * $0.1 - $1) <= 1e-6 * max(1, abs($1)) }
        }
        XCTAssertTrue(isCombination, "pool 0's sum is made of its own two images' tuples")

        let single = ParityLinesModel.make(k: 1, seed: 3)
        let singles = ParityLinesSNR.ImageFeatures(model: single, images: batch.inputs.reshaped([4, 1, 28, 28]),
                                                   labels: batch.intermediates["image_labels"]!.scalars)
        var one = [ParityLinesSNR.Accumulator(pools: 2, width: singles.width + 1)]
        ParityLinesSNR.addPools(model: single, images: singles, k: 1, pools: 2, tuples: 99, losses: [false], rng: &rng, into: &one)
        XCTAssertEqual(one[0].counts, [4, 4], "k = 1: each of a pool's 2 images once, with its mirror image")
    }

    func testDecayPerKFitsTheDetectedValues() {
        let m = { (k: Int, v: Double, low: Double) in
            ParityLinesSNR.Measurement(strategy: "end-to-end", k: k, value: v, ciLow: low, ciHigh: v * 2, initializations: 20, examples: 10, images: 40)
        }
        let decay = ParityLinesExperiment.decayPerK([m(1, 0.1, 0.05), m(2, 0.01, 0.005), m(3, 0.001, 0.0005), m(4, 0.0001, 0)])
        XCTAssertEqual(try XCTUnwrap(decay), 10, accuracy: 1e-9, "the undetected k = 4 is left out")
        XCTAssertNil(ParityLinesExperiment.decayPerK([m(1, 0.1, 0.05)]))
    }
}
