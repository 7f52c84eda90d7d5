import EndToEndTraining

/// The black-box claim, drawn: for a few test clips, the CNN's attributions over the waveform
/// (gradient × input and integrated gradients, summed per pixel column, red positive, blue
/// negative) beside the pipeline's readable intermediate, the clip's MFCCs.
enum VoiceAttributionFigure {
    static let width = 392, height = 52

    /// The waveform's per-column envelope in dark gray on white, tinted by `heat` (one value
    /// per sample, summed per column).
    static func waveform(_ x: [Float], heat: [Float]) throws -> PNGImage {
        let per = max(1, x.count / width)
        let peak = max(x.map(abs).max() ?? 1, 1e-6)
        var base = [Float](repeating: 1, count: width * height), columnHeat = [Float](repeating: 0, count: width * height)
        for c in 0..<width {
            let range = (c * per)..<min(x.count, (c + 1) * per)
            guard !range.isEmpty else { continue }
            let lo = x[range].min()! / peak, hi = x[range].max()! / peak
            let h = heat[range].reduce(0, +)
            for r in 0..<height {
                let v = 1 - 2 * (Float(r) + 0.5) / Float(height)   // +1 at the top
                if v >= lo - 1 / Float(height), v <= hi + 1 / Float(height) { base[r * width + c] = 0.25 }
                columnHeat[r * width + c] = h
            }
        }
        return try PNGImage.heatMapOverlay(base: base, heat: columnHeat, width: width, height: height)
    }

    /// The MFCCs as an image: time across, c₀ at the bottom, each coefficient scaled to its own
    /// range (c₀ would otherwise swamp the rest).
    static func mfcc(_ m: [[Double]]) throws -> PNGImage {
        let frames = m.count, k = m[0].count
        var v = [Float](repeating: 0, count: frames * k)
        for c in 0..<k {
            let column = m.map { $0[c] }
            let lo = column.min()!, span = max(column.max()! - lo, 1e-12)
            for t in 0..<frames { v[(k - 1 - c) * frames + t] = Float((column[t] - lo) / span) }
        }
        let img = try PNGImage.gray(v, width: frames, height: k, range: 0...1)
        return img.scaled(by: max(1, height / k))
    }

    /// One row per example: gradient × input, integrated gradients, MFCCs.
    static func figure(_ rows: [(waveform: [Float], gradientTimesInput: [Float], integratedGradients: [Float], mfcc: [[Double]])]) throws -> PNGImage {
        try PNGImage.grid(rows.map { r in
            [try waveform(r.waveform, heat: r.gradientTimesInput), try waveform(r.waveform, heat: r.integratedGradients), try mfcc(r.mfcc)]
        }, gap: 4)
    }
}
