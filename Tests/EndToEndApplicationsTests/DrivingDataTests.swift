import EndToEnd
@testable import EndToEndApplications
import Foundation
import XCTest

/// The renderer and the data generator: reproducible from the seed, and what they draw.
final class DrivingDataTests: XCTestCase {
    func testRenderingIsDeterministicGivenTheSeed() {
        let renderer = RoadRenderer()
        func image(_ seed: UInt64) -> [Float] {
            var rng = RandomGenerator(seed: seed)
            let scene = DrivingScene.random(.nominal, rng: &rng)
            return renderer.render(road: scene.road, car: scene.car, appearance: scene.appearance, rng: &rng)
        }
        XCTAssertEqual(image(7), image(7))
        XCTAssertNotEqual(image(7), image(8))
        XCTAssertEqual(image(7).count, 64 * 32)
        XCTAssertTrue(image(7).allSatisfy { (0...1).contains($0) })
    }

    func testDatasetIsReproducibleAndPrefixStable() {
        let renderer = RoadRenderer()
        let a = DrivingDataset.generate(count: 8, condition: .nominal, seed: 11, renderer: renderer, controller: PurePursuit())
        let b = DrivingDataset.generate(count: 5, condition: .nominal, seed: 11, renderer: renderer, controller: PurePursuit())
        XCTAssertEqual(Array(a.pixels.prefix(5 * 64 * 32)), b.pixels)
        XCTAssertEqual(Array(a.steering.prefix(5)), b.steering)
        let c = DrivingDataset.generate(count: 5, condition: .nominal, seed: 12, renderer: renderer, controller: PurePursuit())
        XCTAssertNotEqual(c.steering, b.steering)
        XCTAssertTrue(a.offsets.allSatisfy { abs($0) <= 0.9 + 1e-9 })
        // The geometry: the offset, the heading relative to the lane (±0.12 rad) and a curvature of the scene's range.
        XCTAssertEqual(a.geometry.map { $0[0] }, a.offsets)
        XCTAssertTrue(a.geometry.allSatisfy { abs($0[1]) <= 0.12 + 1e-6 && abs($0[2]) <= DrivingScene.maxCurvature })
        XCTAssertGreaterThan(Set(a.geometry.map { $0[2] }).count, 1)
        XCTAssertEqual(a.subset([6, 1]).steering, [a.steering[6], a.steering[1]])
        let t = try! a.tensorDataset()
        XCTAssertEqual(t.inputs.shape, [8, 1, 32, 64])
        XCTAssertEqual(t.targets?.shape, [8, 1])
    }

    func testShiftedConditionsChangeTextureAndLighting() {
        var rng = RandomGenerator(seed: 3)
        for _ in 0..<20 {
            let nominal = RoadAppearance.random(.nominal, near: [], rng: &rng)
            XCTAssertNotEqual(nominal.texture, .cobblestone)
            XCTAssertGreaterThanOrEqual(nominal.gain, 0.75)
            XCTAssertEqual(RoadAppearance.random(.unseenTexture, near: [], rng: &rng).texture, .cobblestone)
            XCTAssertLessThanOrEqual(RoadAppearance.random(.unseenLighting, near: [], rng: &rng).gain, 0.5)
        }
    }

    func testMarkingsAreDrawnWhereTheGeometryPutsThem() {
        let appearance = RoadAppearance(texture: .asphalt, surface: 0.3, verge: 0.5, sky: 0.8, marking: 0.95, markingWidth: 0.25,
                                        rightDashed: true, gain: 1, shadows: [.init(x: 0, y: -30, radius: 2, factor: 0.5)], noise: 0, textureSeed: 1)
        func at(_ station: Double, _ lateral: Double) -> Double {
            appearance.ground(x: station, y: lateral, location: RoadLocation(index: 0, station: station, lateral: lateral, heading: 0), laneWidth: 3.6)
        }
        XCTAssertGreaterThan(at(4, 1.8), 0.85)          // left marking, solid
        XCTAssertGreaterThan(at(1, -1.8), 0.85)         // right marking, in a dash (0–3 m)
        XCTAssertLessThan(at(5, -1.8), 0.5)             // right marking, in a gap (3–9 m)
        XCTAssertLessThan(at(4, 0), 0.45)               // asphalt
        // Inside the shadow the verge is half as bright as the same point unshadowed.
        var unshadowed = appearance
        unshadowed.shadows = []
        let verge = RoadLocation(index: 0, station: 0, lateral: 9, heading: 0)
        XCTAssertEqual(appearance.ground(x: 0.5, y: -30, location: verge, laneWidth: 3.6),
                       0.5 * unshadowed.ground(x: 0.5, y: -30, location: verge, laneWidth: 3.6), accuracy: 1e-12)
        XCTAssertEqual(appearance.ground(x: 5, y: -30, location: verge, laneWidth: 3.6),
                       unshadowed.ground(x: 5, y: -30, location: verge, laneWidth: 3.6), accuracy: 1e-12)
    }
}
