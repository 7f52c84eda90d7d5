import EndToEnd
import EndToEndTraining
import Foundation

/// The closed-loop test: a kinematic bicycle-model car drives a fixed set of generated roads,
/// its camera view rendered at every step and steered by the driver under test.
///
/// Departing the lane (the rear axle more than ``departureOffset`` from the centre, i.e. a
/// wheel on the marking for a 1.8 m wide car) ends that road's *distance before leaving the
/// lane*; the drive then goes on as PilotNet's road tests did: a safety driver puts the car
/// back on the lane centre (an *intervention*), and the run continues to the road's end.
public struct ClosedLoop: Sendable {
    public struct TestRoad: Sendable {
        public var road: Road
        public var appearance: RoadAppearance
    }

    public var renderer: RoadRenderer
    public var model: BicycleModel
    public var roads: [TestRoad]
    /// Metres per second and seconds per step.
    public var speed: Double = 10
    public var dt: Double = 0.1
    public var departureOffset: Double = 0.9
    /// Where each drive starts: metres left of the lane centre.
    public var startOffset: Double = 0.3
    /// The drive stops this far before the road's end, so the camera always sees road.
    public var endMargin: Double = 40
    /// Seconds a human intervention is charged in PilotNet's autonomy figure.
    public var interventionSeconds: Double = 6

    public init(renderer: RoadRenderer, model: BicycleModel, roads: [TestRoad]) {
        self.renderer = renderer
        self.model = model
        self.roads = roads
    }

    /// `count` roads of `length` metres (plus the margin), reproducible from `seed`, with
    /// curvatures up to `maxCurvature` (by default the training scenes' range).
    public static func testRoads(count: Int, length: Double, condition: RoadAppearance.Condition, seed: UInt64,
                                 maxCurvature: Double = DrivingScene.maxCurvature) -> [TestRoad] {
        (0..<count).map { i in
            var rng = RandomGenerator(seed: seed ^ (UInt64(i + 1) &* 0xD1B5_4A32_D192_ED03))
            let road = Road.random(length: length + 45, maxCurvature: maxCurvature, rng: &rng)
            // Shadows all along the road: one candidate place every 10 m.
            var appearance = RoadAppearance.random(condition, near: [], rng: &rng)
            for s in stride(from: 10.0, to: road.length, by: 10) where rng.nextInt(below: 3) == 0 {
                let p = road.pose(atStation: s)
                let offset = 8 * rng.nextUniformDouble() - 4
                appearance.shadows.append(.init(x: p.x + offset, y: p.y + 8 * rng.nextUniformDouble() - 4,
                                                radius: 1 + 2.5 * rng.nextUniformDouble(), factor: 0.45 + 0.25 * rng.nextUniformDouble()))
            }
            return TestRoad(road: road, appearance: appearance)
        }
    }

    /// One road's drive.
    public struct Drive: Sendable {
        /// Metres driven before the first lane departure (the whole drive when there was none).
        public var distanceBeforeLeaving: Double
        public var distance: Double
        public var interventions: Int
        /// Mean absolute distance of the rear axle from the lane centre over every step.
        public var meanLateralError: Double
        /// The distance from the lane centre after each step (positive left; 0 after an intervention), for figures.
        public var lateral: [Double]
    }

    /// A driver: the steering angles for a batch of camera images (`count × height × width`),
    /// one per road still driving.
    public typealias Driver = (_ images: [Float], _ count: Int) throws -> [Double]

