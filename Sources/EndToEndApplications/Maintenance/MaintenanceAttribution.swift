import EndToEnd
import EndToEndNN
import EndToEndTraining
import Foundation

/// What a person can read from each system: the CNN's gradient × input over the test
/// engines' last windows (which channel, at which cycle, moved the estimate), summed per
/// channel, beside the pipeline's health-index weights and the simulator's own wear
/// sensitivities (the ground truth of which sensors carry the fault).
struct MaintenanceAttribution {
    /// Mean |gradient × input| per channel and cycle, `channels × window`.
    var map: [Float]
    var window: Int
    var pipeline: MaintenancePipeline

    init(model: Module, windows: Tensor, limit: Int, pipeline: MaintenancePipeline) throws {
        model.eval()
        let n = min(limit, windows.shape[0])
        let x = windows.sliced(axis: 0, 0..<n).contiguous()
        let g = try Attribution.gradientTimesInput(model: { model($0) }, input: x, target: 0).contiguous().scalars
        let size = windows.shape[1] * windows.shape[2]
        var m = [Float](repeating: 0, count: size)
        for i in 0..<n { for j in 0..<size { m[j] += abs(g[i * size + j]) / Float(n) } }
        map = m
        window = windows.shape[2]
        self.pipeline = pipeline
    }

    var channelNames: [String] { TurbofanFleet.settingNames + TurbofanFleet.sensorNames }

    /// Each channel's share of the total attribution.
    var shares: [Double] {
        let total = Double(map.reduce(0, +))
        return channelNames.indices.map { c in Double(map[(c * window)..<((c + 1) * window)].reduce(0, +)) / max(total, 1e-30) }
    }

    /// The map as a picture: one row per channel (settings on top), cycles left to right
    /// (the last cycle at the right), brighter red for more attribution; 6× enlarged.
    func image() throws -> PNGImage {
        try PNGImage.heatMapOverlay(base: [Float](repeating: 0, count: map.count), heat: map, width: window,
                                    height: channelNames.count, signed: false, opacity: 1).scaled(by: 6)
    }

    func notes() -> String {
        let share = shares
        let index = pipeline.health.index.coefficients
        var hiWeight = [Double](repeating: .nan, count: TurbofanFleet.sensors.count)
        for (i, j) in pipeline.normalizer.kept.enumerated() { hiWeight[j] = index[i] }
        var md = "## Attributions\n\n`figures/saliency.png`: the CNN's mean |gradient × input| over the test engines' last windows, one row per channel "
        md += "(\(channelNames.joined(separator: ", ")), top to bottom), cycles left to right (the most recent at the right).\n\n"
        md += "| channel | CNN share of attribution | pipeline health-index weight (z-scored sensor) | simulated HPC wear at failure (noise SDs) |\n|---|---:|---:|---:|\n"
        for (c, name) in channelNames.enumerated() {
            let j = c - TurbofanFleet.settingNames.count
            let truth = j >= 0 && TurbofanFleet.sensors[j].noise > 0 ? String(format: "%.1f", TurbofanFleet.sensors[j].hpc / TurbofanFleet.sensors[j].noise) : "–"
            let w = j >= 0 && !hiWeight[j].isNaN ? String(format: "%+.3f", hiWeight[j]) : "–"
            md += "| \(name) | \(String(format: "%.3f", share[c])) | \(w) | \(truth) |\n"
        }
        let recent = (0..<window).map { t in (0..<channelNames.count).reduce(Float(0)) { $0 + map[$1 * window + t] } }
        let total = recent.reduce(0, +)
        let lastTen = recent.suffix(10).reduce(0, +)
        md += String(format: "\nThe last 10 of the %d cycles carry %.0f %% of the CNN's attribution. ", window, 100 * Double(lastTen / max(total, 1e-30)))
        md += "The pipeline's largest standardized ridge weights: "
        md += pipeline.weights().prefix(6).map { "\($0.name) \(String(format: "%+.2f", $0.weight))" }.joined(separator: ", ") + ".\n"
        return md
    }
}
