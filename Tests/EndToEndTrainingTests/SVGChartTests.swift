import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import EndToEndTraining

/// Parses SVG text and collects element names and all character data.
final class SVGProbe: NSObject, XMLParserDelegate {
    var elements: [String] = []
    var texts: [String] = []
    var currentText = ""
    var attributes: [[String: String]] = []
    var error: Error?

    static func parse(_ svg: String) -> SVGProbe {
        let probe = SVGProbe()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = probe
        if !parser.parse() { probe.error = parser.parserError ?? NSError(domain: "xml", code: 1) }
        return probe
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        elements.append(elementName)
        attributes.append(attributeDict)
        currentText = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { currentText += string }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        if elementName == "text" || elementName == "title" { texts.append(currentText) }
        currentText = ""
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) { error = parseError }
}

final class SVGChartTests: XCTestCase {
    func sampleChart() -> SVGChart {
        let train: [(Double, Double)] = (0...50).map { (i: Int) -> (Double, Double) in
            let t = Double(i)
            let y: Double = 2.3 * exp(-t / 12) + 0.05
            return (t * 20, y)
        }
        let test: [(Double, Double)] = (0...5).map { (i: Int) -> (Double, Double) in
            let t = Double(i)
            let y: Double = 2.3 * exp(-t * 20 / 12) + 0.12
            return (t * 200, y)
        }
        return SVGChart(title: "Training loss", xLabel: "step", yLabel: "loss",
                        series: [.init(name: "train", xy: train), .init(name: "test", xy: test, showMarkers: true)],
                        referenceLines: [.init(y: 0.5, label: "target 0.5")])
    }

    func assertWellFormed(_ svg: String, file: StaticString = #filePath, line: UInt = #line) -> SVGProbe {
        let probe = SVGProbe.parse(svg)
        XCTAssertNil(probe.error, "SVG is not well-formed XML: \(String(describing: probe.error))", file: file, line: line)
        XCTAssertEqual(probe.elements.first, "svg", file: file, line: line)
        return probe
    }

    func testWellFormedWithTitleLabelsAndLegend() {
        let svg = sampleChart().render()
        let probe = assertWellFormed(svg)
        XCTAssertTrue(svg.hasPrefix("<?xml version=\"1.0\""))
        XCTAssertTrue(svg.contains("xmlns=\"http://www.w3.org/2000/svg\""))
        XCTAssertTrue(svg.contains("version=\"1.1\""))
        for t in ["Training loss", "step", "loss", "train", "test", "target 0.5"] {
            XCTAssertTrue(probe.texts.contains(t), "missing text \(t) in \(probe.texts)")
        }
        // Okabe-Ito colours and a dash pattern for the second series.
        XCTAssertTrue(svg.contains(SVGChart.palette[0]))
        XCTAssertTrue(svg.contains(SVGChart.palette[1]))
        XCTAssertTrue(svg.contains("stroke-dasharray=\"\(SVGChart.dashPatterns[1])\""))
        XCTAssertTrue(probe.elements.contains("circle") || probe.elements.contains("rect"))
    }

    func testLegendOutsidePlotArea() {
        let svg = sampleChart().render()
        // The clip rectangle is the plot area; legend text must start to its right.
        let probe = SVGProbe.parse(svg)
        let clipIndex = probe.elements.firstIndex(of: "clipPath")!
        let plot = probe.attributes[clipIndex + 1]
        let right = Double(plot["x"]!)! + Double(plot["width"]!)!
        let legendTexts = zip(probe.elements, probe.attributes).filter { $0.0 == "text" }.map(\.1)
        // Legend entries are the texts whose x is beyond the plot's right edge.
        let beyond = legendTexts.filter { Double($0["x"] ?? "0")! > right }
        XCTAssertEqual(beyond.count, 2)
    }

