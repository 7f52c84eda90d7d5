import Foundation

/// Pure pursuit (Coulter 1992): steer the rear axle onto the circle through a point of the
/// path one look-ahead distance away, δ = atan(2 L sin α / ℓ) = atan(2 L y / ℓ²) for a target
/// `(x, y)` in the car frame at distance ℓ.
public struct PurePursuit: Sendable, Equatable {
    public var model: BicycleModel
    /// Look-ahead distance ℓ (metres).
    public var lookahead: Double

    public init(model: BicycleModel = BicycleModel(), lookahead: Double = 8) {
        self.model = model
        self.lookahead = lookahead
    }

    /// The steering angle (clamped) that puts the car's arc through `(forward, left)` (car frame).
    public func steering(towardForward x: Double, left y: Double) -> Double {
        let d2 = x * x + y * y
        guard d2 > 1e-9 else { return 0 }
        let m = model.maxSteering
        return min(max(atan(2 * model.wheelbase * y / d2), -m), m)
    }

    /// Steering toward the point of the path `left = path(forward)` (car frame, forward ≥ 0) at
    /// the look-ahead distance, found by bisection on the forward coordinate.
    public func steering(path: (Double) -> Double) -> Double {
        var lo = 0.0, hi = lookahead
        for _ in 0..<40 {
            let mid = (lo + hi) / 2, y = path(mid)
            if mid * mid + y * y < lookahead * lookahead { lo = mid } else { hi = mid }
        }
        return steering(towardForward: lo, left: path(lo))
    }

    /// The reference: steering toward the road's true centreline, the first centreline point
    /// ahead of the car at the look-ahead distance.
    public func steering(road: Road, car: Pose) -> Double {
        let start = road.locate(car.x, car.y, hint: nil).index
        var previous = car.toLocal(road.samples[start].x, road.samples[start].y)
        for i in (start + 1)..<road.samples.count {
            let p = car.toLocal(road.samples[i].x, road.samples[i].y)
            let r0 = (previous.forward * previous.forward + previous.left * previous.left).squareRoot()
            let r1 = (p.forward * p.forward + p.left * p.left).squareRoot()
            if r1 >= lookahead && p.forward > 0 {
                let t = r1 > r0 ? min(max((lookahead - r0) / (r1 - r0), 0), 1) : 1
                return steering(towardForward: previous.forward + t * (p.forward - previous.forward),
                                left: previous.left + t * (p.left - previous.left))
            }
            previous = p
        }
        return steering(towardForward: previous.forward, left: previous.left)
    }
}
