import Foundation
import XCTest
@testable import EndToEndApplications

/// Segmentation and nucleus features against scikit-image on a hand-made cell image
/// (Fixtures/diagnosis.json, scripts/make_diagnosis_fixtures.py) and hand-worked shapes.
final class NucleusSegmentationTests: XCTestCase {
    struct Fixture {
        var width, height: Int
        var pixels: [Float]
        var threshold: Double
        var labels: [Int]
        var regions: [[String: Any]]
    }

    func fixture() throws -> Fixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/diagnosis.json")
        let o = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        return Fixture(width: o["width"] as! Int, height: o["height"] as! Int, pixels: (o["pixels"] as! [Double]).map(Float.init),
                       threshold: o["otsu_threshold"] as! Double, labels: o["labels"] as! [Int], regions: o["regions"] as! [[String: Any]])
    }

    func testOtsuComponentsAndRegionsMatchScikitImage() throws {
        let f = try fixture()
        XCTAssertEqual(NucleusSegmentation.otsuThreshold(f.pixels), f.threshold, accuracy: 1e-9)
        let mask = NucleusSegmentation.mask(f.pixels, threshold: f.threshold)
        let labels = NucleusSegmentation.components(mask, width: f.width, height: f.height)
        XCTAssertEqual(labels.count, 5, "disc, L-shape, rectangle and two diagonal pixels (4-connectivity)")
        XCTAssertEqual(labels.labels, f.labels)
        let regions = NucleusFeatures.regions(labels, pixels: f.pixels)
        XCTAssertEqual(regions.count, f.regions.count)
        for (r, ref) in zip(regions, f.regions) {
            XCTAssertEqual(r.area, ref["area"] as! Int)
            XCTAssertEqual(r.perimeter, ref["perimeter"] as! Double, accuracy: 1e-9)
            let c = ref["centroid"] as! [Double]
            XCTAssertEqual(r.centroid.0, c[0], accuracy: 1e-9)
            XCTAssertEqual(r.centroid.1, c[1], accuracy: 1e-9)
        }
        // The specks go; the three nuclei stay, renumbered.
        let cleaned = NucleusSegmentation.removingSmall(labels)
        XCTAssertEqual(cleaned.count, 3)
        XCTAssertEqual(NucleusSegmentation.segment(f.pixels, width: f.width, height: f.height), cleaned)
    }

    func testHandWorkedShapes() {
        // A 3x3 square in a 5x5 image: perimeter 8 border pixels, scikit-image gives 8.
        var px = [Float](repeating: 1, count: 25)
        for y in 1...3 { for x in 1...3 { px[y * 5 + x] = 0 } }
        let l = NucleusSegmentation.components(NucleusSegmentation.mask(px, threshold: 0.5), width: 5, height: 5)
        let r = NucleusFeatures.regions(l, pixels: px)
        XCTAssertEqual(r.count, 1)
        XCTAssertEqual(r[0].area, 9)
        XCTAssertEqual(r[0].perimeter, 8, accuracy: 1e-12)
        XCTAssertEqual(r[0].centroid.0, 2)
        XCTAssertEqual(r[0].meanIntensity, 0)
        XCTAssertEqual(r[0].irregularity, max(0, 1 - 4 * Double.pi * 9 / 64), accuracy: 1e-12)
        // A square's border pixels: 4 corners at √2, 4 edge midpoints at 1 from the centre.
        let mean = (4 * 2.0.squareRoot() + 4) / 8
        let sd = ((4 * 2 + 4) / 8 - mean * mean).squareRoot()
        XCTAssertEqual(r[0].radialVariation, sd / mean, accuracy: 1e-12)
        // A constant image: threshold is its value; nothing to summarize gives zeros and the mean.
        XCTAssertEqual(NucleusSegmentation.otsuThreshold([0.4, 0.4]), Double(Float(0.4)))
        XCTAssertEqual(NucleusFeatures.summary([], pixels: [0.5, 1]), [0, 0, 0, 0, 0, 0, 0, 0.75])
        let s = NucleusFeatures.summary(r, pixels: px)
        XCTAssertEqual(s.count, NucleusFeatures.names.count)
        XCTAssertEqual(Array(s[0..<4]), [1, 9, 9, 8])
    }
}
