import EndToEnd
import Foundation

/// A point and heading in the world plane (metres, radians; x east, y north, heading from +x).
public struct Pose: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public var heading: Double
    public init(x: Double, y: Double, heading: Double) {
        self.x = x
        self.y = y
        self.heading = heading
    }

    /// `p` (world) in this pose's frame: forward, left.
    public func toLocal(_ px: Double, _ py: Double) -> (forward: Double, left: Double) {
        let dx = px - x, dy = py - y, c = cos(heading), s = sin(heading)
        return (c * dx + s * dy, -s * dx + c * dy)
    }

    /// A point given in this pose's frame (forward, left), in the world.
    public func toWorld(forward: Double, left: Double) -> (x: Double, y: Double) {
        let c = cos(heading), s = sin(heading)
        return (x + c * forward - s * left, y + s * forward + c * left)
    }

    /// This pose moved `distance` metres along an arc of `curvature` (1/m, positive turning
    /// left; a straight line at 0), integrated exactly.
    public func advanced(by d: Double, curvature k: Double) -> Pose {
        if abs(k) < 1e-12 { return Pose(x: x + d * cos(heading), y: y + d * sin(heading), heading: heading) }
        let h2 = heading + k * d
        return Pose(x: x + (sin(h2) - sin(heading)) / k, y: y - (cos(h2) - cos(heading)) / k, heading: h2)
    }
}

/// Where a point lies relative to a road's centreline.
public struct RoadLocation: Sendable, Equatable {
    /// The nearest centreline sample.
    public var index: Int
    /// Arc length along the centreline to the point's projection (metres).
    public var station: Double
    /// Signed distance from the centreline, positive to the left of the driving direction.
    public var lateral: Double
    /// The centreline's heading at the projection.
    public var heading: Double
}

/// A one-lane road: a centreline of piecewise-constant curvature, sampled every ``spacing``
/// metres, with a marking on each side of the lane.
public struct Road: Sendable {
    /// One stretch of constant curvature (1/m, positive turning left).
    public struct Segment: Sendable, Equatable {
        public var length: Double
        public var curvature: Double
        public init(length: Double, curvature: Double) {
            self.length = length
            self.curvature = curvature
        }
    }

    public let segments: [Segment]
    public let spacing: Double
    public let laneWidth: Double
    /// Centreline samples: position and heading.
    public let samples: [Pose]
    /// Curvature of the stretch each sample starts.
    public let curvatures: [Double]

    public var length: Double { Double(samples.count - 1) * spacing }

    /// Integrates the segments exactly (arcs) from `start`.
    public init(start: Pose = Pose(x: 0, y: 0, heading: 0), segments: [Segment], spacing: Double = 0.5, laneWidth: Double = 3.6) {
        precondition(spacing > 0 && !segments.isEmpty, "Road: positive spacing and at least one segment")
        self.segments = segments
        self.spacing = spacing
        self.laneWidth = laneWidth
        let total = segments.reduce(0) { $0 + $1.length }
        let n = max(1, Int((total / spacing).rounded()))
        var samples = [start], curvatures: [Double] = []
        var pose = start, seg = 0, segStart = 0.0
        for i in 0..<n {
            let s = Double(i) * spacing
            while seg < segments.count - 1 && s >= segStart + segments[seg].length { segStart += segments[seg].length; seg += 1 }
            let k = segments[seg].curvature
            curvatures.append(k)
            pose = pose.advanced(by: spacing, curvature: k)
            samples.append(pose)
        }
        curvatures.append(curvatures.last ?? 0)
        self.samples = samples
        self.curvatures = curvatures
    }

    /// A random road of `length` metres: stretches of 15–60 m (the last one cut to fit),
    /// curvature uniform in ±`maxCurvature` (a third of them straight).
    public static func random(length: Double, maxCurvature: Double, rng: inout RandomGenerator, laneWidth: Double = 3.6) -> Road {
        var segments: [Segment] = [], total = 0.0
        while total < length {
            let l = min(15 + 45 * rng.nextUniformDouble(), length - total)
            let k = rng.nextInt(below: 3) == 0 ? 0 : maxCurvature * (2 * rng.nextUniformDouble() - 1)
            segments.append(Segment(length: l, curvature: k))
            total += l
        }
        return Road(segments: segments, laneWidth: laneWidth)
    }

    /// Projects `(px, py)` onto the centreline, searching from `hint` (a sample index) downhill,
    /// or over every sample without one. Monotone search is exact while the point is closer to
    /// the road than its smallest radius of curvature, which holds for everything a camera sees.
    public func locate(_ px: Double, _ py: Double, hint: Int? = nil) -> RoadLocation {
        func d2(_ i: Int) -> Double { let s = samples[i]; return (s.x - px) * (s.x - px) + (s.y - py) * (s.y - py) }
        var best: Int
        if let hint {
            best = min(max(hint, 0), samples.count - 1)
            var dBest = d2(best)
            while best + 1 < samples.count, d2(best + 1) < dBest { best += 1; dBest = d2(best) }
            while best > 0, d2(best - 1) < dBest { best -= 1; dBest = d2(best) }
        } else {
            best = 0
            var dBest = d2(0)
            for i in 1..<samples.count where d2(i) < dBest { best = i; dBest = d2(i) }
        }
        // Project on the tangent at the nearest sample; for arcs of radius >> spacing the error is tiny.
        let s = samples[best]
        let (along, left) = s.toLocal(px, py)
        let k = curvatures[best]
        // Correct the lateral distance for the arc's bend over `along` (second order).
        let lateral = left - 0.5 * k * along * along
        let station = min(max(Double(best) * spacing + along, 0), length)
        return RoadLocation(index: best, station: station, lateral: lateral, heading: s.heading + k * along)
    }

    /// The centreline point at `station` metres.
    public func pose(atStation station: Double) -> Pose {
        let s = min(max(station, 0), length)
        let i = min(Int(s / spacing), samples.count - 1)
        return samples[i].advanced(by: s - Double(i) * spacing, curvature: curvatures[i])
    }
}
