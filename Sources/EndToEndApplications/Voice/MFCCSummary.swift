import EndToEndData

/// The pipeline's fixed summary of an MFCC sequence: a speech span found by an energy
/// threshold, the mean of every coefficient over each third of that span, the standard
/// deviation over the span, and the span's length: `3·13 + 13 + 1 = 53` numbers per clip.
enum MFCCSummary {
    /// A frame is speech when its c₀ is above this fraction of the way from the clip's
    /// quietest to its loudest frame.
    static let energyThreshold = 0.5
    /// The span is cut into this many equal parts.
    static let segments = 3
    static let handSetConstantCount = 2

    static func featureCount(coefficients: Int) -> Int { (segments + 1) * coefficients + 1 }

    /// The speech span `[first, last]` of `mfcc` (`[frames][coefficients]`), at least 3 frames.
    static func speechSpan(_ mfcc: [[Double]]) -> ClosedRange<Int> {
        let energy = mfcc.map { $0[0] }
        let lo = energy.min() ?? 0, hi = energy.max() ?? 0
        let t = lo + energyThreshold * (hi - lo)
        guard let first = energy.firstIndex(where: { $0 >= t }), let last = energy.lastIndex(where: { $0 >= t }), last - first >= 2 else {
            return 0...(mfcc.count - 1)
        }
        return first...last
    }

    static func features(_ mfcc: [[Double]]) -> [Float] {
        let span = speechSpan(mfcc)
        let frames = Array(mfcc[span])
        let k = mfcc[0].count, n = frames.count
        var out: [Double] = []
        for s in 0..<segments {
            let part = frames[(s * n / segments)..<max((s + 1) * n / segments, s * n / segments + 1)]
            for c in 0..<k { out.append(part.reduce(0) { $0 + $1[c] } / Double(part.count)) }
        }
        for c in 0..<k {
            let mean = frames.reduce(0) { $0 + $1[c] } / Double(n)
            out.append((frames.reduce(0) { $0 + ($1[c] - mean) * ($1[c] - mean) } / Double(n)).squareRoot())
        }
        out.append(Double(n) / Double(mfcc.count))
        return out.map(Float.init)
    }
}
