import EndToEnd
import Foundation
import XCTest
@testable import EndToEndTraining

final class MetricsLogTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("metricslog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    static let records: [MetricsRecord] = [
        .init(step: 0, epoch: 0, wallSeconds: 0, split: "train", values: ["loss": 2.3, "accuracy": 0.1]),
        .init(step: 100, epoch: 1, wallSeconds: 12.3, split: "train", values: ["loss": 0.41, "accuracy": 0.86, "lr": 1e-05]),
        .init(step: 100, epoch: 1, wallSeconds: 13.25, split: "test", values: ["loss": 0.5, "accuracy": 0.84]),
        .init(step: 200, wallSeconds: 25, split: "train", values: ["loss": .nan, "grad_norm": .infinity, "x": -.infinity]),
        .init(step: 300, epoch: 2, wallSeconds: 1e-7, split: "we\"ird\n\\split", values: ["odd \"key\"": 1.5e300]),
    ]

    func assertSame(_ a: [MetricsRecord], _ b: [MetricsRecord], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        for (x, y) in zip(a, b) {
            XCTAssertEqual(x.step, y.step, file: file, line: line)
            XCTAssertEqual(x.epoch, y.epoch, file: file, line: line)
            XCTAssertEqual(x.wallSeconds, y.wallSeconds, file: file, line: line)
            XCTAssertEqual(x.split, y.split, file: file, line: line)
            XCTAssertEqual(Set(x.values.keys), Set(y.values.keys), file: file, line: line)
            for (k, v) in x.values {
                let w = y.values[k]!
                if v.isNaN { XCTAssertTrue(w.isNaN, file: file, line: line) } else { XCTAssertEqual(v, w, file: file, line: line) }
            }
        }
    }

    func testLineFormat() {
        let line = Self.records[1].jsonLine()
        XCTAssertEqual(line, #"{"step":100,"epoch":1,"wall_seconds":12.3,"split":"train","accuracy":0.86,"loss":0.41,"lr":1e-05}"#)
        XCTAssertEqual(Self.records[3].jsonLine(),
                       #"{"step":200,"wall_seconds":25,"split":"train","grad_norm":"Infinity","loss":"NaN","x":"-Infinity"}"#)
        // Every line is valid JSON by Foundation's own parser.
        for r in Self.records {
            XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(r.jsonLine().utf8)))
        }
    }

    func testRoundTripThroughWriterAndReader() throws {
        let url = dir.appendingPathComponent("run/metrics.jsonl")
        let writer = try MetricsLogWriter(url: url)
        for r in Self.records { try writer.append(r) }
        try writer.close()
        let text = try String(contentsOf: url, encoding: .utf8)
        XCTAssertEqual(text.filter { $0 == "\n" }.count, Self.records.count)
        let read = try MetricsLog.read(from: url)
        XCTAssertFalse(read.truncatedLastLine)
        assertSame(read.records, Self.records)
        XCTAssertEqual(text, MetricsLog.encode(Self.records))
    }

    func testEachLineIsOnDiskImmediately() throws {
        let url = dir.appendingPathComponent("m.jsonl")
        let writer = try MetricsLogWriter(url: url)
        try writer.append(Self.records[0])
        // Read while the writer is still open: the line is already there.
        XCTAssertEqual(try MetricsLog.read(from: url).records.count, 1)
        try writer.append(step: 5, wallSeconds: 1, split: "train", ["loss": 1])
        XCTAssertEqual(try MetricsLog.read(from: url).records.count, 2)
        try writer.close()
        XCTAssertThrowsError(try writer.append(Self.records[0]))
    }

    func testTruncatedLastLineTolerated() throws {
        let full = MetricsLog.encode(Array(Self.records.prefix(3)))
        let cut = full + #"{"step":300,"wall_seconds":3"#
        let parsed = try MetricsLog.parse(cut)
        XCTAssertTrue(parsed.truncatedLastLine)
        XCTAssertEqual(parsed.records.count, 3)

        // Appending after a crash starts a new line instead of gluing onto the partial one.
        let url = dir.appendingPathComponent("crashed.jsonl")
        try Data(cut.utf8).write(to: url)
        let writer = try MetricsLogWriter(url: url)
        try writer.append(Self.records[4])
        try writer.close()
        let lenient = try MetricsLog.read(from: url, lenient: true)
        XCTAssertEqual(lenient.records.count, 4)
        XCTAssertEqual(lenient.skipped.map(\.lineNumber), [4])
        XCTAssertThrowsError(try MetricsLog.read(from: url)) { error in
            XCTAssertEqual((error as? MetricsLogError).flatMap { if case .malformedLine(let n, _) = $0 { return n } else { return nil } }, 4)
        }
    }

    func testMalformedMiddleLineReportedWithLineNumber() {
        let lines = [Self.records[0].jsonLine(), "", Self.records[1].jsonLine(), "{not json", Self.records[2].jsonLine()]
        let text = lines.joined(separator: "\n") + "\n"
        XCTAssertThrowsError(try MetricsLog.parse(text)) { error in
            guard case .malformedLine(let n, let reason)? = error as? MetricsLogError else {
                return XCTFail("unexpected error \(error)")
            }
            XCTAssertEqual(n, 4)
            XCTAssertFalse(reason.isEmpty)
            XCTAssertTrue("\(error)".contains("line 4"))
        }
        // Missing step is reported too, even on the last line when it ends with a newline.
        XCTAssertThrowsError(try MetricsLog.parse(#"{"loss":1}"# + "\n")) { error in
            guard case .malformedLine(1, let reason)? = error as? MetricsLogError else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("step"))
        }
        XCTAssertThrowsError(try MetricsLog.parse("[1,2]\n" + Self.records[0].jsonLine() + "\n"))
        let lenient = try? MetricsLog.parse(text, lenient: true)
        XCTAssertEqual(lenient?.records.count, 3)
        XCTAssertEqual(lenient?.skipped.map(\.lineNumber), [4])
    }

    func testCRLFAndBlankLines() throws {
        let text = Self.records[0].jsonLine() + "\r\n\r\n" + Self.records[1].jsonLine() + "\r\n"
        XCTAssertEqual(try MetricsLog.parse(text).records.count, 2)
        XCTAssertEqual(try MetricsLog.parse("").records.count, 0)
    }

    func testSeriesHelpers() {
        let recs = Self.records
        XCTAssertEqual(recs.splits, ["train", "test", "we\"ird\n\\split"])
        XCTAssertEqual(recs.metricNames, ["accuracy", "grad_norm", "loss", "lr", "odd \"key\"", "x"])
        XCTAssertEqual(recs.series("accuracy", split: "train").map(\.x), [0, 100])
        XCTAssertEqual(recs.series("accuracy", split: "train").map(\.y), [0.1, 0.86])
        XCTAssertEqual(recs.series("accuracy", split: "test", against: .wallSeconds), [.init(x: 13.25, y: 0.84)])
        XCTAssertEqual(recs.series("accuracy", against: .epoch).map(\.x), [0, 1, 1])
        XCTAssertEqual(recs.series("loss", split: "train").count, 3)
        XCTAssertEqual(recs.last("accuracy", split: "train"), 0.86)
        let chart = recs.chart("accuracy", against: .wallSeconds)
        XCTAssertEqual(chart.series.map(\.name), ["train", "test"])
        XCTAssertEqual(chart.xLabel, "wall time (s)")
        XCTAssertEqual(chart.yRange, 0...1)
    }

    func testLogScaleChosenForLossSpanningDecades() {
        let recs = (0..<50).map { MetricsRecord(step: $0, wallSeconds: Double($0), split: "train", values: ["loss": pow(0.8, Double($0))]) }
        let chart = recs.chart("loss")
        XCTAssertTrue(chart.logY)
        XCTAssertTrue(chart.yLabel.contains("log"))
    }

    func testValuesReadBackAreTheValuesWritten() throws {
        // A resumed run's history is read back from its checkpoint: every bit must survive.
        var rng = RandomGenerator(seed: 7)
        var records: [MetricsRecord] = [MetricsRecord(step: 20, wallSeconds: 1.25, split: "test",
                                                      values: ["test_loss": 0.9909252235665914, "a\"b": 1e-300])]
        for i in 0..<200 {
            let v = Double(bitPattern: rng.next() & 0x7FEF_FFFF_FFFF_FFFF)  // finite doubles of every size
            records.append(MetricsRecord(step: i, wallSeconds: Double(rng.nextUniform()), split: "s", values: ["x": v, "y": -v / 3]))
        }
        let back = try MetricsLog.parse(MetricsLog.encode(records)).records
        XCTAssertEqual(back, records)
    }
}
