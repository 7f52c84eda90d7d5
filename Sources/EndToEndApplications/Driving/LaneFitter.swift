import Foundation

/// The lane the pipeline sees: each marking's points and curve (`left = f(forward)`, car
/// frame), and the lane centre between them.
public struct LaneEstimate: Sendable, Equatable {
    public var leftPoints: [MarkingPixel] = []
    public var rightPoints: [MarkingPixel] = []
    public var left: Quadratic?
    public var right: Quadratic?
    /// The midline of both markings, or one marking shifted by half a lane; nil with neither.
    public var centre: Quadratic?
}

/// The pipeline's second stage: groups marking points into the left and right marking by a
/// histogram of the near points (two peaks about a lane width apart), follows each marking
/// forward in windows, and fits each with a least-squares quadratic.
public struct LaneFitter: Sendable, Equatable {
    public var laneWidth: Double
    /// Points nearer than this (metres ahead) seed the histogram.
    public var nearRange: Double
    /// Histogram bin width (metres).
    public var binWidth: Double
    /// Window length along the road, and how far (metres) a point may be from the marking's prediction.
    public var windowLength: Double
    public var windowMargin: Double
    /// A marking needs this many points to be fitted.
    public var minimumPoints: Int

    public init(laneWidth: Double = 3.6, nearRange: Double = 9, binWidth: Double = 0.25, windowLength: Double = 3,
                windowMargin: Double = 0.6, minimumPoints: Int = 4) {
        self.laneWidth = laneWidth
        self.nearRange = nearRange
        self.binWidth = binWidth
        self.windowLength = windowLength
        self.windowMargin = windowMargin
        self.minimumPoints = minimumPoints
    }

    public func fit(_ points: [MarkingPixel]) -> LaneEstimate {
        var estimate = LaneEstimate()
        let bases = baseLines(points)
        if let l = bases.left { estimate.leftPoints = follow(points, from: l) }
        if let r = bases.right { estimate.rightPoints = follow(points, from: r) }
        estimate.left = curve(estimate.leftPoints)
        estimate.right = curve(estimate.rightPoints)
        switch (estimate.left, estimate.right) {
        case let (l?, r?): estimate.centre = Quadratic(a: (l.a + r.a) / 2, b: (l.b + r.b) / 2, c: (l.c + r.c) / 2)
        case let (l?, nil): estimate.centre = Quadratic(a: l.a - laneWidth / 2, b: l.b, c: l.c)
        case let (nil, r?): estimate.centre = Quadratic(a: r.a + laneWidth / 2, b: r.b, c: r.c)
        case (nil, nil): estimate.centre = nil
        }
        return estimate
    }

    /// Where the left and right markings start: the strongest histogram peak of the near
    /// points' lateral positions, and the strongest one 0.75–1.25 lane widths from it.
    func baseLines(_ points: [MarkingPixel]) -> (left: Double?, right: Double?) {
        let span = 1.5 * laneWidth, bins = Int((2 * span / binWidth).rounded())
        var histogram = [Double](repeating: 0, count: bins)
        for p in points where p.forward < nearRange && abs(p.left) < span {
            histogram[min(bins - 1, Int((p.left + span) / binWidth))] += 1
        }
        // Smooth with [1, 2, 1] so a marking split across two bins still makes one peak.
        let smooth = (0..<bins).map { i in
            histogram[i] * 2 + (i > 0 ? histogram[i - 1] : 0) + (i + 1 < bins ? histogram[i + 1] : 0)
        }
        func centre(_ i: Int) -> Double { -span + (Double(i) + 0.5) * binWidth }
        guard let first = smooth.indices.max(by: { smooth[$0] < smooth[$1] }), smooth[first] >= Double(2 * minimumPoints) else {
            return (nil, nil)
        }
        let partner = smooth.indices.filter {
            let d = abs(centre($0) - centre(first))
            return d >= 0.75 * laneWidth && d <= 1.25 * laneWidth
        }.max(by: { smooth[$0] < smooth[$1] })
        let y1 = centre(first)
        guard let partner, smooth[partner] >= Double(2 * minimumPoints) else {
            return y1 > 0 ? (y1, nil) : (nil, y1)
        }
        let y2 = centre(partner)
        return (max(y1, y2), min(y1, y2))
    }

    /// The points of the marking starting at lateral position `base`, window by window forward,
    /// each window predicted from a line (later a quadratic) through the points so far.
    func follow(_ points: [MarkingPixel], from base: Double) -> [MarkingPixel] {
        var taken: [MarkingPixel] = []
        var predict = Quadratic(a: base, b: 0, c: 0)
        let far = points.map(\.forward).max() ?? 0
        var start = 0.0
        while start <= far {
            let window = points.filter { $0.forward >= start && $0.forward < start + windowLength && abs($0.left - predict($0.forward)) < windowMargin }
            taken += window
            if let q = curve(taken) { predict = q }
            start += windowLength
        }
        return taken
    }

    /// A quadratic through the points once they span 6 m ahead, a line before that.
    func curve(_ points: [MarkingPixel]) -> Quadratic? {
        guard points.count >= minimumPoints else { return nil }
        let x = points.map(\.forward), y = points.map(\.left)
        let spread = (x.max() ?? 0) - (x.min() ?? 0)
        return Quadratic.fit(x: x, y: y, degree: spread >= 6 ? 2 : 1) ?? Quadratic.fit(x: x, y: y, degree: 0)
    }
}
