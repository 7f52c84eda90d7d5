/// An axis-aligned box in pixel coordinates: top-left corner (`row`, `column`) and size.
public struct BoundingBox: Sendable, Equatable, Hashable {
    public var row: Double
    public var column: Double
    public var height: Double
    public var width: Double

    public init(row: Double, column: Double, height: Double, width: Double) {
        self.row = row
        self.column = column
        self.height = height
        self.width = width
    }

    public var area: Double { max(height, 0) * max(width, 0) }

    /// Intersection over union: the shared area over the area covered by either (0 when disjoint).
    public func intersectionOverUnion(_ other: BoundingBox) -> Double {
        let h = min(row + height, other.row + other.height) - max(row, other.row)
        let w = min(column + width, other.column + other.width) - max(column, other.column)
        guard h > 0, w > 0 else { return 0 }
        let inter = h * w
        let union = area + other.area - inter
        return union > 0 ? inter / union : 0
    }
}

/// A scored box: what a detector reports.
public struct Detection: Sendable, Equatable {
    public var box: BoundingBox
    /// Higher means more confident.
    public var score: Double
    public init(box: BoundingBox, score: Double) {
        self.box = box
        self.score = score
    }
}
