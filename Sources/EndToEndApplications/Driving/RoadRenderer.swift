import EndToEnd
import Foundation

/// Renders the camera's gray-scale view of a road from a car pose: each pixel averages 2×2
/// rays cast onto the flat ground (sky above the horizon), then sensor noise is added.
public struct RoadRenderer: Sendable {
    public let camera: Camera
    /// Per sub-pixel ray, row-major over the (2H)×(2W) grid: the ground point in the car frame, nil for sky.
    let rays: [(forward: Double, left: Double)?]

    public init(camera: Camera = Camera()) {
        self.camera = camera
        var rays: [(forward: Double, left: Double)?] = []
        rays.reserveCapacity(4 * camera.width * camera.height)
        for sv in 0..<(2 * camera.height) {
            for su in 0..<(2 * camera.width) {
                let g = camera.ground(u: (Double(su) + 0.5) / 2, v: (Double(sv) + 0.5) / 2)
                // Beyond 60 m the ground is a haze of sky colour: far texture would only alias.
                rays.append(g.flatMap { $0.range < 60 ? ($0.forward, $0.left) : nil })
            }
        }
        self.rays = rays
    }

    /// The image, `height × width` values in [0, 1], row-major. `rng` draws the sensor noise.
    public func render(road: Road, car: Pose, appearance: RoadAppearance, rng: inout RandomGenerator) -> [Float] {
        let w = camera.width, h = camera.height, sw = 2 * w
        var out = [Float](repeating: 0, count: w * h)
        let carHint = road.locate(car.x, car.y, hint: nil).index
        var rowHint = carHint
        for sv in 0..<(2 * h) {
            var hint = rowHint
            for su in 0..<sw {
                let value: Double
                if let g = rays[sv * sw + su] {
                    let p = car.toWorld(forward: g.forward, left: g.left)
                    let loc = road.locate(p.x, p.y, hint: hint)
                    hint = loc.index
                    if su == 0 { rowHint = loc.index }
                    value = appearance.ground(x: p.x, y: p.y, location: loc, laneWidth: road.laneWidth)
                } else {
                    value = appearance.sky
                }
                out[(sv / 2) * w + su / 2] += Float(0.25 * value)
            }
        }
        let gain = Float(appearance.gain), noise = Float(appearance.noise)
        for i in out.indices { out[i] = min(max(out[i] * gain + noise * rng.nextNormal(), 0), 1) }
        return out
    }
}
