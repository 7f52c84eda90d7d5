/// The pipeline's first stage: nuclei found in a gray cell image by a global threshold
/// (Otsu's, as scikit-image's `threshold_otsu` computes it) and 4-connected components
/// (scikit-image's `label(mask, connectivity=1)`), small specks dropped.
///
/// Nuclei are stained dark, so the foreground is `pixel <= threshold`.
public enum NucleusSegmentation {
    /// Histogram bins of Otsu's method (scikit-image's default).
    public static let otsuBins = 256
    /// Regions smaller than this many pixels are noise, not nuclei.
    public static let minimumArea = 3

    /// A labelled image: 0 is background, regions are `1...count` in raster order of their
    /// first pixel.
    public struct Labels: Sendable, Equatable {
        public var width: Int
        public var height: Int
        public var labels: [Int]
        public var count: Int
    }

    /// Otsu's threshold over a `bins`-bin histogram of the pixels' range, the bin centre that
    /// maximizes the between-class variance; a constant image returns its value.
    public static func otsuThreshold(_ pixels: [Float], bins: Int = otsuBins) -> Double {
        let v = pixels.map(Double.init)
        guard let lo = v.min(), let hi = v.max() else { return 0 }
        guard hi > lo else { return lo }
        // numpy.histogram's uniform binning, including its edge corrections.
        let edges = (0...bins).map { lo + (hi - lo) * Double($0) / Double(bins) }
        var counts = [Double](repeating: 0, count: bins)
        let norm = Double(bins) / (hi - lo)
        for x in v {
            var i = Int((x - lo) * norm)
            if i == bins { i -= 1 }
            if x < edges[i] { i -= 1 } else if i != bins - 1 && x >= edges[i + 1] { i += 1 }
            counts[i] += 1
        }
        let centers = (0..<bins).map { (edges[$0] + edges[$0 + 1]) / 2 }
        var w1 = [Double](repeating: 0, count: bins), m1 = w1, w2 = w1, m2 = w1
        var cw = 0.0, cm = 0.0
        for i in 0..<bins { cw += counts[i]; cm += counts[i] * centers[i]; w1[i] = cw; m1[i] = cm / cw }
        cw = 0; cm = 0
        for i in stride(from: bins - 1, through: 0, by: -1) { cw += counts[i]; cm += counts[i] * centers[i]; w2[i] = cw; m2[i] = cm / cw }
        var best = -1.0, index = 0
        for i in 0..<(bins - 1) {
            let d = m1[i] - m2[i + 1]
            let between = w1[i] * w2[i + 1] * d * d
            // NaN (an empty class) never wins; the first maximum wins, as numpy's argmax.
            if between > best { best = between; index = i }
        }
        return centers[index]
    }

    /// The dark-pixel mask `pixel <= threshold`.
    public static func mask(_ pixels: [Float], threshold: Double) -> [Bool] {
        pixels.map { Double($0) <= threshold }
    }

    /// 4-connected components of `mask`, numbered in raster order of their first pixel.
    public static func components(_ mask: [Bool], width: Int, height: Int) -> Labels {
        precondition(mask.count == width * height, "NucleusSegmentation.components: \(mask.count) pixels for \(width)x\(height)")
        var labels = [Int](repeating: 0, count: mask.count)
        var next = 0
        var stack: [Int] = []
        for start in 0..<mask.count where mask[start] && labels[start] == 0 {
            next += 1
            labels[start] = next
            stack.append(start)
            while let p = stack.popLast() {
                let x = p % width, y = p / width
                for (nx, ny) in [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)] where nx >= 0 && nx < width && ny >= 0 && ny < height {
                    let q = ny * width + nx
                    if mask[q] && labels[q] == 0 { labels[q] = next; stack.append(q) }
                }
            }
        }
        return Labels(width: width, height: height, labels: labels, count: next)
    }

    /// `labels` without regions smaller than `minimumArea`, renumbered in order.
    public static func removingSmall(_ l: Labels, minimumArea: Int = minimumArea) -> Labels {
        var area = [Int](repeating: 0, count: l.count + 1)
        for v in l.labels { area[v] += 1 }
        var map = [Int](repeating: 0, count: l.count + 1), next = 0
        for r in 1...max(1, l.count) where r <= l.count && area[r] >= minimumArea { next += 1; map[r] = next }
        return Labels(width: l.width, height: l.height, labels: l.labels.map { map[$0] }, count: next)
    }

    /// The whole stage: Otsu threshold, mask, components, small ones removed.
    public static func segment(_ pixels: [Float], width: Int, height: Int) -> Labels {
        let t = otsuThreshold(pixels)
        return removingSmall(components(mask(pixels, threshold: t), width: width, height: height))
    }
}
