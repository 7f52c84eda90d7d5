import EndToEnd
import Foundation
import XCTest
@testable import EndToEndData

final class ParityLinesTests: XCTestCase {
    func testShapesAndDeterminism() {
        let d = ParityLines(k: 3, count: 100, seed: 7)
        let e = d.example(at: 42)
        XCTAssertEqual(e.input.shape, [3, 1, 28, 28])
        XCTAssertEqual(e.intermediates["image_labels"]!.shape, [3])
        // Same example whatever the access order, and from a fresh instance.
        _ = d.batch(at: [5, 9, 1])
        let again = ParityLines(k: 3, count: 100, seed: 7).batch(at: [99, 42])
        XCTAssertEqual(again.inputs[1].scalars, e.input.scalars)
        XCTAssertEqual(again.labels!.scalars[1], e.label)
        XCTAssertNotEqual(ParityLines(k: 3, count: 100, seed: 8).example(at: 42).input.scalars, e.input.scalars)
        // Materialized equals on-demand rendering.
        let m = d.materialized()
        XCTAssertEqual(m.count, 100)
        let all = d.batch(at: Array(0..<100))
        XCTAssertEqual(m.inputs.scalars, all.inputs.scalars)
        XCTAssertEqual(m.labels, all.labels)
        XCTAssertEqual(m.intermediates["image_labels"]!.scalars, all.intermediates["image_labels"]!.scalars)
        // Works through a loader (fast path).
        let l = DataLoader(d, batchSize: 32, shuffle: true, seed: 0)
        let b = Array(l.epoch(0))
        XCTAssertEqual(b.map(\.count), [32, 32, 32, 4])
        XCTAssertEqual(b[0].inputs.shape, [32, 3, 1, 28, 28])
        XCTAssertEqual(b[0].intermediates["image_labels"]!.shape, [32, 3])
    }

    func testLabelsParityBalanceAndVisibility() {
        let d = ParityLines(k: 4, count: 2000, seed: 1)
        let b = d.batch(at: Array(0..<2000))
        let il = b.intermediates["image_labels"]!.scalars
        var ones = 0, imageOnes = 0
        for i in 0..<2000 {
            let lines = d.lines(at: i)
            var parity: Int32 = 0
            for m in 0..<4 {
                XCTAssertEqual(il[i * 4 + m], lines[m].angle < Double.pi / 2 ? 1 : 0)
                XCTAssertTrue(lines[m].length >= 5 && lines[m].length <= 23)
                XCTAssertTrue(lines[m].angle >= 0 && lines[m].angle < Double.pi)
                parity ^= Int32(il[i * 4 + m])
                imageOnes += Int(il[i * 4 + m])
            }
            XCTAssertEqual(b.labels!.scalars[i], parity)
            ones += Int(parity)
        }
        XCTAssertEqual(Double(ones) / 2000, 0.5, accuracy: 0.05)
        XCTAssertEqual(Double(imageOnes) / 8000, 0.5, accuracy: 0.03)
        // Every image shows its line, within [0, 1].
        let px = b.inputs.scalars
        for img in 0..<8000 {
            let s = px[(img * 784)..<((img + 1) * 784)]
            XCTAssertGreaterThan(s.reduce(0, +), 1, "image \(img) is blank")
            XCTAssertTrue(s.allSatisfy { $0 >= 0 && $0 <= 1 })
        }
    }

    func testRenderingKnownLines() {
        // Horizontal line through the centre row.
        let h = ParityLines.image(of: .init(centerX: 14, centerY: 14.5, length: 10, angle: 0)).scalars
        XCTAssertEqual(h[14 * 28 + 14], 1)
        XCTAssertEqual(h[14 * 28 + 10], 1)
        XCTAssertEqual(h[14 * 28 + 25], 0)
        XCTAssertEqual(h[5 * 28 + 14], 0)
        // A long line near the edge is clipped, not wrapped.
        let e = ParityLines.image(of: .init(centerX: 27.5, centerY: 0.5, length: 23, angle: 0)).scalars
        XCTAssertEqual(e[27], 1)
        XCTAssertEqual(e[16], 1)
        XCTAssertEqual(e[28 * 27 + 5], 0)
    }

    /// The orientation label is recoverable from second moments: for "/" lines (θ < π/2)
    /// row decreases as column increases, so cov(column, row) < 0.
    func testAngleLabelRecoverableFromSecondMoments() {
        let d = ParityLines(k: 1, count: 2000, seed: 3)
        let b = d.batch(at: Array(0..<2000))
        let px = b.inputs.scalars
        var agree = 0
        for i in 0..<2000 {
            var w: Double = 0, mx: Double = 0, my: Double = 0, sxy: Double = 0
            for r in 0..<28 { for c in 0..<28 {
                let v = Double(px[i * 784 + r * 28 + c]); w += v; mx += v * Double(c); my += v * Double(r)
            } }
            mx /= w; my /= w
            for r in 0..<28 { for c in 0..<28 {
                sxy += Double(px[i * 784 + r * 28 + c]) * (Double(c) - mx) * (Double(r) - my)
            } }
            let predicted: Int32 = sxy < 0 ? 1 : 0
            if predicted == b.labels!.scalars[i] { agree += 1 }
        }
        print("ParityLines: second-moment orientation agrees with the label on \(agree) / 2000 images")
        XCTAssertGreaterThan(Double(agree) / 2000, 0.95)
    }

    func testMaterializeSpeed() {
        let d = ParityLines(k: 4, count: 10000, seed: 0)
        let start = Date()
        let m = d.materialized()
        let s = Date().timeIntervalSince(start)
        XCTAssertEqual(m.inputs.shape, [10000, 4, 1, 28, 28])
        print(String(format: "ParityLines: materialized 10k tuples of k=4 in %.3f s", s))
    }
}
