import EndToEndTraining

/// The article's "may not generalize", measured: every approach scored on the ordinary test
/// set and on a shifted one (other voices, lighting, staining, ...), with the drop.
public enum ShiftComparison {
    /// One row per approach: the metric on the shifted set, with the in-distribution value.
    public static func rows(metric: String, _ values: [(approach: String, inDistribution: Double, shifted: Double)]) -> [ShiftResult] {
        values.map { ShiftResult(approach: $0.approach, metric: metric, value: $0.shifted, inDistribution: $0.inDistribution) }
    }

    /// A bar chart: for each approach, its metric on the test set and on the shifted set.
    public static func chart(_ rows: [ShiftResult], shift: String, title: String? = nil) -> SVGChart {
        var bars: [SVGChart.Bar] = []
        for r in rows {
            if let d = r.inDistribution { bars.append(SVGChart.Bar(label: "\(r.approach): test", value: d)) }
            bars.append(SVGChart.Bar(label: "\(r.approach): \(shift)", value: r.value))
        }
        return SVGChart.bar(title: title ?? "\(rows.first?.metric ?? "metric") under the shift (\(shift))",
                            yLabel: rows.first?.metric ?? "metric", bars: bars)
    }

    /// A Markdown table: approach, test, shifted, change.
    public static func table(_ rows: [ShiftResult], shift: String) -> String {
        var md = "| approach | metric | test | \(shift) | change |\n|---|---|---:|---:|---:|\n"
        for r in rows {
            let d = r.inDistribution.map { Format.number($0) } ?? "–"
            let change = r.inDistribution.map { Format.signed(r.value - $0) } ?? "–"
            md += "| \(r.approach) | \(r.metric) | \(d) | \(Format.number(r.value)) | \(change) |\n"
        }
        return md
    }
}

/// Number formatting shared by the application reports' tables.
enum Format {
    /// Four decimals for values of order one, otherwise 4 significant digits.
    static func number(_ v: Double) -> String {
        guard v.isFinite else { return "\(v)" }
        return abs(v) >= 1e-3 && abs(v) < 1e4 ? String(format: "%.4f", v) : String(format: "%.4g", v)
    }
    static func signed(_ v: Double) -> String { (v >= 0 ? "+" : "") + number(v) }
}
