/// Greedy non-maximum suppression (as in Dalal & Triggs' and most detectors' post-processing):
/// take the highest-scoring detection, drop every remaining one that overlaps it by more than
/// `iouThreshold`, repeat.
public enum NonMaximumSuppression {
    /// The kept detections, highest score first. Ties keep the earlier detection in `detections`.
    /// - Throws: ``VisionError`` when `iouThreshold` is outside [0, 1].
    public static func apply(_ detections: [Detection], iouThreshold: Double, maxDetections: Int? = nil) throws -> [Detection] {
        guard (0...1).contains(iouThreshold) else {
            throw VisionError("NonMaximumSuppression: iouThreshold must be in [0, 1], got \(iouThreshold)")
        }
        let order = detections.indices.sorted { detections[$0].score > detections[$1].score || (detections[$0].score == detections[$1].score && $0 < $1) }
        var kept: [Detection] = []
        for i in order {
            if let maxDetections, kept.count >= maxDetections { break }
            let d = detections[i]
            if kept.allSatisfy({ $0.box.intersectionOverUnion(d.box) <= iouThreshold }) { kept.append(d) }
        }
        return kept
    }
}
