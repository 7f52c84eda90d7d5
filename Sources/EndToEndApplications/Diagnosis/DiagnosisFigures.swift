import EndToEnd
import EndToEndNN
import EndToEndTraining

/// The diagnosis report's pictures: the black box beside the pipeline's readable
/// intermediate, and what each table model leans on.
enum DiagnosisFigures {
    /// Rows of `[input, segmentation, gradient × input, integrated gradients]` for test
    /// examples `indices`, 4× enlarged, as one PNG. The attributions explain the malignant
    /// score from a blank slide (the stain's background) as baseline; also returns each
    /// example's total |integrated gradients|.
    static func attributionGrid(network: ConfiguredNetwork, images: CellImages, indices: [Int], background: Float,
                                steps: Int) throws -> (png: PNGImage, meanAbsIG: [Double]) {
        let s = CellImages.size
        let model = network.model
        model.eval()
        defer { model.train() }
        let x = images.subset(indices).inputs
        // Gradient × input measured from the blank slide: the input is x − background and the
        // model sees it shifted back, so the gradient is taken at x itself.
        let gxi = try Attribution.gradientTimesInput(model: { model($0 + background) }, input: x - background, target: 1)
        let ig = try Attribution.integratedGradients(model: { model($0) }, input: x, target: 1, steps: steps,
                                                     baseline: Tensor.full([1, s, s], background))
        var rows: [[PNGImage]] = []
        var meanAbs: [Double] = []
        for (k, _) in indices.enumerated() {
            let px = Array(x.contiguous().scalars[(k * s * s)..<((k + 1) * s * s)])
            let seg = NucleusSegmentation.segment(px, width: s, height: s)
            let g = Array(gxi.contiguous().scalars[(k * s * s)..<((k + 1) * s * s)])
            let i = Array(ig.contiguous().scalars[(k * s * s)..<((k + 1) * s * s)])
            rows.append([try PNGImage.gray(px, width: s, height: s, range: 0...1),
                         try PNGImage.labels(seg.labels, width: s, height: s),
                         try PNGImage.heatMapOverlay(base: px, heat: g, width: s, height: s),
                         try PNGImage.heatMapOverlay(base: px, heat: i, width: s, height: s)])
            meanAbs.append(i.map { Double(abs($0)) }.reduce(0, +))
        }
        return (try PNGImage.grid(rows, scale: 4, gap: 3), meanAbs)
    }

    /// Rows of `[input, segmentation]` in the training stain beside the same case in the
    /// shifted stain, 4× enlarged: what the shift does to the pipeline's first stage.
    static func shiftGrid(standard: CellImages, shifted: CellImages, indices: [Int]) throws -> PNGImage {
        let s = CellImages.size
        var rows: [[PNGImage]] = []
        for i in indices {
            var row: [PNGImage] = []
            for set in [standard, shifted] {
                let px = set.pixels(i)
                row.append(try PNGImage.gray(px, width: s, height: s, range: 0...1))
                row.append(try PNGImage.labels(NucleusSegmentation.segment(px, width: s, height: s).labels, width: s, height: s))
            }
            rows.append(row)
        }
        return try PNGImage.grid(rows, scale: 4, gap: 3)
    }

    /// Mean |integrated gradients| per feature of the table MLP over `inputs` (baseline: the
    /// training mean), beside the logistic regression's |standardized coefficient|, each
    /// scaled to a maximum of 1; the 10 features the MLP leans on most.
    static func tableAttributionChart(network: ConfiguredNetwork, inputs: Tensor, trainingMean: Tensor,
                                      regression: LogisticRegression, steps: Int) throws -> (chart: SVGChart, top: [(String, Double, Double)]) {
        let model = network.model
        model.eval()
        defer { model.train() }
        let ig = try Attribution.integratedGradients(model: { model($0) }, input: inputs, target: 1, steps: steps, baseline: trainingMean)
        let n = inputs.shape[0], d = inputs.shape[1]
        let v = ig.contiguous().scalars
        var mlp = [Double](repeating: 0, count: d)
        for i in 0..<n { for j in 0..<d { mlp[j] += Double(abs(v[i * d + j])) / Double(n) } }
        let w = regression.linear.weight.value
        let lr = (0..<d).map { Double(abs(w[1, $0] - w[0, $0])) }
        let mMax = max(mlp.max() ?? 1, 1e-12), lMax = max(lr.max() ?? 1, 1e-12)
        let top = (0..<d).sorted { mlp[$0] > mlp[$1] }.prefix(10)
        var bars: [SVGChart.Bar] = []
        var rows: [(String, Double, Double)] = []
        for j in top {
            let name = BreastCancerTable.featureNames[j]
            bars.append(SVGChart.Bar(label: "\(name): MLP |IG|", value: mlp[j] / mMax))
            bars.append(SVGChart.Bar(label: "\(name): LR |w|", value: lr[j] / lMax))
            rows.append((name, mlp[j] / mMax, lr[j] / lMax))
        }
        let chart = SVGChart.bar(title: "Table: what the MLP leans on (mean |integrated gradients|) beside the logistic regression's |w|",
                                 yLabel: "relative weight (max = 1)", bars: bars, width: 1100)
        return (chart, rows)
    }
}
