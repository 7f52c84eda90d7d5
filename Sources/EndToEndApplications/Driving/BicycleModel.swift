import Foundation

/// The kinematic bicycle model: the rear axle moves along an arc of curvature tan(δ)/L for
/// steering angle δ and wheelbase L (no slip), integrated exactly over each step.
public struct BicycleModel: Sendable, Equatable {
    /// Distance between the axles (metres).
    public var wheelbase: Double
    /// Steering angles are clamped to ±this (radians).
    public var maxSteering: Double

    public init(wheelbase: Double = 2.7, maxSteering: Double = 0.5) {
        self.wheelbase = wheelbase
        self.maxSteering = maxSteering
    }

    /// The path curvature (1/m) that steering angle `steering` gives, after clamping.
    public func curvature(steering: Double) -> Double {
        tan(min(max(steering, -maxSteering), maxSteering)) / wheelbase
    }

    /// The rear-axle pose after driving `speed` m/s for `dt` seconds at steering angle `steering`.
    public func step(_ pose: Pose, speed: Double, steering: Double, dt: Double) -> Pose {
        pose.advanced(by: speed * dt, curvature: curvature(steering: steering))
    }
}
