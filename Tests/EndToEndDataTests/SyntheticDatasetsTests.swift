import EndToEnd
import XCTest
@testable import EndToEndData

final class SyntheticDatasetsTests: XCTestCase {
    func testSpirals() {
        let s = Spirals(arms: 3, points: 100, noise: 0.0, seed: 1)
        XCTAssertEqual(s.count, 300)
        XCTAssertEqual(s.data.inputs.shape, [300, 2])
        XCTAssertEqual(Set(s.data.labels!.scalars), [0, 1, 2])
        // Noise-free: radius of point i of an arm is i / points.
        let e = s.example(at: 150)  // arm 1, i = 50
        XCTAssertEqual(e.label, 1)
        let r = (e.input[0] * e.input[0] + e.input[1] * e.input[1]).squareRoot()
        XCTAssertEqual(r, 0.5, accuracy: 1e-5)
        let n1 = Spirals(arms: 2, points: 50, noise: 0.1, seed: 4)
        XCTAssertEqual(n1.data.inputs.scalars, Spirals(arms: 2, points: 50, noise: 0.1, seed: 4).data.inputs.scalars)
        XCTAssertNotEqual(n1.data.inputs.scalars, Spirals(arms: 2, points: 50, noise: 0.1, seed: 5).data.inputs.scalars)
        XCTAssertEqual(DataLoader(n1, batchSize: 32, shuffle: true).count, 4)
    }

    func testParityBits() {
        let p = ParityBits(d: 20, count: 4000, seed: 3)
        XCTAssertFalse(p.subset.isEmpty)
        XCTAssertEqual(p.v.reduce(0, +), p.subset.count)
        XCTAssertEqual(p.data.inputs.shape, [4000, 20])
        XCTAssertEqual(p.data.targets!.shape, [4000, 1])
        let x = p.data.inputs.scalars
        XCTAssertTrue(x.allSatisfy { $0 == 1 || $0 == -1 })
        var ones = 0
        for n in 0..<4000 {
            let y = p.subset.reduce(Float(1)) { $0 * x[n * 20 + $1] }
            XCTAssertEqual(p.data.targets![n, 0], y)
            XCTAssertEqual(p.data.labels!.scalars[n], y == 1 ? 0 : 1)
            ones += Int(p.data.labels!.scalars[n])
        }
        XCTAssertEqual(Double(ones) / 4000, 0.5, accuracy: 0.05)
        XCTAssertEqual(Double(x.filter { $0 == 1 }.count) / Double(x.count), 0.5, accuracy: 0.02)
        let q = ParityBits(d: 20, count: 4000, seed: 3)
        XCTAssertEqual(q.subset, p.subset)
        XCTAssertEqual(q.data.inputs.scalars, x)
        XCTAssertNotEqual(ParityBits(d: 20, count: 10, seed: 4).data.inputs.scalars, Array(x.prefix(200)))
        XCTAssertEqual(ParityBits(d: 30, count: 10, subsetSize: 5, seed: 0).subset.count, 5)
    }

    func testGaussianBlobs() {
        let g = GaussianBlobs(classes: 4, pointsPerClass: 500, dimensions: 3, std: 0.5, seed: 2)
        XCTAssertEqual(g.count, 2000)
        XCTAssertEqual(g.centers.shape, [4, 3])
        let x = g.data.inputs.scalars
        for c in 0..<4 {
            for j in 0..<3 {
                var mean: Float = 0
                for i in (c * 500)..<((c + 1) * 500) { mean += x[i * 3 + j] }
                XCTAssertEqual(mean / 500, g.centers[c, j], accuracy: 0.1)
            }
        }
        XCTAssertEqual(g.data.labels!.scalars[1234], 2)
        XCTAssertEqual(GaussianBlobs(classes: 4, pointsPerClass: 500, dimensions: 3, std: 0.5, seed: 2).data.inputs.scalars, x)
        let fixed = GaussianBlobs(centers: [[0, 0], [5, 5]], pointsPerClass: 10, std: 0, seed: 0)
        XCTAssertEqual(fixed.example(at: 15).input.scalars, [5, 5])
        XCTAssertEqual(fixed.example(at: 15).label, 1)
    }
}
