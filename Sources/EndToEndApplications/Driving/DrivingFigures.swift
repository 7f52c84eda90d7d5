import EndToEnd
import EndToEndTraining
import Foundation

/// The driving report's pictures: what the pipeline detected, and where the network looked.
enum DrivingFigures {
    /// The camera image in colour with the pipeline's readable intermediate drawn on it:
    /// left marking pixels red, right ones blue, the fitted lane centre green.
    static func pipelineView(_ image: ArraySlice<Float>, lane: LaneEstimate, camera: Camera) throws -> PNGImage {
        let w = camera.width, h = camera.height
        var rgb = [UInt8]()
        rgb.reserveCapacity(3 * w * h)
        for v in image { let g = UInt8(max(0, min(255, (v * 255).rounded()))); rgb += [g, g, g] }
        func put(_ col: Int, _ row: Int, _ c: (UInt8, UInt8, UInt8)) {
            guard (0..<w).contains(col), (0..<h).contains(row) else { return }
            let i = 3 * (row * w + col)
            (rgb[i], rgb[i + 1], rgb[i + 2]) = c
        }
        for p in lane.leftPoints { put(p.column, p.row, (230, 40, 40)) }
        for p in lane.rightPoints { put(p.column, p.row, (40, 90, 255)) }
        if let centre = lane.centre {
            for x in stride(from: 3.0, through: 25, by: 0.25) {
                if let q = camera.image(forward: x, left: centre(x)) { put(Int(q.u), Int(q.v), (40, 220, 60)) }
            }
        }
        return try PNGImage(width: w, height: h, colorType: .rgb, pixels: rgb)
    }

    /// One row per example: the image, gradient × input, integrated gradients, and the pipeline's view.
    static func attributionGrid(rows: [(image: [Float], gradientTimesInput: [Float], integrated: [Float], pipeline: PNGImage)],
                                camera: Camera) throws -> PNGImage {
        let w = camera.width, h = camera.height
        return try PNGImage.grid(rows.map { r in
            [try PNGImage.gray(r.image, width: w, height: h, range: 0...1),
             try PNGImage.heatMapOverlay(base: r.image, heat: r.gradientTimesInput, width: w, height: h),
             try PNGImage.heatMapOverlay(base: r.image, heat: r.integrated, width: w, height: h),
             r.pipeline]
        }, scale: 4, gap: 4)
    }

    /// Distance from the lane centre along the first test road, one line per driver.
    static func lateralChart(_ drives: [(approach: String, drive: ClosedLoop.Drive)], metresPerStep: Double) -> SVGChart {
        SVGChart(title: "Closed loop, first test road: distance from the lane centre", xLabel: "distance driven (m)",
                 yLabel: "lateral offset (m, left positive)",
                 series: drives.map { d in
                     SVGChart.Series(name: d.approach, xy: d.drive.lateral.enumerated().map { (Double($0.offset + 1) * metresPerStep, $0.element) })
                 })
    }

    /// Each approach's steering RMSE on the test set and under every shift, one bar each.
    static func shiftChart(test: [(approach: String, rmse: Double)], shifted: [ShiftResult]) -> SVGChart {
        var bars: [SVGChart.Bar] = []
        for t in test {
            bars.append(SVGChart.Bar(label: t.approach + ": test", value: t.rmse))
            for r in shifted where r.approach == t.approach {
                let shift = r.metric.replacingOccurrences(of: "steering_rmse_", with: "")
                bars.append(SVGChart.Bar(label: t.approach + ": " + shift, value: r.value))
            }
        }
        return SVGChart.bar(title: "Steering RMSE on the test set and under each shift", yLabel: "steering RMSE (rad)", bars: bars)
    }
}
