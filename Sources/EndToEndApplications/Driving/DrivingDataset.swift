import EndToEnd
import EndToEndData
import EndToEndKernels
import Foundation

/// Rendered camera images labelled with the reference controller's steering: pure pursuit on
/// the true lane centre (which the camera does not see directly), generated from a seed.
public struct DrivingDataset: Sendable {
    public let camera: Camera
    /// `count × height × width` gray values in [0, 1].
    public let pixels: [Float]
    /// The reference steering angle of each image (radians, positive left).
    public let steering: [Double]
    /// The true lateral offset of the car from the lane centre (metres, positive left).
    public let offsets: [Double]
    /// The true lane geometry each image shows, per image: the offset (m), the car's heading
    /// relative to the lane (rad) and the lane's curvature 8 m ahead (1/m) — the pipeline's
    /// quantities, and the step-by-step network's intermediate target.
    public let geometry: [[Double]]

    public var count: Int { steering.count }
    var pixelsPerImage: Int { camera.width * camera.height }

    /// Example `i`'s image, row-major.
    public func image(_ i: Int) -> ArraySlice<Float> { pixels[(i * pixelsPerImage)..<((i + 1) * pixelsPerImage)] }

    /// `count` scenes of `condition`, example `i` drawn from its own stream of `seed` (so any
    /// prefix of a larger set is the smaller set), rendered in parallel.
    public static func generate(count: Int, condition: RoadAppearance.Condition, seed: UInt64,
                                renderer: RoadRenderer, controller: PurePursuit) -> DrivingDataset {
        let n = renderer.camera.width * renderer.camera.height
        var pixels = [Float](repeating: 0, count: count * n)
        var steering = [Double](repeating: 0, count: count)
        var geometry = [[Double]](repeating: [], count: count)
        pixels.withUnsafeMutableBufferPointer { px in
            steering.withUnsafeMutableBufferPointer { st in
                geometry.withUnsafeMutableBufferPointer { ge in
                    nonisolated(unsafe) let (px, st, ge) = (px, st, ge)
                    parallelFor(count) { range in
                        for i in range {
                            var rng = RandomGenerator(seed: seed ^ (UInt64(i) &* 0x9E37_79B9_7F4A_7C15))
                            let scene = DrivingScene.random(condition, rng: &rng)
                            let image = renderer.render(road: scene.road, car: scene.car, appearance: scene.appearance, rng: &rng)
                            for j in 0..<n { px[i * n + j] = image[j] }
                            st[i] = controller.steering(road: scene.road, car: scene.car)
                            let at = scene.road.locate(scene.car.x, scene.car.y)
                            let ahead = scene.road.locate(scene.car.x, scene.car.y).station + controller.lookahead
                            let k = scene.road.curvatures[min(Int(ahead / scene.road.spacing), scene.road.curvatures.count - 1)]
                            ge[i] = [at.lateral, scene.car.heading - at.heading, k]
                        }
                    }
                }
            }
        }
        return DrivingDataset(camera: renderer.camera, pixels: pixels, steering: steering, offsets: geometry.map { $0[0] }, geometry: geometry)
    }

    /// The examples at `indices`, in that order.
    public func subset(_ indices: [Int]) -> DrivingDataset {
        var px: [Float] = []
        px.reserveCapacity(indices.count * pixelsPerImage)
        for i in indices { px.append(contentsOf: image(i)) }
        return DrivingDataset(camera: camera, pixels: px, steering: indices.map { steering[$0] }, offsets: indices.map { offsets[$0] },
                              geometry: indices.map { geometry[$0] })
    }

    /// Images `[N, 1, H, W]` and steering targets `[N, 1]` for the trainer.
    public func tensorDataset() throws -> TensorDataset {
        try TensorDataset(inputs: Tensor(shape: [count, 1, camera.height, camera.width], scalars: pixels),
                          targets: Tensor(shape: [count, 1], scalars: steering.map { Float($0) }))
    }
}
