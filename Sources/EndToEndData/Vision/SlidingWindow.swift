/// The windows of a fixed size that a classic detector scores over an image: top-left corners
/// every `stride` pixels, each window wholly inside the image.
public struct SlidingWindow: Sendable, Equatable {
    public let height: Int
    public let width: Int
    public let stride: Int

    /// - Throws: ``VisionError`` when a size or the stride is not positive.
    public init(height: Int, width: Int, stride: Int) throws {
        guard height > 0, width > 0, stride > 0 else {
            throw VisionError("SlidingWindow: height, width and stride must be positive, got \(height), \(width), \(stride)")
        }
        self.height = height
        self.width = width
        self.stride = stride
    }

    /// The windows over an `imageHeight × imageWidth` image, row by row (none if the window does not fit).
    public func boxes(imageHeight: Int, imageWidth: Int) -> [BoundingBox] {
        guard imageHeight >= height, imageWidth >= width else { return [] }
        var out: [BoundingBox] = []
        for r in Swift.stride(from: 0, through: imageHeight - height, by: stride) {
            for c in Swift.stride(from: 0, through: imageWidth - width, by: stride) {
                out.append(BoundingBox(row: Double(r), column: Double(c), height: Double(height), width: Double(width)))
            }
        }
        return out
    }

    /// Scores every window of `image` with `score` (given the cropped window) and returns the
    /// detections scoring above `threshold`.
    public func detect(in image: GrayImage, threshold: Double = -.infinity,
                       score: (GrayImage) throws -> Double) rethrows -> [Detection] {
        var out: [Detection] = []
        for box in boxes(imageHeight: image.height, imageWidth: image.width) {
            let s = try score(image.crop(row: Int(box.row), column: Int(box.column), height: height, width: width))
            if s > threshold { out.append(Detection(box: box, score: s)) }
        }
        return out
    }
}
