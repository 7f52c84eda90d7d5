import EndToEnd
import Foundation

/// A small, dependency-free chart renderer that writes standalone SVG 1.1.
///
/// Two kinds of chart are supported:
/// - line charts: several named series of (x, y) points, optional markers, optional log-scale y,
///   optional horizontal reference lines (e.g. "chance 0.5");
/// - bar charts: labelled bars, e.g. for comparing strategies' final metrics.
///
/// The output is meant to be read by a person: a title, axis labels (put units in them, e.g.
/// `"wall time (s)"`), "nice" 1-2-5 tick values with grid lines, a legend outside the plot area,
/// the colour-blind-safe Okabe-Ito palette combined with dash patterns and marker shapes.
/// Non-finite points (and non-positive ones on a log axis) are skipped and break the line.
/// Rendering is deterministic: the same chart always gives the same bytes.
public struct SVGChart: Sendable, Equatable {
    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double
        public init(x: Double, y: Double) {
            self.x = x
            self.y = y
        }
    }

    /// One x of a series' band: the range `low...high` around the line (e.g. min–max or ±std
    /// over seeds, or a confidence interval).
    public struct BandPoint: Sendable, Equatable {
        public var x: Double
        public var low: Double
        public var high: Double
        public init(x: Double, low: Double, high: Double) {
            self.x = x
            self.low = low
            self.high = high
        }
    }

    public struct Series: Sendable, Equatable {
        public var name: String
        public var points: [Point]
        /// Draw a marker at every point. `nil` uses the chart's `showMarkers`.
        /// Isolated points (a segment of one point) always get a marker so they stay visible.
        public var showMarkers: Bool?
        /// A shaded band in the series' colour, drawn under its line; empty: none. Non-finite
        /// points (and, on a log axis, non-positive lows, which are clipped to the axis bottom)
        /// break or bound it as they do the line.
        public var band: [BandPoint] = []

        public init(name: String, points: [Point], showMarkers: Bool? = nil) {
            self.name = name
            self.points = points
            self.showMarkers = showMarkers
        }

        public init(name: String, xy: [(Double, Double)], showMarkers: Bool? = nil) {
            self.init(name: name, points: xy.map { Point(x: $0.0, y: $0.1) }, showMarkers: showMarkers)
        }

        /// A series whose x values are the indices 0, 1, 2, ...
        public init(name: String, ys: [Double], showMarkers: Bool? = nil) {
            self.init(name: name, points: ys.enumerated().map { Point(x: Double($0.offset), y: $0.element) },
                      showMarkers: showMarkers)
        }
    }

    /// A horizontal line across the plot, drawn dashed in grey and labelled at its right end.
    public struct ReferenceLine: Sendable, Equatable {
        public var y: Double
        public var label: String
        public init(y: Double, label: String) {
            self.y = y
            self.label = label
        }
    }

    public struct Bar: Sendable, Equatable {
        public var label: String
        public var value: Double
        public init(label: String, value: Double) {
            self.label = label
            self.value = value
        }
    }

    public enum Kind: Sendable, Equatable {
        case line
        case bar
    }

    public enum LegendPosition: Sendable, Equatable {
        /// Right of the plot unless the names are long, then below it.
        case automatic
        case right
        case bottom
    }

    public var kind: Kind
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var bars: [Bar]
    public var logY: Bool
    public var referenceLines: [ReferenceLine]
    public var showMarkers: Bool
    /// Forces the y range (e.g. `0...1` for accuracy); data outside it is clipped.
    public var yRange: ClosedRange<Double>?
    public var legendPosition: LegendPosition
    public var width: Double
    public var height: Double

    public init(title: String, xLabel: String, yLabel: String, series: [Series] = [],
                logY: Bool = false, referenceLines: [ReferenceLine] = [], showMarkers: Bool = false,
                yRange: ClosedRange<Double>? = nil, legendPosition: LegendPosition = .automatic,
                width: Double = 760, height: Double = 440) {
        self.kind = .line
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.bars = []
        self.logY = logY
        self.referenceLines = referenceLines
        self.showMarkers = showMarkers
        self.yRange = yRange
        self.legendPosition = legendPosition
        self.width = width
        self.height = height
    }

    /// A bar chart with one labelled bar per entry; the value is printed above each bar.
    public static func bar(title: String, xLabel: String = "", yLabel: String, bars: [Bar],
                           referenceLines: [ReferenceLine] = [], yRange: ClosedRange<Double>? = nil,
                           width: Double = 760, height: Double = 440) -> SVGChart {
        var c = SVGChart(title: title, xLabel: xLabel, yLabel: yLabel, referenceLines: referenceLines,
                         yRange: yRange, width: width, height: height)
        c.kind = .bar
        c.bars = bars
        return c
    }

    // MARK: - Style

    /// Okabe-Ito colour-blind-safe palette, ordered so the first colours contrast most on white
    /// (yellow, which is faint on white, comes last).
    public static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
    /// Dash patterns, cycled together with the palette (4 patterns x 8 colours stay distinct).
    public static let dashPatterns = ["", "7 4", "2 3", "9 3 2 3"]
    static let fontFamily = "DejaVu Sans, Helvetica, Arial, sans-serif"

    static func colour(_ i: Int) -> String { palette[i % palette.count] }
    static func dash(_ i: Int) -> String { dashPatterns[i % dashPatterns.count] }

    // MARK: - Output

    public func write(to url: URL) throws {
        try AtomicFile.write(Data(render().utf8), to: url)
    }

    public func render() -> String {
        switch kind {
        case .line: return renderLine()
        case .bar: return renderBar()
        }
    }

    // MARK: - Ticks and number formatting

    /// The 1-2-5 step closest above `rough`.
    static func niceStep(_ rough: Double) -> Double {
        guard rough.isFinite, rough > 0 else { return 1 }
        let e = (log10(rough)).rounded(.down)
        let p = pow(10, e)
        let f = rough / p
        let n: Double = f <= 1 + 1e-9 ? 1 : f <= 2 + 1e-9 ? 2 : f <= 5 + 1e-9 ? 5 : 10
        return n * p
    }

    /// Decimal places needed to print multiples of `step` exactly.
    static func decimals(forStep step: Double) -> Int {
        guard step.isFinite, step > 0 else { return 0 }
        return max(0, Int(-(log10(step) + 1e-9).rounded(.down)))
    }

    static func roundTo(_ v: Double, decimals d: Int) -> Double {
        guard d > 0, d < 16 else { return d == 0 ? v.rounded() : v }
        let p = pow(10, Double(d))
        return (v * p).rounded() / p
    }

    /// Widens an empty or degenerate range so that it can be plotted.
    static func widen(_ lo: Double, _ hi: Double) -> (Double, Double) {
        var lo = lo, hi = hi
        if !(lo.isFinite && hi.isFinite) { return (0, 1) }
        if lo > hi { swap(&lo, &hi) }
        if hi - lo <= max(abs(lo), abs(hi)) * 1e-12 {
            let pad = lo == 0 ? 1 : abs(lo) * 0.1
            lo -= pad
            hi += pad
        }
        return (lo, hi)
    }

    /// "Nice" tick values (multiples of 1, 2 or 5 times a power of ten) covering `[min, max]`:
    /// the first tick is at or below `min` and the last at or above `max`. At most `maxTicks + 1` ticks.
    /// A zero-width range is widened first. Values are rounded so that they print cleanly.
    public static func niceTicks(min a: Double, max b: Double, maxTicks: Int = 6) -> [Double] {
        let (lo, hi) = widen(a, b)
        let step = niceStep((hi - lo) / Double(Swift.max(1, maxTicks - 1)))
        let k0 = (lo / step + 1e-9).rounded(.down), k1 = (hi / step - 1e-9).rounded(.up)
        guard abs(k0) < 1e15, abs(k1) < 1e15, k1 - k0 < 1000 else { return [lo, hi] }
        let d = decimals(forStep: step)
        return (Int(k0)...Int(Swift.max(k0, k1))).map { roundTo(Double($0) * step, decimals: d) }
    }

    /// Ticks for a log10 axis over `[min, max]` (both > 0): powers of ten, with 2 and 5 in between
    /// when the range spans at most three decades, and every n-th decade when it spans many.
    public static func logTicks(min a: Double, max b: Double) -> [Double] {
        var lo = (log10(a)).rounded(.down), hi = (log10(b)).rounded(.up)
        if !(lo.isFinite && hi.isFinite) { lo = 0; hi = 1 }
        if hi <= lo { hi = lo + 1 }
        let span = hi - lo
        var ticks: [Double] = []
        if span <= 3 {
            for e in Int(lo)...Int(hi) {
                for m in [1.0, 2.0, 5.0] {
                    let v = m * pow(10, Double(e))
                    if v <= pow(10, hi) * (1 + 1e-9) { ticks.append(v) }
                }
            }
        } else {
            let stride = Int((span / 8).rounded(.up))
            let first = Int(lo), last = Int(hi)
            var e = first
            while e <= last {
                ticks.append(pow(10, Double(e)))
                e += stride
            }
            if let l = ticks.last, l < pow(10, hi) * (1 - 1e-9) { ticks.append(pow(10, Double(e))) }
        }
        return ticks
    }

    /// A short human-readable form of any number: fixed notation with trailing zeros dropped for
    /// moderate magnitudes ("0.3", "12.5", "1000"), scientific otherwise ("1e-5", "2.5e6").
    public static func formatNumber(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "inf" : "-inf" }
        if v == 0 { return "0" }
        let a = abs(v)
        if a >= 1e6 || a < 1e-4 {
            var e = (log10(a)).rounded(.down)
            var m = roundTo(v / pow(10, e), decimals: 3)
            if abs(m) >= 10 { m /= 10; e += 1 }
            return stripZeros(String(format: "%.3f", m)) + "e" + String(Int(e))
        }
        let sig = 6
        let d = Swift.max(0, sig - 1 - Int((log10(a)).rounded(.down)))
        return stripZeros(String(format: "%.*f", Swift.min(d, 10), v))
    }

    /// Tick label for a linear axis: every label of one axis gets the same number of decimals.
    static func formatTick(_ v: Double, decimals d: Int, scientific: Bool) -> String {
        if scientific { return formatNumber(v) }
        var s = String(format: "%.*f", d, v)
        if s.hasPrefix("-"), s.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) { s.removeFirst() }
        return s
    }

    static func tickLabels(_ ticks: [Double]) -> [String] {
        guard ticks.count >= 2 else { return ticks.map(formatNumber) }
        let step = abs(ticks[1] - ticks[0])
        let maxAbs = ticks.map(abs).max() ?? 0
        let scientific = maxAbs >= 1e6 || step < 1e-4
        let d = decimals(forStep: step)
        return ticks.map { formatTick($0, decimals: d, scientific: scientific) }
    }

    static func stripZeros(_ s: String) -> String {
        guard s.contains(".") else { return s }
        var s = s
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        if s == "-0" { return "0" }
        return s
    }

    /// Coordinates: two decimals at most, no trailing zeros.
    static func c(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        return stripZeros(String(format: "%.2f", v))
    }

    /// Escapes XML special characters and drops characters XML 1.0 does not allow.
    public static func xmlEscape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(u)
            default:
                let v = u.value
                if v < 0x20 || v == 0xFFFE || v == 0xFFFF { out += "\u{FFFD}" } else { out.unicodeScalars.append(u) }
            }
        }
        return out
    }

    static func truncated(_ s: String, _ n: Int) -> String {
        s.count <= n ? s : String(s.prefix(n - 1)) + "\u{2026}"
    }

    /// Rough text width for a sans-serif font.
    static func textWidth(_ s: String, fontSize: Double) -> Double { Double(s.count) * fontSize * 0.6 }

    // MARK: - Shared pieces

    struct Frame {
        var left: Double, top: Double, right: Double, bottom: Double
        var width: Double { right - left }
        var height: Double { bottom - top }
    }

    struct YScale {
        var lo: Double, hi: Double, log: Bool, frame: Frame
        func map(_ y: Double) -> Double {
            let t: Double
            if log { t = (log10(y) - log10(lo)) / (log10(hi) - log10(lo)) } else { t = (y - lo) / (hi - lo) }
            return frame.bottom - t * frame.height
        }
        func contains(_ y: Double) -> Bool {
            y.isFinite && (!log || y > 0)
        }
    }

    func header(_ out: inout String) {
        out += "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(Self.c(width))\" height=\"\(Self.c(height))\" viewBox=\"0 0 \(Self.c(width)) \(Self.c(height))\" font-family=\"\(Self.fontFamily)\">\n"
        out += "<title>\(Self.xmlEscape(title))</title>\n"
        out += "<rect x=\"0\" y=\"0\" width=\"\(Self.c(width))\" height=\"\(Self.c(height))\" fill=\"#ffffff\"/>\n"
        if !title.isEmpty {
            out += "<text x=\"\(Self.c(width / 2))\" y=\"26\" text-anchor=\"middle\" font-size=\"17\" font-weight=\"bold\" fill=\"#222222\">\(Self.xmlEscape(Self.truncated(title, Int(width / 10))))</text>\n"
        }
    }

    /// y ticks and scale for the given finite y values.
    func yAxis(values: [Double], includeZero: Bool) -> (ticks: [Double], labels: [String], lo: Double, hi: Double, log: Bool) {
        if logY {
            var pos = values.filter { $0 > 0 && $0.isFinite }
            if let r = yRange, r.lowerBound > 0 { pos = [r.lowerBound, r.upperBound] }
            if !pos.isEmpty {
                let ticks = Self.logTicks(min: pos.min()!, max: pos.max()!)
                return (ticks, ticks.map(Self.formatNumber), ticks.first!, ticks.last!, true)
            }
            let ticks = [0.1, 1, 10] // no positive data: a placeholder decade range
            return (ticks, ticks.map(Self.formatNumber), 0.1, 10, true)
        }
        var lo: Double, hi: Double
        if let r = yRange {
            (lo, hi) = (r.lowerBound, r.upperBound)
        } else if let mn = values.min(), let mx = values.max() {
            (lo, hi) = (mn, mx)
            if includeZero { lo = Swift.min(lo, 0); hi = Swift.max(hi, 0) }
        } else {
            (lo, hi) = (0, 1)
        }
        let ticks = Self.niceTicks(min: lo, max: hi, maxTicks: 6)
        if yRange != nil {
            let (wlo, whi) = Self.widen(lo, hi)
            let inside = ticks.filter { $0 >= wlo - 1e-12 * Swift.max(1, abs(wlo)) && $0 <= whi + 1e-12 * Swift.max(1, abs(whi)) }
            return (inside, Self.tickLabels(inside), wlo, whi, false)
        }
        return (ticks, Self.tickLabels(ticks), ticks.first!, ticks.last!, false)
    }

    func drawYAxis(_ out: inout String, ticks: [Double], labels: [String], scale: YScale, gridRight: Double) {
        let f = scale.frame
        out += "<g stroke=\"#e3e3e3\" stroke-width=\"1\">\n"
        for t in ticks {
            let y = Self.c(scale.map(t))
            out += "<line x1=\"\(Self.c(f.left))\" y1=\"\(y)\" x2=\"\(Self.c(gridRight))\" y2=\"\(y)\"/>\n"
        }
        out += "</g>\n"
        out += "<g font-size=\"11\" fill=\"#333333\" text-anchor=\"end\">\n"
        for (t, l) in zip(ticks, labels) {
            out += "<text x=\"\(Self.c(f.left - 7))\" y=\"\(Self.c(scale.map(t) + 4))\">\(Self.xmlEscape(l))</text>\n"
        }
        out += "</g>\n"
        out += "<g stroke=\"#333333\" stroke-width=\"1\">\n"
        for t in ticks {
            let y = Self.c(scale.map(t))
            out += "<line x1=\"\(Self.c(f.left - 4))\" y1=\"\(y)\" x2=\"\(Self.c(f.left))\" y2=\"\(y)\"/>\n"
        }
        out += "</g>\n"
    }

    func drawAxisLabels(_ out: inout String, frame f: Frame, yLabelX: Double, xLabelY: Double) {
        if !xLabel.isEmpty {
            out += "<text x=\"\(Self.c((f.left + f.right) / 2))\" y=\"\(Self.c(xLabelY))\" text-anchor=\"middle\" font-size=\"13\" fill=\"#222222\">\(Self.xmlEscape(xLabel))</text>\n"
        }
        if !yLabel.isEmpty {
            let cy = (f.top + f.bottom) / 2
            out += "<text x=\"\(Self.c(yLabelX))\" y=\"\(Self.c(cy))\" transform=\"rotate(-90 \(Self.c(yLabelX)) \(Self.c(cy)))\" text-anchor=\"middle\" font-size=\"13\" fill=\"#222222\">\(Self.xmlEscape(yLabel))</text>\n"
        }
    }

    func drawReferenceLines(_ out: inout String, scale: YScale) {
        let f = scale.frame
        for r in referenceLines where scale.contains(r.y) {
            let y = scale.map(r.y)
            guard y >= f.top - 0.5, y <= f.bottom + 0.5 else { continue }
            out += "<line x1=\"\(Self.c(f.left))\" y1=\"\(Self.c(y))\" x2=\"\(Self.c(f.right))\" y2=\"\(Self.c(y))\" stroke=\"#666666\" stroke-width=\"1.2\" stroke-dasharray=\"5 4\"/>\n"
            if !r.label.isEmpty {
                // Above the line unless that would leave the plot.
                let ty = y - 5 < f.top + 12 ? y + 14 : y - 5
                out += "<text x=\"\(Self.c(f.right - 6))\" y=\"\(Self.c(ty))\" text-anchor=\"end\" font-size=\"11\" fill=\"#555555\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\">\(Self.xmlEscape(r.label))</text>\n"
            }
        }
    }

    /// Marker shape `i`, centred on (x, y).
    static func marker(_ i: Int, x: Double, y: Double, fill: String) -> String {
        let s = 3.6
        let attrs = "fill=\"\(fill)\" stroke=\"#ffffff\" stroke-width=\"0.8\""
        switch i % 4 {
        case 0:
            return "<circle cx=\"\(c(x))\" cy=\"\(c(y))\" r=\"\(c(s))\" \(attrs)/>"
        case 1:
            return "<rect x=\"\(c(x - s))\" y=\"\(c(y - s))\" width=\"\(c(2 * s))\" height=\"\(c(2 * s))\" \(attrs)/>"
        case 2:
            let d = s * 1.3
            return "<path d=\"M\(c(x)) \(c(y - d))L\(c(x + d)) \(c(y))L\(c(x)) \(c(y + d))L\(c(x - d)) \(c(y))Z\" \(attrs)/>"
        default:
            let d = s * 1.25
            return "<path d=\"M\(c(x)) \(c(y - d))L\(c(x + d)) \(c(y + d * 0.8))L\(c(x - d)) \(c(y + d * 0.8))Z\" \(attrs)/>"
        }
    }

    // MARK: - Line chart

    /// Filled polygons for the contiguous usable stretches of a band (upper edge left to right,
    /// lower edge back); a log axis clips non-positive lows to its bottom.
    func bandPath(_ band: [BandPoint], colour: String, mapX: (Double) -> Double, scale: YScale) -> String {
        var stretches: [[(x: Double, lo: Double, hi: Double)]] = [], current: [(x: Double, lo: Double, hi: Double)] = []
        for b in band {
            let lo = logY && !(b.low > 0) ? scale.lo : b.low
            if b.x.isFinite, lo.isFinite, b.high.isFinite, !logY || b.high > 0 {
                current.append((mapX(b.x), scale.map(Swift.max(lo, logY ? scale.lo : -Double.greatestFiniteMagnitude)), scale.map(b.high)))
            } else if !current.isEmpty {
                stretches.append(current)
                current = []
            }
        }
        if !current.isEmpty { stretches.append(current) }
        var d = ""
        for st in stretches where st.count >= 2 {
            d += "M" + Self.c(st[0].x) + " " + Self.c(st[0].hi)
            for q in st.dropFirst() { d += "L" + Self.c(q.x) + " " + Self.c(q.hi) }
            for q in st.reversed() { d += "L" + Self.c(q.x) + " " + Self.c(q.lo) }
            d += "Z"
        }
        // A single x gets a vertical error bar instead.
        var bars = ""
        for st in stretches where st.count == 1 {
            let q = st[0]
            bars += "<line x1=\"\(Self.c(q.x))\" y1=\"\(Self.c(q.lo))\" x2=\"\(Self.c(q.x))\" y2=\"\(Self.c(q.hi))\" stroke=\"\(colour)\" stroke-width=\"1.5\" stroke-opacity=\"0.6\"/>\n"
        }
        return (d.isEmpty ? "" : "<path d=\"\(d)\" fill=\"\(colour)\" fill-opacity=\"0.18\" stroke=\"none\"/>\n") + bars
    }

    func renderLine() -> String {
        // Data extent (finite points only; non-positive y excluded on a log axis).
        let usable: (Point) -> Bool = { p in p.x.isFinite && p.y.isFinite && (!logY || p.y > 0) }
        let all = series.flatMap { $0.points.filter(usable) }
        let hasData = !all.isEmpty
        var yValues = all.map(\.y)
        for s in series {
            for b in s.band where b.x.isFinite {
                for v in [b.low, b.high] where v.isFinite && (!logY || v > 0) { yValues.append(v) }
            }
        }
        for r in referenceLines where r.y.isFinite && (!logY || r.y > 0) { yValues.append(r.y) }

        // Legend layout.
        let names = series.map { Self.truncated($0.name.isEmpty ? " " : $0.name, 40) }
        let legendTextW = names.map { Self.textWidth($0, fontSize: 12) }.max() ?? 0
        let legendW = series.isEmpty ? 0 : legendTextW + 50
        let legendRight: Bool
        switch legendPosition {
        case .right: legendRight = true
        case .bottom: legendRight = false
        case .automatic: legendRight = legendW <= width * 0.3
        }
        // Bottom legend: entries flow left to right in rows.
        let entryW = legendTextW + 52
        let perRow = Swift.max(1, Int((width - 80) / Swift.max(entryW, 1)))
        let legendRows = series.isEmpty || legendRight ? 0 : (series.count + perRow - 1) / perRow

        let y = yAxis(values: yValues, includeZero: false)
        let tickLabelW = y.labels.map { Self.textWidth($0, fontSize: 11) }.max() ?? 0
        let top = title.isEmpty ? 16.0 : 44.0
        let left = 30 + tickLabelW + 12
        let right = legendRight && !series.isEmpty ? width - legendW - 24 : width - 24
        let bottom = height - 52 - Double(legendRows) * 20
        let frame = Frame(left: left, top: top, right: Swift.max(right, left + 10), bottom: Swift.max(bottom, top + 10))
        let yScale = YScale(lo: y.lo, hi: y.hi, log: y.log, frame: frame)

        // x axis: ticks within the data range (no padding to a nice bound, so no wasted space).
        var xlo = all.map(\.x).min() ?? 0, xhi = all.map(\.x).max() ?? 1
        (xlo, xhi) = Self.widen(xlo, xhi)
        // A 2% margin so that markers at the ends are not cut by the frame.
        let xpad = (xhi - xlo) * 0.02
        xlo -= xpad
        xhi += xpad
        let maxXTicks = Swift.max(2, Int(frame.width / 70))
        let rawX = Self.niceTicks(min: xlo, max: xhi, maxTicks: maxXTicks)
        let eps = (xhi - xlo) * 1e-9
        let xTicks = rawX.filter { $0 >= xlo - eps && $0 <= xhi + eps }
        let xLabels = Self.tickLabels(rawX.count >= 2 ? rawX : xTicks)
        let xLabelOf = Dictionary(zip(rawX, xLabels), uniquingKeysWith: { a, _ in a })
        let mapX: (Double) -> Double = { frame.left + ($0 - xlo) / (xhi - xlo) * frame.width }

        var out = ""
        header(&out)
        out += "<defs><clipPath id=\"plot-area\"><rect x=\"\(Self.c(frame.left))\" y=\"\(Self.c(frame.top))\" width=\"\(Self.c(frame.width))\" height=\"\(Self.c(frame.height))\"/></clipPath></defs>\n"

        // Grid and ticks.
        out += "<g stroke=\"#e3e3e3\" stroke-width=\"1\">\n"
        for t in xTicks {
            let x = Self.c(mapX(t))
            out += "<line x1=\"\(x)\" y1=\"\(Self.c(frame.top))\" x2=\"\(x)\" y2=\"\(Self.c(frame.bottom))\"/>\n"
        }
        out += "</g>\n"
        drawYAxis(&out, ticks: y.ticks, labels: y.labels, scale: yScale, gridRight: frame.right)
        out += "<g stroke=\"#333333\" stroke-width=\"1\">\n"
        for t in xTicks {
            let x = Self.c(mapX(t))
            out += "<line x1=\"\(x)\" y1=\"\(Self.c(frame.bottom))\" x2=\"\(x)\" y2=\"\(Self.c(frame.bottom + 4))\"/>\n"
        }
        out += "</g>\n"
        out += "<g font-size=\"11\" fill=\"#333333\" text-anchor=\"middle\">\n"
        for t in xTicks {
            out += "<text x=\"\(Self.c(mapX(t)))\" y=\"\(Self.c(frame.bottom + 17))\">\(Self.xmlEscape(xLabelOf[t] ?? Self.formatNumber(t)))</text>\n"
        }
        out += "</g>\n"
        out += "<rect x=\"\(Self.c(frame.left))\" y=\"\(Self.c(frame.top))\" width=\"\(Self.c(frame.width))\" height=\"\(Self.c(frame.height))\" fill=\"none\" stroke=\"#333333\" stroke-width=\"1\"/>\n"
        drawAxisLabels(&out, frame: frame, yLabelX: 18, xLabelY: frame.bottom + 38)

        // Data.
        out += "<g clip-path=\"url(#plot-area)\">\n"
        drawReferenceLines(&out, scale: yScale)
        for (i, s) in series.enumerated() where !s.band.isEmpty {
            out += bandPath(s.band, colour: Self.colour(i), mapX: mapX, scale: yScale)
        }
        for (i, s) in series.enumerated() {
            let colour = Self.colour(i), dash = Self.dash(i)
            var segments: [[(Double, Double)]] = []
            var current: [(Double, Double)] = []
            for p in s.points {
                if usable(p) {
                    current.append((mapX(p.x), yScale.map(p.y)))
                } else if !current.isEmpty {
                    segments.append(current)
                    current = []
                }
            }
            if !current.isEmpty { segments.append(current) }
            let dashAttr = dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\""
            out += "<g>\n"
            var d = ""
            for seg in segments where seg.count >= 2 {
                d += "M" + Self.c(seg[0].0) + " " + Self.c(seg[0].1)
                for q in seg.dropFirst() { d += "L" + Self.c(q.0) + " " + Self.c(q.1) }
            }
            if !d.isEmpty {
                out += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" stroke-linejoin=\"round\" stroke-linecap=\"round\"\(dashAttr)/>\n"
            }
            let allMarkers = s.showMarkers ?? showMarkers
            for seg in segments where allMarkers || seg.count == 1 {
                for q in seg { out += Self.marker(i, x: q.0, y: q.1, fill: colour) + "\n" }
            }
            out += "</g>\n"
        }
        out += "</g>\n"

        if !hasData {
            out += "<text x=\"\(Self.c((frame.left + frame.right) / 2))\" y=\"\(Self.c((frame.top + frame.bottom) / 2))\" text-anchor=\"middle\" font-size=\"15\" fill=\"#777777\">no data</text>\n"
        }

        // Legend, outside the plot area.
        if !series.isEmpty {
            out += "<g font-size=\"12\" fill=\"#222222\">\n"
            for (i, name) in names.enumerated() {
                let ex: Double, ey: Double
                if legendRight {
                    ex = frame.right + 16
                    ey = frame.top + 10 + Double(i) * 20
                } else {
                    ex = frame.left + Double(i % perRow) * entryW
                    ey = frame.bottom + 62 + Double(i / perRow) * 20
                }
                let dash = Self.dash(i)
                let dashAttr = dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\""
                out += "<line x1=\"\(Self.c(ex))\" y1=\"\(Self.c(ey))\" x2=\"\(Self.c(ex + 30))\" y2=\"\(Self.c(ey))\" stroke=\"\(Self.colour(i))\" stroke-width=\"2\"\(dashAttr)/>\n"
                if series[i].showMarkers ?? showMarkers {
                    out += Self.marker(i, x: ex + 15, y: ey, fill: Self.colour(i)) + "\n"
                }
                out += "<text x=\"\(Self.c(ex + 38))\" y=\"\(Self.c(ey + 4))\">\(Self.xmlEscape(name))</text>\n"
            }
            out += "</g>\n"
        }
        out += "</svg>\n"
        return out
    }

    // MARK: - Bar chart

    func renderBar() -> String {
        let values = bars.map(\.value).filter(\.isFinite)
        var yValues = values
        for r in referenceLines where r.y.isFinite { yValues.append(r.y) }
        let y = yAxis(values: yValues, includeZero: !logY)
        let tickLabelW = y.labels.map { Self.textWidth($0, fontSize: 11) }.max() ?? 0
        let top = title.isEmpty ? 16.0 : 44.0
        let left = 30 + tickLabelW + 12
        let right = width - 24

        let slot = bars.isEmpty ? 1 : (right - left) / Double(bars.count)
        let labelW = bars.map { Self.textWidth($0.label, fontSize: 11) }.max() ?? 0
        let rotate = labelW > slot - 6
        let labelDepth = rotate ? Swift.min(labelW, 160) * 0.6 + 14 : 18
        let bottom = height - 34 - labelDepth - (xLabel.isEmpty ? 0 : 8)
        let frame = Frame(left: left, top: top, right: right, bottom: Swift.max(bottom, top + 10))
        let scale = YScale(lo: y.lo, hi: y.hi, log: y.log, frame: frame)

        var out = ""
        header(&out)
        out += "<defs><clipPath id=\"plot-area\"><rect x=\"\(Self.c(frame.left))\" y=\"\(Self.c(frame.top))\" width=\"\(Self.c(frame.width))\" height=\"\(Self.c(frame.height))\"/></clipPath></defs>\n"
        drawYAxis(&out, ticks: y.ticks, labels: y.labels, scale: scale, gridRight: frame.right)
        out += "<rect x=\"\(Self.c(frame.left))\" y=\"\(Self.c(frame.top))\" width=\"\(Self.c(frame.width))\" height=\"\(Self.c(frame.height))\" fill=\"none\" stroke=\"#333333\" stroke-width=\"1\"/>\n"
        drawAxisLabels(&out, frame: frame, yLabelX: 18, xLabelY: height - 12)

        let base: Double = y.log ? y.lo : Swift.min(Swift.max(0, y.lo), y.hi)
        let baseY = scale.map(base)
        let barW = Swift.min(slot * 0.65, 90)
        out += "<g clip-path=\"url(#plot-area)\">\n"
        for (i, b) in bars.enumerated() where scale.contains(b.value) {
            let cx = frame.left + slot * (Double(i) + 0.5)
            let vy = scale.map(b.value)
            let y0 = Swift.min(vy, baseY), h = abs(vy - baseY)
            out += "<rect x=\"\(Self.c(cx - barW / 2))\" y=\"\(Self.c(y0))\" width=\"\(Self.c(barW))\" height=\"\(Self.c(h))\" fill=\"\(Self.colour(i))\" fill-opacity=\"0.85\" stroke=\"#333333\" stroke-width=\"0.6\"/>\n"
        }
        drawReferenceLines(&out, scale: scale)
        out += "</g>\n"
        // Value labels above (or below, for negative values) each bar, and category labels.
        // Value labels go above positive bars (below negative ones); when any lacks room outside
        // the plot, all go inside their bars' ends, with a white halo, so the chart stays uniform.
        let cramped = bars.contains { b in
            guard scale.contains(b.value) else { return false }
            let vy = scale.map(b.value)
            return b.value >= base ? vy - 5 < frame.top + 13 : vy + 14 > frame.bottom - 3
        }
        out += "<g font-size=\"11\" fill=\"#222222\" text-anchor=\"middle\">\n"
        for (i, b) in bars.enumerated() {
            let cx = frame.left + slot * (Double(i) + 0.5)
            if scale.contains(b.value) {
                let vy = scale.map(b.value)
                let text = Self.xmlEscape(Self.formatNumber(Self.roundSig(b.value, 4)))
                let halo = " stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\""
                let ty: Double
                if b.value >= base {
                    ty = cramped ? Swift.max(vy, frame.top) + 15 : vy - 5
                } else {
                    ty = cramped ? Swift.min(vy, frame.bottom) - 6 : vy + 14
                }
                out += "<text x=\"\(Self.c(cx))\" y=\"\(Self.c(ty))\"\(cramped ? halo : "")>\(text)</text>\n"
            } else {
                out += "<text x=\"\(Self.c(cx))\" y=\"\(Self.c(frame.bottom - 6))\" fill=\"#777777\">n/a</text>\n"
            }
        }
        out += "</g>\n"
        out += "<g font-size=\"11\" fill=\"#333333\">\n"
        for (i, b) in bars.enumerated() {
            let cx = frame.left + slot * (Double(i) + 0.5)
            let label = Self.xmlEscape(Self.truncated(b.label, 28))
            if rotate {
                let ty = frame.bottom + 12
                out += "<text x=\"\(Self.c(cx))\" y=\"\(Self.c(ty))\" text-anchor=\"end\" transform=\"rotate(-35 \(Self.c(cx)) \(Self.c(ty)))\">\(label)</text>\n"
            } else {
                out += "<text x=\"\(Self.c(cx))\" y=\"\(Self.c(frame.bottom + 16))\" text-anchor=\"middle\">\(label)</text>\n"
            }
        }
        out += "</g>\n"
        if values.isEmpty {
            out += "<text x=\"\(Self.c((frame.left + frame.right) / 2))\" y=\"\(Self.c((frame.top + frame.bottom) / 2))\" text-anchor=\"middle\" font-size=\"15\" fill=\"#777777\">no data</text>\n"
        }
        out += "</svg>\n"
        return out
    }

    /// Rounds to `n` significant digits.
    static func roundSig(_ v: Double, _ n: Int) -> Double {
        guard v.isFinite, v != 0 else { return v }
        let d = n - 1 - Int((log10(abs(v))).rounded(.down))
        if d < 0 {
            let p = pow(10, Double(-d))
            return (v / p).rounded() * p
        }
        return roundTo(v, decimals: Swift.min(d, 15))
    }
}
