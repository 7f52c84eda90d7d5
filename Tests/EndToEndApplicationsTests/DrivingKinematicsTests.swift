@testable import EndToEndApplications
import Foundation
import XCTest

/// The car's kinematics and the controller, against hand-worked cases.
final class DrivingKinematicsTests: XCTestCase {
    func testStraightLineAtZeroSteering() {
        let car = BicycleModel()
        var pose = Pose(x: 1, y: 2, heading: .pi / 2)
        for _ in 0..<50 { pose = car.step(pose, speed: 10, steering: 0, dt: 0.1) }
        // 50 steps of 1 m due north.
        XCTAssertEqual(pose.x, 1, accuracy: 1e-9)
        XCTAssertEqual(pose.y, 52, accuracy: 1e-9)
        XCTAssertEqual(pose.heading, .pi / 2, accuracy: 1e-12)
    }

    func testConstantSteeringDrivesACircleOfRadiusWheelbaseOverTanDelta() {
        let car = BicycleModel(wheelbase: 2.7, maxSteering: 0.5)
        let delta = 0.1
        let radius = 2.7 / tan(delta)  // 26.910 m; turning left from heading 0 at the origin: centre (0, R)
        XCTAssertEqual(1 / car.curvature(steering: delta), radius, accuracy: 1e-9)
        var pose = Pose(x: 0, y: 0, heading: 0)
        var driven = 0.0
        for _ in 0..<120 {
            pose = car.step(pose, speed: 8, steering: delta, dt: 0.05)
            driven += 0.4
            XCTAssertEqual(hypot(pose.x, pose.y - radius), radius, accuracy: 1e-9)
            XCTAssertEqual(pose.heading, driven / radius, accuracy: 1e-9)
        }
        // Once round the circle: back at the start.
        let steps = Int((2 * .pi * radius / 0.4).rounded())
        pose = Pose(x: 0, y: 0, heading: 0)
        let lap = 2 * .pi * radius / Double(steps)
        for _ in 0..<steps { pose = car.step(pose, speed: lap, steering: delta, dt: 1) }
        XCTAssertEqual(pose.x, 0, accuracy: 1e-8)
        XCTAssertEqual(pose.y, 0, accuracy: 1e-8)
    }

    func testSteeringIsClampedAndRightTurnsAreNegative() {
        let car = BicycleModel(wheelbase: 2.7, maxSteering: 0.5)
        XCTAssertEqual(car.curvature(steering: 1.2), tan(0.5) / 2.7, accuracy: 1e-12)
        var pose = Pose(x: 0, y: 0, heading: 0)
        pose = car.step(pose, speed: 1, steering: -0.2, dt: 1)
        XCTAssertLessThan(pose.y, 0)
        XCTAssertLessThan(pose.heading, 0)
    }

    func testPurePursuitOnAKnownPath() {
        let pp = PurePursuit(model: BicycleModel(wheelbase: 2.7, maxSteering: 0.5), lookahead: 8)
        // A straight path 1 m to the left: the target is at (√63, 1), δ = atan(2·2.7·1 / 8²).
        XCTAssertEqual(pp.steering(path: { _ in 1 }), atan(5.4 / 64), accuracy: 1e-9)
        // A circle of radius 40 m tangent to the car's heading: every chord from the car lies
        // on it, so pure pursuit steers exactly onto it, δ = atan(L / R).
        let r = 40.0
        XCTAssertEqual(pp.steering(path: { x in r - (r * r - x * x).squareRoot() }), atan(2.7 / r), accuracy: 1e-9)
        XCTAssertEqual(pp.steering(path: { x in -(r - (r * r - x * x).squareRoot()) }), -atan(2.7 / r), accuracy: 1e-9)
        // A target far to the side saturates.
        XCTAssertEqual(pp.steering(towardForward: 1, left: 5), 0.5)
    }

    func testReferenceSteeringOnTheTrueRoad() {
        let pp = PurePursuit()
        let curve = Road(segments: [.init(length: 60, curvature: 0.02)])
        // On the centre of an arc of radius 50 m, heading along it: atan(L κ) up to the
        // chord interpolation between samples 0.5 m apart.
        XCTAssertEqual(pp.steering(road: curve, car: curve.pose(atStation: 10)), atan(2.7 * 0.02), accuracy: 1e-4)
        // 1 m right of a straight road's centre, heading along it: the target is (√63, 1) ahead.
        let straight = Road(segments: [.init(length: 60, curvature: 0)])
        XCTAssertEqual(pp.steering(road: straight, car: Pose(x: 10, y: -1, heading: 0)), atan(5.4 / 64), accuracy: 1e-6)
    }

    func testRoadIntegratesArcsAndLocatesPoints() {
        let road = Road(segments: [.init(length: 20, curvature: 0), .init(length: 30, curvature: -0.025)], spacing: 0.5)
        XCTAssertEqual(road.length, 50, accuracy: 1e-9)
        let end = road.samples.last!
        // After the straight 20 m, a right arc of radius 40 m through 30 m: 0.75 rad.
        XCTAssertEqual(end.heading, -0.75, accuracy: 1e-9)
        XCTAssertEqual(end.x, 20 + 40 * sin(0.75), accuracy: 1e-9)
        XCTAssertEqual(end.y, -40 * (1 - cos(0.75)), accuracy: 1e-9)
        let p = road.pose(atStation: 35).toWorld(forward: 0, left: 1.2)
        let at = road.locate(p.x, p.y)
        XCTAssertEqual(at.lateral, 1.2, accuracy: 1e-3)
        XCTAssertEqual(at.station, 35, accuracy: 1e-3)
        XCTAssertEqual(road.locate(p.x, p.y, hint: 3).index, at.index)
    }

    func testPoseFramesAreInverse() {
        let pose = Pose(x: 3, y: -2, heading: 0.7)
        let w = pose.toWorld(forward: 5, left: -1.5)
        let l = pose.toLocal(w.x, w.y)
        XCTAssertEqual(l.forward, 5, accuracy: 1e-12)
        XCTAssertEqual(l.left, -1.5, accuracy: 1e-12)
    }

    func testClosedLoopCountsDeparturesAndInterventions() throws {
        let renderer = RoadRenderer()
        let roads = ClosedLoop.testRoads(count: 2, length: 30, condition: .nominal, seed: 5)
        let loop = ClosedLoop(renderer: renderer, model: BicycleModel(), roads: roads)
        let reference = try loop.run({ _, _ in [] }, seed: 1, reference: PurePursuit())
        for d in reference {
            XCTAssertEqual(d.interventions, 0)
            XCTAssertEqual(d.distanceBeforeLeaving, d.distance)
            XCTAssertLessThan(d.meanLateralError, 0.3)
            XCTAssertGreaterThanOrEqual(d.distance, 30)
        }
        // Hard left all the time: off the lane within a few metres, again and again.
        let swerve = try loop.run({ _, count in [Double](repeating: 0.3, count: count) }, seed: 1)
        for d in swerve {
            XCTAssertLessThan(d.distanceBeforeLeaving, 10)
            XCTAssertGreaterThan(d.interventions, 3)
        }
        let s = loop.summary(approach: "swerve", drives: swerve)
        XCTAssertEqual(s.roadsCompletedWithoutLeaving, 0)
        XCTAssertLessThan(s.autonomy, loop.summary(approach: "reference", drives: reference).autonomy)
    }
}
