import Foundation

/// A pinhole camera above the car, pitched down, looking forward over a flat road: maps image
/// points to the ground (the car frame: forward from the rear axle, left) and back.
///
/// Axes: the camera's optical axis is pitched down by ``pitch`` from the horizontal; image `u`
/// grows to the right, `v` downwards, with the principal point at the image centre.
public struct Camera: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// Focal length in pixels.
    public var focal: Double
    /// Height of the camera above the road (metres).
    public var mountHeight: Double
    /// Downward pitch (radians).
    public var pitch: Double
    /// Camera position ahead of the rear axle (metres; negative is behind).
    public var forwardOffset: Double

    public init(width: Int = 64, height: Int = 32, focal: Double = 40, mountHeight: Double = 2.5,
                pitch: Double = 0.34, forwardOffset: Double = 0) {
        self.width = width
        self.height = height
        self.focal = focal
        self.mountHeight = mountHeight
        self.pitch = pitch
        self.forwardOffset = forwardOffset
    }

    /// The ground point (car frame) seen at image point `(u, v)` (pixel units, continuous: the
    /// centre of pixel (c, r) is (c + 0.5, r + 0.5)), or nil above the horizon; `range` is the
    /// distance along the ray.
    public func ground(u: Double, v: Double) -> (forward: Double, left: Double, range: Double)? {
        let xn = (u - Double(width) / 2) / focal, yn = (v - Double(height) / 2) / focal
        let sp = sin(pitch), cp = cos(pitch)
        let down = sp + yn * cp
        guard down > 1e-6 else { return nil }
        let t = mountHeight / down
        let forward = forwardOffset + t * (cp - yn * sp)
        return (forward, -t * xn, t * (1 + xn * xn + yn * yn).squareRoot())
    }

    /// The image point of the ground point `(forward, left)` (car frame), or nil behind the camera.
    public func image(forward: Double, left: Double) -> (u: Double, v: Double)? {
        // Camera coordinates of the point: z along the optical axis, y down, x right.
        let dx = forward - forwardOffset, dz = -mountHeight
        let sp = sin(pitch), cp = cos(pitch)
        let zc = dx * cp - dz * sp
        let yc = -dx * sp - dz * cp
        let xc = -left
        guard zc > 1e-6 else { return nil }
        return (Double(width) / 2 + focal * xc / zc, Double(height) / 2 + focal * yc / zc)
    }
}