    /// Drives every road at once (so a network sees one batch per step) and returns each drive.
    /// `reference` replaces the images by the true geometry (the labelling controller).
    public func run(_ driver: Driver, seed: UInt64, reference: PurePursuit? = nil) throws -> [Drive] {
        let n = renderer.camera.width * renderer.camera.height
        var poses = roads.map { r -> Pose in
            let p = r.road.pose(atStation: 0)
            let q = p.toWorld(forward: 0, left: startOffset)
            return Pose(x: q.x, y: q.y, heading: p.heading)
        }
        var rngs = roads.indices.map { RandomGenerator(seed: seed ^ (UInt64($0 + 1) &* 0x9E37_79B9_7F4A_7C15)) }
        var drives = roads.map { _ in Drive(distanceBeforeLeaving: 0, distance: 0, interventions: 0, meanLateralError: 0, lateral: []) }
        var departed = [Bool](repeating: false, count: roads.count)
        var lateralSum = [Double](repeating: 0, count: roads.count), steps = [Int](repeating: 0, count: roads.count)
        var active = Array(roads.indices)
        while !active.isEmpty {
            var images = [Float]()
            images.reserveCapacity(active.count * n)
            if reference == nil {
                for r in active {
                    images += renderer.render(road: roads[r].road, car: poses[r], appearance: roads[r].appearance, rng: &rngs[r])
                }
            }
            let steering = try reference.map { pp in active.map { pp.steering(road: roads[$0].road, car: poses[$0]) } }
                ?? driver(images, active.count)
            var still: [Int] = []
            for (k, r) in active.enumerated() {
                let road = roads[r].road
                poses[r] = model.step(poses[r], speed: speed, steering: steering[k], dt: dt)
                drives[r].distance += speed * dt
                var at = road.locate(poses[r].x, poses[r].y, hint: nil)
                if abs(at.lateral) > departureOffset {
                    if !departed[r] { departed[r] = true; drives[r].distanceBeforeLeaving = drives[r].distance }
                    drives[r].interventions += 1
                    let centre = road.pose(atStation: at.station)
                    poses[r] = centre
                    at.lateral = 0
                }
                lateralSum[r] += abs(at.lateral)
                steps[r] += 1
                drives[r].lateral.append(at.lateral)
                if at.station < road.length - endMargin { still.append(r) }
            }
            active = still
        }
        for r in roads.indices {
            if !departed[r] { drives[r].distanceBeforeLeaving = drives[r].distance }
            drives[r].meanLateralError = lateralSum[r] / Double(max(steps[r], 1))
        }
        return drives
    }

    /// A set of drives summarized: the JSON row of the closed-loop result.
    public func summary(approach: String, drives: [Drive]) -> ClosedLoopSummary {
        let total = drives.reduce(0) { $0 + $1.distance }
        let interventions = drives.reduce(0) { $0 + $1.interventions }
        let steps = drives.reduce(0.0) { $0 + $1.distance } / (speed * dt)
        return ClosedLoopSummary(
            approach: approach, roads: drives.count,
            meanDistanceBeforeLeaving: drives.reduce(0) { $0 + $1.distanceBeforeLeaving } / Double(drives.count),
            roadsCompletedWithoutLeaving: drives.filter { $0.interventions == 0 }.count,
            totalDistance: total, interventions: interventions,
            meanLateralError: drives.reduce(0) { $0 + $1.meanLateralError * $1.distance } / max(total, 1e-9),
            autonomy: max(0, 1 - Double(interventions) * interventionSeconds / (steps * dt)))
    }
}

/// The closed-loop figures of one approach over the test roads.
public struct ClosedLoopSummary: Sendable, Equatable {
    public var approach: String
    public var roads: Int
    /// Mean over roads of the metres driven before first leaving the lane.
    public var meanDistanceBeforeLeaving: Double
    public var roadsCompletedWithoutLeaving: Int
    public var totalDistance: Double
    public var interventions: Int
    /// Mean absolute lateral offset from the lane centre (metres), per metre driven.
    public var meanLateralError: Double
    /// PilotNet's autonomy: 1 − interventions × 6 s / elapsed time.
    public var autonomy: Double

    public var json: JSONValue {
        .object([("approach", .string(approach)), ("roads", .int(roads)),
                 ("distance", .double(meanDistanceBeforeLeaving)),
                 ("roads_without_leaving", .int(roadsCompletedWithoutLeaving)), ("total_distance", .double(totalDistance)),
                 ("interventions", .int(interventions)), ("mean_lateral_error", .double(meanLateralError)),
                 ("autonomy", .double(autonomy))])
    }
}
