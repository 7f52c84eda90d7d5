import EndToEnd
import EndToEndData
import EndToEndStrategies
import Foundation
import XCTest
@testable import EndToEndExperiments

/// The mirror-orbit SNR estimator of parity-lines: its symmetry claim, its per-member gradients
/// and its sums.
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

    /// ‖E g‖² without bias: ‖mean‖² − tr(Σ̂)/n, worked by hand for two orbits of one member each.
    func testAccumulatorSumsWorkedByHand() {
        var acc = ParityLinesSNR.Accumulator(width: 2)
        acc.add([[[1, 0]], [[3, 2]]])
        // mean (2, 1); sample variances (2, 2); ‖mean‖² = 5; tr/n = 4/2 = 2 → signal² 3.
        XCTAssertEqual(acc.signal2, 3, accuracy: 1e-12)
        // mean ‖g‖² = (1 + 13) / 2 = 7 → noise² 7 − 3 = 4.
        XCTAssertEqual(acc.noise2, 4, accuracy: 1e-12)
        XCTAssertEqual(acc.snr2, 0.75, accuracy: 1e-12)
        // An orbit of two members enters the mean as their average, the noise with both.
        var two = ParityLinesSNR.Accumulator(width: 1)
        two.add([[[1], [3]], [[-1], [1]]])
        // orbit means 2 and 0: mean 1, variance 2 → signal² 1 − 1 = 0; mean ‖g‖² = (1 + 9 + 1 + 1) / 4 = 3.
        XCTAssertEqual(two.signal2, 0, accuracy: 1e-12)
        XCTAssertEqual(two.noise2, 3, accuracy: 1e-12)
    }

    func testDecayPerKFitsTheDetectedValues() {
        let m = { (k: Int, v: Double, low: Double) in
            ParityLinesSNR.Measurement(strategy: "end-to-end", k: k, value: v, ciLow: low, ciHigh: v * 2, initializations: 20, examples: 10)
        }
        let decay = ParityLinesExperiment.decayPerK([m(1, 0.1, 0.05), m(2, 0.01, 0.005), m(3, 0.001, 0.0005), m(4, 0.0001, 0)])
        XCTAssertEqual(try XCTUnwrap(decay), 10, accuracy: 1e-9, "the undetected k = 4 is left out")
        XCTAssertNil(ParityLinesExperiment.decayPerK([m(1, 0.1, 0.05)]))
    }
}