    func testEscapesSpecialCharacters() {
        let chart = SVGChart(title: "A < B & \"C\" > 'D'", xLabel: "x <units>", yLabel: "y & z",
                             series: [.init(name: "<script>&", xy: [(0, 1), (1, 2)])])
        let svg = chart.render()
        let probe = assertWellFormed(svg)
        XCTAssertTrue(svg.contains("A &lt; B &amp; &quot;C&quot; &gt; &apos;D&apos;"))
        XCTAssertFalse(svg.contains("<script>"))
        XCTAssertTrue(probe.texts.contains("A < B & \"C\" > 'D'"))
        XCTAssertTrue(probe.texts.contains("<script>&"))
        XCTAssertTrue(probe.texts.contains("x <units>"))
        XCTAssertEqual(SVGChart.xmlEscape("a\u{01}b"), "a\u{FFFD}b")
    }

    func testNaNAndInfinityBreakTheLine() {
        let chart = SVGChart(title: "t", xLabel: "step", yLabel: "loss", series: [
            .init(name: "s", xy: [(0, 1), (1, 2), (2, .nan), (3, 3), (4, 4), (5, .infinity), (6, 2), (.nan, 1)]),
        ])
        let svg = chart.render()
        _ = assertWellFormed(svg)
        XCTAssertFalse(svg.contains("nan"))
        XCTAssertFalse(svg.lowercased().contains("inf"))
        // Two segments of two points and one isolated point (with a marker).
        let path = svg.components(separatedBy: "<path d=\"")[1].components(separatedBy: "\"")[0]
        XCTAssertEqual(path.filter { $0 == "M" }.count, 2)
        XCTAssertEqual(path.filter { $0 == "L" }.count, 2)
        XCTAssertEqual(svg.components(separatedBy: "<circle").count - 1, 1)
    }

    func testSinglePointAndConstantSeries() {
        let single = SVGChart(title: "one", xLabel: "step", yLabel: "loss", series: [.init(name: "s", xy: [(5, 0.7)])])
        let s1 = single.render()
        _ = assertWellFormed(s1)
        XCTAssertEqual(s1.components(separatedBy: "<circle").count - 1, 1)
        XCTAssertFalse(s1.contains("NaN"))

        let constant = SVGChart(title: "flat", xLabel: "step", yLabel: "accuracy",
                                series: [.init(name: "s", xy: [(0, 0.5), (1, 0.5), (2, 0.5)])])
        let s2 = constant.render()
        let probe = assertWellFormed(s2)
        XCTAssertFalse(s2.contains("NaN"))
        XCTAssertTrue(s2.contains("<path d=\"M"))
        XCTAssertTrue(probe.texts.contains("0.50") || probe.texts.contains("0.5"), "\(probe.texts)")
        let zero = SVGChart(title: "zeros", xLabel: "step", yLabel: "loss",
                            series: [.init(name: "s", xy: [(0, 0), (0, 0)])])
        _ = assertWellFormed(zero.render())
    }

    func testEmptyChartsSayNoData() {
        for chart in [
            SVGChart(title: "empty", xLabel: "step", yLabel: "loss"),
            SVGChart(title: "empty series", xLabel: "step", yLabel: "loss", series: [.init(name: "train", points: [])]),
            SVGChart(title: "all nan", xLabel: "step", yLabel: "loss", series: [.init(name: "train", ys: [.nan, .nan])]),
            SVGChart(title: "log", xLabel: "step", yLabel: "loss", series: [.init(name: "train", ys: [0, -1])], logY: true),
            SVGChart.bar(title: "no bars", yLabel: "accuracy", bars: []),
        ] {
            let svg = chart.render()
            let probe = assertWellFormed(svg)
            XCTAssertTrue(probe.texts.contains("no data"), chart.title)
            XCTAssertTrue(probe.texts.contains(chart.title))
        }
    }

