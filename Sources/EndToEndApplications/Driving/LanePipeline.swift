import EndToEndKernels
import Foundation

/// The classic lane keeper: detect marking pixels (thresholded top-hat), project them onto
/// the ground, fit each marking with a quadratic, and steer by pure pursuit on the fitted lane
/// centre. Its one fitted number is the detection threshold, chosen on training images.
public struct LanePipeline: Sendable, Equatable {
    public var detector: LaneMarkingDetector
    public var fitter: LaneFitter
    public var controller: PurePursuit

    public init(detector: LaneMarkingDetector, fitter: LaneFitter = LaneFitter(), controller: PurePursuit) {
        self.detector = detector
        self.fitter = fitter
        self.controller = controller
    }

    /// The thresholds ``fitThreshold(on:)`` chooses from.
    public static let thresholdGrid = [0.03, 0.05, 0.07, 0.09, 0.12, 0.15, 0.2]

    /// Every number a person chose for this pipeline, by name: the maintenance count.
    public var handSetConstants: [String: Double] {
        let c = detector.camera
        return [
            "camera.focal": c.focal, "camera.mount_height": c.mountHeight, "camera.pitch": c.pitch,
            "camera.forward_offset": c.forwardOffset, "detector.max_range": detector.maxRange,
            "detector.marking_width": detector.markingWidth, "detector.threshold_grid_size": Double(Self.thresholdGrid.count),
            "fitter.lane_width": fitter.laneWidth, "fitter.near_range": fitter.nearRange, "fitter.bin_width": fitter.binWidth,
            "fitter.window_length": fitter.windowLength, "fitter.window_margin": fitter.windowMargin,
            "fitter.minimum_points": Double(fitter.minimumPoints), "fitter.partner_distance_min": 0.75,
            "fitter.partner_distance_max": 1.25, "fitter.quadratic_span": 6,
            "controller.lookahead": controller.lookahead, "controller.wheelbase": controller.model.wheelbase,
            "controller.max_steering": controller.model.maxSteering,
        ]
    }

    /// The lane seen in one image.
    public func lane(_ image: ArraySlice<Float>) -> LaneEstimate { fitter.fit(detector.detect(image)) }

    /// The steering for one image, nil when no marking was found.
    public func steering(_ image: ArraySlice<Float>) -> Double? {
        lane(image).centre.map { centre in controller.steering(path: { centre($0) }) }
    }

    /// Steering for every image of `data`; an image without a lane gets 0 (straight ahead).
    public func steering(_ data: DrivingDataset) -> [Double] {
        var out = [Double](repeating: 0, count: data.count)
        out.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let buffer = buffer
            parallelFor(data.count) { range in
                for i in range { buffer[i] = steering(data.image(i)) ?? 0 }
            }
        }
        return out
    }

    /// Picks the threshold of ``thresholdGrid`` with the lowest steering error on (up to
    /// `limit` images of) `data`, and returns the error of each candidate.
    @discardableResult
    public mutating func fitThreshold(on data: DrivingDataset, limit: Int = 300) -> [(threshold: Double, rmse: Double)] {
        let sample = data.count > limit ? data.subset(Array(0..<limit)) : data
        var scores: [(threshold: Double, rmse: Double)] = []
        for t in Self.thresholdGrid {
            var candidate = self
            candidate.detector.threshold = t
            scores.append((t, SteeringError(predicted: candidate.steering(sample), reference: sample.steering).rmse))
        }
        if let best = scores.min(by: { $0.rmse < $1.rmse }) { detector.threshold = best.threshold }
        return scores
    }
}

/// Open-loop steering error against the reference controller.
public struct SteeringError: Sendable, Equatable {
    public var rmse: Double
    public var mae: Double

    public init(predicted: [Double], reference: [Double]) {
        precondition(predicted.count == reference.count && !predicted.isEmpty, "SteeringError: matching, non-empty arrays")
        let d = zip(predicted, reference).map { $0 - $1 }
        rmse = (d.reduce(0) { $0 + $1 * $1 } / Double(d.count)).squareRoot()
        mae = d.reduce(0) { $0 + abs($1) } / Double(d.count)
    }
}
