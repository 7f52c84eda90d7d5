import Foundation

/// A pixel the detector took for lane marking, with the ground point it shows (car frame).
public struct MarkingPixel: Sendable, Equatable {
    public var row: Int
    public var column: Int
    public var forward: Double
    public var left: Double
}

/// The pipeline's first stage: a pixel is lane marking when it is brighter, by more than
/// ``threshold``, than both pixels a marking's width to its left and right (a horizontal
/// top-hat: wide bright areas such as a verge or a sunlit patch do not pass), within
/// ``maxRange`` metres; marking pixels are then projected onto the ground (inverse perspective).
public struct LaneMarkingDetector: Sendable, Equatable {
    public var camera: Camera
    public var threshold: Double
    public var maxRange: Double
    /// The widest marking looked for (metres): it sets the top-hat's reach on each row.
    public var markingWidth: Double

    public init(camera: Camera = Camera(), threshold: Double = 0.08, maxRange: Double = 25, markingWidth: Double = 0.35) {
        self.camera = camera
        self.threshold = threshold
        self.maxRange = maxRange
        self.markingWidth = markingWidth
    }

    /// The marking pixels of `image` (`height × width`, row-major).
    public func detect(_ image: ArraySlice<Float>) -> [MarkingPixel] {
        let w = camera.width, base = image.startIndex
        var out: [MarkingPixel] = []
        for row in 0..<camera.height {
            guard let centre = camera.ground(u: Double(w) / 2, v: Double(row) + 0.5), centre.range <= maxRange else { continue }
            // The marking's width in pixels on this row, plus one so the reference pixels lie beside it.
            let reach = max(2, Int((markingWidth * camera.focal / centre.range).rounded(.up)) + 1)
            guard w > 2 * reach else { continue }
            for col in reach..<(w - reach) {
                let v = Double(image[base + row * w + col])
                let side = max(Double(image[base + row * w + col - reach]), Double(image[base + row * w + col + reach]))
                guard v - side > threshold, let g = camera.ground(u: Double(col) + 0.5, v: Double(row) + 0.5) else { continue }
                out.append(MarkingPixel(row: row, column: col, forward: g.forward, left: g.left))
            }
        }
        return out
    }
}
