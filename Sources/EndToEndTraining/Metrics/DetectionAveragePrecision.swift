import EndToEndData

/// Average precision of an object detector over a set of images (PASCAL VOC's measure, as in
/// VOC 2010 and later): detections of all images are ranked by score; each is a true positive
/// when it overlaps a not-yet-matched ground-truth box of its image with IoU ≥ `iouThreshold`
/// (the best-overlapping box is taken), else a false positive; AP is the area under the
/// precision–recall curve after precision is made non-increasing in recall (all-point
/// interpolation).
///
/// ```swift
/// let ap = try DetectionAveragePrecision.compute(detections: perImageDetections,
///                                                groundTruth: perImageBoxes, iouThreshold: 0.5)
/// ```
public enum DetectionAveragePrecision {
    /// One point of the ranked precision–recall curve.
    public struct Point: Sendable, Equatable {
        public var score: Double
        public var precision: Double
        public var recall: Double
    }

    /// The precision–recall curve, one point per ranked detection (ties in score are ranked in
    /// input order: image by image, then detection order).
    /// - Throws: ``MetricError`` when the two lists differ in length, the threshold is outside
    ///   (0, 1], or there is no ground-truth box at all.
    public static func curve(detections: [[Detection]], groundTruth: [[BoundingBox]], iouThreshold: Double = 0.5) throws(MetricError) -> [Point] {
        let op = "DetectionAveragePrecision"
        guard detections.count == groundTruth.count else {
            throw MetricError(op, "detections for \(detections.count) images but ground truth for \(groundTruth.count)")
        }
        guard iouThreshold > 0 && iouThreshold <= 1 else { throw MetricError(op, "iouThreshold must be in (0, 1], got \(iouThreshold)") }
        let positives = groundTruth.reduce(0) { $0 + $1.count }
        guard positives > 0 else { throw MetricError(op, "no ground-truth boxes: average precision is undefined") }
        var ranked: [(image: Int, detection: Detection)] = []
        for (i, ds) in detections.enumerated() { for d in ds { ranked.append((i, d)) } }
        // A stable sort keeps input order among equal scores.
        ranked = ranked.enumerated().sorted { a, b in
            a.element.detection.score > b.element.detection.score || (a.element.detection.score == b.element.detection.score && a.offset < b.offset)
        }.map(\.element)
        var matched = groundTruth.map { [Bool](repeating: false, count: $0.count) }
        var tp = 0, fp = 0
        var out: [Point] = []
        out.reserveCapacity(ranked.count)
        for (image, d) in ranked {
            var best = -1, bestIoU = 0.0
            for (j, g) in groundTruth[image].enumerated() {
                let iou = d.box.intersectionOverUnion(g)
                if iou > bestIoU { bestIoU = iou; best = j }
            }
            // VOC: the best-overlapping box decides; if it is already taken, the detection is a duplicate.
            if best >= 0 && bestIoU >= iouThreshold && !matched[image][best] {
                matched[image][best] = true
                tp += 1
            } else {
                fp += 1
            }
            out.append(Point(score: d.score, precision: Double(tp) / Double(tp + fp), recall: Double(tp) / Double(positives)))
        }
        return out
    }

    /// The average precision in [0, 1] (0 when nothing is detected).
    /// - Throws: see ``curve(detections:groundTruth:iouThreshold:)``.
    public static func compute(detections: [[Detection]], groundTruth: [[BoundingBox]], iouThreshold: Double = 0.5) throws(MetricError) -> Double {
        let points = try curve(detections: detections, groundTruth: groundTruth, iouThreshold: iouThreshold)
        var precision = points.map(\.precision)
        // Precision envelope: the best precision at this recall or any higher one.
        if precision.count > 1 { for i in stride(from: precision.count - 2, through: 0, by: -1) { precision[i] = max(precision[i], precision[i + 1]) } }
        var ap = 0.0, previousRecall = 0.0
        for (i, p) in points.enumerated() where p.recall > previousRecall {
            ap += (p.recall - previousRecall) * precision[i]
            previousRecall = p.recall
        }
        return ap
    }
}
