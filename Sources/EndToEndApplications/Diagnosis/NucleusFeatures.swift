import Foundation

/// The pipeline's second stage: what a pathologist measures on each segmented nucleus, and
/// the per-image summary the classifier sees.
public enum NucleusFeatures {
    /// One nucleus.
    public struct Region: Sendable, Equatable {
        public var area: Int
        /// scikit-image's `regionprops(...).perimeter` (4-neighbourhood border pixels weighted
        /// by their configuration, Benkrid & Crookes).
        public var perimeter: Double
        /// (row, column), as scikit-image.
        public var centroid: (Double, Double)
        /// Coefficient of variation of the border pixels' distance to the centroid: 0 for a
        /// disc, larger for lobed or elongated nuclei.
        public var radialVariation: Double
        /// Mean intensity inside the nucleus (darker = more chromatin).
        public var meanIntensity: Double

        /// `1 − 4πA / P²`, clipped to [0, 1]: 0 for a circle, towards 1 for irregular outlines.
        public var irregularity: Double {
            perimeter > 0 ? min(1, max(0, 1 - 4 * Double.pi * Double(area) / (perimeter * perimeter))) : 0
        }

        public static func == (a: Region, b: Region) -> Bool {
            a.area == b.area && a.perimeter == b.perimeter && a.centroid == b.centroid && a.radialVariation == b.radialVariation
                && a.meanIntensity == b.meanIntensity
        }
    }

    /// The measures of every region of `labels`, in label order.
    public static func regions(_ labels: NucleusSegmentation.Labels, pixels: [Float]) -> [Region] {
        let w = labels.width, h = labels.height, n = labels.count
        guard n > 0 else { return [] }
        var area = [Int](repeating: 0, count: n + 1)
        var sr = [Double](repeating: 0, count: n + 1), sc = sr, si = sr
        for y in 0..<h {
            for x in 0..<w {
                let l = labels.labels[y * w + x]
                guard l > 0 else { continue }
                area[l] += 1; sr[l] += Double(y); sc[l] += Double(x); si[l] += Double(pixels[y * w + x])
            }
        }
        func at(_ x: Int, _ y: Int, _ l: Int) -> Bool { x >= 0 && x < w && y >= 0 && y < h && labels.labels[y * w + x] == l }
        // Border pixels: in the region, not in its erosion by the 4-neighbourhood cross.
        var border = [Bool](repeating: false, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                let l = labels.labels[y * w + x]
                if l > 0 && !(at(x - 1, y, l) && at(x + 1, y, l) && at(x, y - 1, l) && at(x, y + 1, l)) { border[y * w + x] = true }
            }
        }
        // Perimeter: convolve the border image with [[10,2,10],[2,1,2],[10,2,10]] and weight the codes.
        var perimeter = [Double](repeating: 0, count: n + 1)
        var rs = [Double](repeating: 0, count: n + 1), rs2 = rs, rn = rs
        let kernel = [[10, 2, 10], [2, 1, 2], [10, 2, 10]]
        for y in 0..<h {
            for x in 0..<w {
                let l = labels.labels[y * w + x]
                guard l > 0, border[y * w + x] else { continue }
                var code = 0
                for dy in -1...1 {
                    for dx in -1...1 where at(x + dx, y + dy, l) && border[(y + dy) * w + x + dx] { code += kernel[dy + 1][dx + 1] }
                }
                perimeter[l] += weight(code)
                let r = ((Double(y) - sr[l] / Double(area[l])).squared + (Double(x) - sc[l] / Double(area[l])).squared).squareRoot()
                rs[l] += r; rs2[l] += r * r; rn[l] += 1
            }
        }
        return (1...n).map { l in
            let mean = rs[l] / rn[l]
            let sd = max(0, rs2[l] / rn[l] - mean * mean).squareRoot()
            return Region(area: area[l], perimeter: perimeter[l], centroid: (sr[l] / Double(area[l]), sc[l] / Double(area[l])),
                          radialVariation: mean > 0 ? sd / mean : 0, meanIntensity: si[l] / Double(area[l]))
        }
    }

    /// scikit-image's perimeter weights by convolution code.
    static func weight(_ code: Int) -> Double {
        switch code {
        case 5, 7, 15, 17, 25, 27: return 1
        case 21, 33: return 2.0.squareRoot()
        case 13, 23: return (1 + 2.0.squareRoot()) / 2
        default: return 0
        }
    }

    /// The names of ``summary(_:pixels:)``'s features, in order.
    public static let names = ["count", "mean_area", "max_area", "mean_perimeter", "mean_irregularity", "max_irregularity",
                               "mean_radial_variation", "mean_intensity"]

    /// One image's features: nucleus count, mean and largest area, mean perimeter, mean and
    /// largest irregularity, mean radial variation, mean nucleus intensity (zeros, and the
    /// image's mean intensity, when nothing was segmented).
    public static func summary(_ regions: [Region], pixels: [Float]) -> [Float] {
        guard !regions.isEmpty else {
            return [0, 0, 0, 0, 0, 0, 0, Float(pixels.reduce(0, +) / Float(max(1, pixels.count)))]
        }
        let n = Double(regions.count)
        func mean(_ f: (Region) -> Double) -> Float { Float(regions.map(f).reduce(0, +) / n) }
        return [Float(regions.count), mean { Double($0.area) }, Float(regions.map(\.area).max()!), mean(\.perimeter),
                mean(\.irregularity), Float(regions.map(\.irregularity).max()!), mean(\.radialVariation), mean(\.meanIntensity)]
    }
}

extension Double {
    fileprivate var squared: Double { self * self }
}
