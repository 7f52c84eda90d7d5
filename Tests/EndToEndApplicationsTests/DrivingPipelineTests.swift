import EndToEnd
@testable import EndToEndApplications
import Foundation
import XCTest

/// The pipeline's stages: the least-squares fit against numpy, the detector on a drawn image,
/// the lane fit on a rendered image of known geometry, and the camera model.
final class DrivingPipelineTests: XCTestCase {
    struct Fixture: Decodable {
        struct Fit: Decodable { let name: String; let degree: Int; let x: [Double]; let y: [Double]; let coefficients: [Double] }
        let quadratic_fits: [Fit]
    }

    func testQuadraticFitMatchesNumpyPolyfit() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/driving.json")
        let fixture = try JSONDecoder().decode(Fixture.self, from: try Data(contentsOf: url))
        XCTAssertEqual(fixture.quadratic_fits.count, 4)
        for f in fixture.quadratic_fits {
            let q = try XCTUnwrap(Quadratic.fit(x: f.x, y: f.y, degree: f.degree), f.name)
            for (got, want) in zip([q.a, q.b, q.c], f.coefficients) { XCTAssertEqual(got, want, accuracy: 1e-9 * max(1, abs(want)), f.name) }
        }
    }

    func testQuadraticFitRejectsUndeterminedPoints() {
        XCTAssertNil(Quadratic.fit(x: [5, 5, 5, 5], y: [1, 2, 3, 4], degree: 1))
        XCTAssertNil(Quadratic.fit(x: [1, 2], y: [1, 2], degree: 2))
        XCTAssertEqual(Quadratic.fit(x: [5, 5, 5, 5], y: [1, 2, 3, 4], degree: 0)?.a ?? .nan, 2.5, accuracy: 1e-12)
    }

    func testCameraProjectsGroundPointsBackToTheirPixels() throws {
        let camera = Camera()
        for (u, v) in [(0.5, 31.5), (32.0, 20.0), (60.25, 8.5)] {
            let g = try XCTUnwrap(camera.ground(u: u, v: v))
            let back = try XCTUnwrap(camera.image(forward: g.forward, left: g.left))
            XCTAssertEqual(back.u, u, accuracy: 1e-9)
            XCTAssertEqual(back.v, v, accuracy: 1e-9)
        }
        XCTAssertNil(camera.ground(u: 32, v: 0.5), "above the horizon")
        // Straight down the optical axis: the ground at h / tan(pitch).
        let centre = try XCTUnwrap(camera.ground(u: 32, v: 16))
        XCTAssertEqual(centre.forward, camera.mountHeight / tan(camera.pitch), accuracy: 1e-9)
        XCTAssertEqual(centre.left, 0, accuracy: 1e-12)
    }

    func testDetectorFindsNarrowBrightStripesButNotWideAreas() {
        let camera = Camera()
        var image = [Float](repeating: 0.3, count: camera.width * camera.height)
        for row in 0..<camera.height {
            image[row * camera.width + 20] = 0.9      // a one-pixel stripe
            for col in 50..<64 { image[row * camera.width + col] = 0.9 }  // a wide bright verge
        }
        let pixels = LaneMarkingDetector(camera: camera, threshold: 0.1).detect(image[...])
        XCTAssertFalse(pixels.isEmpty)
        XCTAssertEqual(Set(pixels.map(\.column)), [20])
        // Only rows whose ground lies within the 25 m range.
        for p in pixels {
            XCTAssertLessThanOrEqual(camera.ground(u: 32, v: Double(p.row) + 0.5)!.range, 25)
            XCTAssertGreaterThan(p.left, 0, "column 20 is left of the centre")
        }
        XCTAssertTrue(LaneMarkingDetector(camera: camera, threshold: 0.7).detect(image[...]).isEmpty)
    }

    /// A clean view of a known road: no texture, noise or shadows.
    func plainAppearance() -> RoadAppearance {
        RoadAppearance(texture: .asphalt, surface: 0.3, verge: 0.5, sky: 0.8, marking: 0.95, markingWidth: 0.25, rightDashed: false,
                       gain: 1, shadows: [], noise: 0, textureSeed: 1)
    }

    func testLaneFitRecoversTheGeometryOfARenderedRoad() throws {
        let renderer = RoadRenderer()
        let pipeline = LanePipeline(detector: LaneMarkingDetector(camera: renderer.camera), controller: PurePursuit())
        var rng = RandomGenerator(seed: 0)
        // Straight road, car 0.5 m right of the centre, heading along the road.
        let straight = Road(segments: [.init(length: 80, curvature: 0)])
        var image = renderer.render(road: straight, car: Pose(x: 5, y: -0.5, heading: 0), appearance: plainAppearance(), rng: &rng)
        var lane = pipeline.lane(image[...])
        let l = try XCTUnwrap(lane.left), r = try XCTUnwrap(lane.right), c = try XCTUnwrap(lane.centre)
        XCTAssertEqual(l.a, 1.8 + 0.5, accuracy: 0.1)
        XCTAssertEqual(r.a, -1.8 + 0.5, accuracy: 0.1)
        XCTAssertEqual(c.a, 0.5, accuracy: 0.05)
        XCTAssertEqual(c.b, 0, accuracy: 0.01)
        XCTAssertEqual(c.c, 0, accuracy: 0.001)
        // A left arc of radius 62.5 m, car on the centre: the centre's second coefficient is κ / 2.
        let curve = Road(segments: [.init(length: 80, curvature: 0.016)])
        image = renderer.render(road: curve, car: curve.pose(atStation: 5), appearance: plainAppearance(), rng: &rng)
        lane = pipeline.lane(image[...])
        let cc = try XCTUnwrap(lane.centre)
        XCTAssertEqual(cc.a, 0, accuracy: 0.05)
        XCTAssertEqual(cc.c, 0.008, accuracy: 0.002)
        XCTAssertEqual(try XCTUnwrap(pipeline.steering(image[...])), PurePursuit().steering(road: curve, car: curve.pose(atStation: 5)), accuracy: 0.005)
        // An empty road (no markings) gives no lane.
        var bare = plainAppearance()
        bare.marking = bare.surface
        XCTAssertNil(pipeline.steering(renderer.render(road: straight, car: Pose(x: 5, y: 0, heading: 0), appearance: bare, rng: &rng)[...]))
    }

    func testThresholdFitPicksTheBestCandidate() {
        let renderer = RoadRenderer()
        let data = DrivingDataset.generate(count: 12, condition: .nominal, seed: 4, renderer: renderer, controller: PurePursuit())
        var pipeline = LanePipeline(detector: LaneMarkingDetector(camera: renderer.camera), controller: PurePursuit())
        let scores = pipeline.fitThreshold(on: data)
        XCTAssertEqual(scores.map(\.threshold), LanePipeline.thresholdGrid)
        XCTAssertEqual(pipeline.detector.threshold, scores.min { $0.rmse < $1.rmse }!.threshold)
        XCTAssertLessThan(scores.map(\.rmse).min()!, 0.5 * SteeringError(predicted: [Double](repeating: 0, count: 12), reference: data.steering).rmse)
    }

    func testSteeringError() {
        let e = SteeringError(predicted: [0.1, -0.2, 0.0], reference: [0.0, 0.0, 0.0])
        XCTAssertEqual(e.rmse, (0.05 / 3).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(e.mae, 0.1, accuracy: 1e-12)
    }
}
