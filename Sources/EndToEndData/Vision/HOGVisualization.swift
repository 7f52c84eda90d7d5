import Foundation

extension HOG {
    /// The readable picture of a HOG, drawn as scikit-image's `hog(..., visualize=True)` draws
    /// it: in every cell, for every bin, a line through the cell centre perpendicular to the
    /// bin's mid-angle, whose pixels add the bin's value.
    ///
    /// With `scale` 1 the result equals scikit-image's `hog_image` for a `height × width`
    /// input; a larger `scale` draws on a `scale`-times larger canvas (longer strokes), for
    /// figures of small windows.
    public func visualization(of cells: Cells, height: Int, width: Int, scale: Int = 1) -> GrayImage {
        precondition(scale > 0, "HOG.visualization: scale must be positive, got \(scale)")
        let ch = cellHeight * scale, cw = cellWidth * scale
        var image = GrayImage(height: height * scale, width: width * scale)
        let radius = Double(min(ch, cw) / 2 - 1)
        for r in 0..<cells.rows {
            for c in 0..<cells.columns {
                let centre = (r * ch + ch / 2, c * cw + cw / 2)
                for o in 0..<cells.orientations {
                    let mid = Double.pi * (Double(o) + 0.5) / Double(cells.orientations)
                    let dr = radius * sin(mid), dc = radius * cos(mid)
                    // Int(_:) truncates towards zero like Python's int().
                    let points = Self.line(from: (Int(Double(centre.0) - dc), Int(Double(centre.1) + dr)),
                                           to: (Int(Double(centre.0) + dc), Int(Double(centre.1) - dr)))
                    for (y, x) in points where y >= 0 && y < image.height && x >= 0 && x < image.width {
                        image[y, x] += Float(cells[r, c, o])
                    }
                }
            }
        }
        return image
    }

    /// Bresenham's line between two (row, column) pixels, both ends included, in scikit-image's
    /// `draw.line` order.
    static func line(from a: (Int, Int), to b: (Int, Int)) -> [(Int, Int)] {
        var r = a.0, c = a.1
        var dr = abs(b.0 - a.0), dc = abs(b.1 - a.1)
        var sc = b.1 - c > 0 ? 1 : -1, sr = b.0 - r > 0 ? 1 : -1
        let steep = dr > dc
        if steep { swap(&c, &r); swap(&dc, &dr); swap(&sc, &sr) }
        var d = 2 * dr - dc
        var out: [(Int, Int)] = []
        for _ in 0..<dc {
            out.append(steep ? (c, r) : (r, c))
            while d >= 0 { r += sr; d -= 2 * dc }
            c += sc
            d += 2 * dr
        }
        out.append(b)
        return out
    }
}