    func testNiceTicks() {
        func assertNice(_ ticks: [Double], file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertGreaterThanOrEqual(ticks.count, 2, file: file, line: line)
            let step = ticks[1] - ticks[0]
            let e = (log10(step)).rounded(.down)
            let mantissa = (step / pow(10, e) * 1e6).rounded() / 1e6
            XCTAssertTrue([1, 2, 5, 10].contains(mantissa), "step \(step) in \(ticks)", file: file, line: line)
            for t in ticks {
                let k = t / step
                XCTAssertEqual(k, k.rounded(), accuracy: 1e-9, "\(t) not a multiple of \(step)", file: file, line: line)
            }
        }
        let t1 = SVGChart.niceTicks(min: 0.013, max: 0.98)
        assertNice(t1)
        XCTAssertEqual(t1, [0, 0.2, 0.4, 0.6, 0.8, 1.0])
        XCTAssertEqual(SVGChart.tickLabels(t1), ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        let t2 = SVGChart.niceTicks(min: 0.1, max: 0.7, maxTicks: 7)
        assertNice(t2)
        XCTAssertTrue(t2.contains(0.3), "\(t2)") // exactly 0.3, not 0.30000000000000004
        XCTAssertFalse(SVGChart.tickLabels(t2).contains { $0.count > 4 }, "\(SVGChart.tickLabels(t2))")
        assertNice(SVGChart.niceTicks(min: 0, max: 9370))
        assertNice(SVGChart.niceTicks(min: -3.2, max: 17))
        assertNice(SVGChart.niceTicks(min: 1e-6, max: 4e-6))
        assertNice(SVGChart.niceTicks(min: 5, max: 5)) // widened
        XCTAssertEqual(SVGChart.niceTicks(min: 0, max: 1000, maxTicks: 6), [0, 200, 400, 600, 800, 1000])
        XCTAssertEqual(SVGChart.tickLabels([0, 200, 400]), ["0", "200", "400"])
        XCTAssertEqual(SVGChart.logTicks(min: 0.03, max: 2.4), [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10])
        XCTAssertEqual(SVGChart.logTicks(min: 1e-6, max: 10).count, 8)
        XCTAssertEqual(SVGChart.formatNumber(0.1 + 0.2), "0.3")
        XCTAssertEqual(SVGChart.formatNumber(1e-5), "1e-5")
        XCTAssertEqual(SVGChart.formatNumber(2_500_000), "2.5e6")
        XCTAssertEqual(SVGChart.formatNumber(-0.0), "0")
        XCTAssertEqual(SVGChart.formatNumber(12.5), "12.5")
    }

    func testTickLabelsInSVGAreClean() {
        let chart = SVGChart(title: "t", xLabel: "wall time (s)", yLabel: "accuracy",
                             series: [.init(name: "a", xy: [(0.1, 0.1), (0.7, 0.7)])])
        let probe = SVGProbe.parse(chart.render())
        let numeric = probe.texts.filter { Double($0) != nil }
        XCTAssertFalse(numeric.isEmpty)
        for t in numeric { XCTAssertLessThanOrEqual(t.count, 5, "ugly tick label \(t)") }
    }

    func testLogScale() {
        let ys = (0..<20).map { 3 * pow(0.6, Double($0)) }
        let chart = SVGChart(title: "log", xLabel: "step", yLabel: "loss", series: [.init(name: "train", ys: ys + [0, -1, 0.001])], logY: true)
        let svg = chart.render()
        let probe = assertWellFormed(svg)
        XCTAssertTrue(probe.texts.contains("0.001"))
        XCTAssertTrue(probe.texts.contains("1"))
        XCTAssertFalse(svg.contains("NaN"))
    }

    func testDeterministic() {
        XCTAssertEqual(sampleChart().render(), sampleChart().render())
        let bar = SVGChart.bar(title: "b", yLabel: "test accuracy", bars: [.init(label: "sgd", value: 0.91)])
        XCTAssertEqual(bar.render(), bar.render())
    }

    func testManySeriesHaveDistinctStyles() {
        let series = (0..<8).map { i in SVGChart.Series(name: "s\(i)", ys: [Double(i), Double(i + 1)]) }
        let svg = SVGChart(title: "many", xLabel: "step", yLabel: "loss", series: series).render()
        _ = assertWellFormed(svg)
        var styles = Set<String>()
        for i in 0..<8 { styles.insert(SVGChart.colour(i) + "/" + SVGChart.dash(i)) }
        XCTAssertEqual(styles.count, 8)
        for c in SVGChart.palette { XCTAssertTrue(svg.contains(c)) }
    }

    func testLongNamesMoveLegendBelow() {
        let long = String(repeating: "very long series name ", count: 2)
        let chart = SVGChart(title: "t", xLabel: "step", yLabel: "loss",
                             series: [.init(name: long, ys: [1, 2]), .init(name: "b", ys: [2, 1])])
        let probe = SVGProbe.parse(chart.render())
        let clipIndex = probe.elements.firstIndex(of: "clipPath")!
        let plot = probe.attributes[clipIndex + 1]
        let bottom = Double(plot["y"]!)! + Double(plot["height"]!)!
        let texts = zip(probe.elements, probe.attributes).filter { $0.0 == "text" }.map(\.1)
        let below = texts.filter { Double($0["y"] ?? "0")! > bottom + 40 }
        XCTAssertGreaterThanOrEqual(below.count, 2)
    }

    func testBarChart() {
        let chart = SVGChart.bar(title: "Final test accuracy", xLabel: "strategy", yLabel: "test accuracy",
                                 bars: [.init(label: "SGD", value: 0.912), .init(label: "Adam & warmup", value: 0.9734),
                                        .init(label: "broken", value: .nan)],
                                 referenceLines: [.init(y: 0.1, label: "chance 0.1")])
        let svg = chart.render()
        let probe = assertWellFormed(svg)
        for t in ["Final test accuracy", "strategy", "test accuracy", "SGD", "Adam & warmup", "0.912", "0.9734", "n/a", "chance 0.1"] {
            XCTAssertTrue(probe.texts.contains(t), "missing \(t) in \(probe.texts)")
        }
    }

    /// Writes an example chart for eyeballing when E2E_EXAMPLE_CHART names a path.
    func testWriteExampleChart() throws {
        guard let path = ProcessInfo.processInfo.environment["E2E_EXAMPLE_CHART"] else { return }
        var records: [MetricsRecord] = []
        for step in stride(from: 0, through: 2000, by: 20) {
            let t = Double(step) * 0.061
            let noise = sin(Double(step) * 0.37) * 0.02
            records.append(.init(step: step, epoch: step / 500, wallSeconds: t, split: "train",
                                 values: ["accuracy": 0.5 + 0.45 * (1 - exp(-Double(step) / 400)) + noise,
                                          "loss": 0.69 * exp(-Double(step) / 500) + 0.05 + noise / 2]))
            if step % 250 == 0 {
                records.append(.init(step: step, epoch: step / 500, wallSeconds: t + 0.5, split: "test",
                                     values: ["accuracy": 0.5 + 0.40 * (1 - exp(-Double(step) / 450)),
                                              "loss": 0.69 * exp(-Double(step) / 600) + 0.09]))
            }
        }
        var chart = records.chart("accuracy", against: .step, title: "Test & train accuracy <XOR task>")
        chart.yLabel = "accuracy"
        chart.referenceLines = [.init(y: 0.5, label: "chance 0.5")]
        try chart.write(to: URL(fileURLWithPath: path))
        let bar = SVGChart.bar(title: "Final test accuracy by strategy", xLabel: "strategy", yLabel: "test accuracy",
                               bars: [.init(label: "SGD", value: 0.912), .init(label: "SGD + momentum", value: 0.951),
                                      .init(label: "Adam", value: 0.9734), .init(label: "AdamW + cosine", value: 0.978)],
                               referenceLines: [.init(y: 0.5, label: "chance 0.5")], yRange: 0...1)
        try bar.write(to: URL(fileURLWithPath: path.replacingOccurrences(of: ".svg", with: "_bar.svg")))
        let loss = records.chart("loss", against: .wallSeconds)
        try loss.write(to: URL(fileURLWithPath: path.replacingOccurrences(of: ".svg", with: "_loss_time.svg")))
    }
}
