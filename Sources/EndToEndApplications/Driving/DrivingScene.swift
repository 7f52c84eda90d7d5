import EndToEnd
import Foundation

/// One rendered moment: a road, where the car is on it, and how the scene looks.
public struct DrivingScene: Sendable {
    public var road: Road
    public var car: Pose
    public var appearance: RoadAppearance

    public init(road: Road, car: Pose, appearance: RoadAppearance) {
        self.road = road
        self.car = car
        self.appearance = appearance
    }

    /// Curvatures are drawn from ±this (1/m): radii of 50 m and more.
    public static let maxCurvature = 0.02

    /// A random training or test scene: a road whose curvature may change 5–30 m ahead, the car
    /// 5 m along it, off the lane centre by up to 0.9 m and turned by up to 0.12 rad, so that the
    /// images also show how to recover (as PilotNet's shifted and rotated views do).
    public static func random(_ condition: RoadAppearance.Condition, rng: inout RandomGenerator) -> DrivingScene {
        func curvature() -> Double { rng.nextInt(below: 3) == 0 ? 0 : maxCurvature * (2 * rng.nextUniformDouble() - 1) }
        let k0 = curvature(), k1 = curvature()
        let road = Road(segments: [.init(length: 10 + 25 * rng.nextUniformDouble(), curvature: k0), .init(length: 80, curvature: k1)])
        let onRoad = road.pose(atStation: 5)
        let offset = 0.9 * (2 * rng.nextUniformDouble() - 1)
        let turn = 0.12 * (2 * rng.nextUniformDouble() - 1)
        let p = onRoad.toWorld(forward: 0, left: offset)
        let near = stride(from: 5.0, through: 35, by: 5).map { s -> (x: Double, y: Double) in
            let q = road.pose(atStation: s)
            return (q.x, q.y)
        }
        let appearance = RoadAppearance.random(condition, near: near, rng: &rng)
        return DrivingScene(road: road, car: Pose(x: p.x, y: p.y, heading: onRoad.heading + turn), appearance: appearance)
    }
}
