import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import EndToEndTraining

final class ReportWriterTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("reportwriter-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    static func log() -> [MetricsRecord] {
        var out: [MetricsRecord] = []
        for step in stride(from: 0, through: 400, by: 50) {
            out.append(.init(step: step, epoch: step / 200, wallSeconds: Double(step) * 0.2, split: "train",
                             values: ["loss": 1 / Double(step + 10), "accuracy": Double(step) / 500]))
            if step % 200 == 0 {
                out.append(.init(step: step, epoch: step / 200, wallSeconds: Double(step) * 0.2 + 1, split: "test",
                                 values: ["loss": 1.2 / Double(step + 10), "accuracy": Double(step) / 520]))
            }
        }
        return out
    }

    func listing(_ dir: URL) -> [String] {
        let e = FileManager.default.enumerator(atPath: dir.path)
        return ((e?.allObjects as? [String]) ?? []).sorted()
    }

    func siblings() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).sorted()
    }

    func testWritesCompleteReport() throws {
        let dest = root.appendingPathComponent("run-1")
        let bar = SVGChart.bar(title: "Final accuracy", yLabel: "test accuracy", bars: [.init(label: "sgd", value: 0.9)])
        let summaryURL = try ReportWriter(directory: dest).write(
            title: "XOR | run 1", configText: "model: mlp\nlr: 0.1\n", log: Self.log(),
            finalMetrics: ["test/accuracy": 0.76923076923, "test/loss": 0.0029],
            extraMarkdown: ["## Notes\n\nConverged quickly."], extraCharts: [(filename: "strategies", chart: bar)])
        XCTAssertEqual(summaryURL.lastPathComponent, "summary.md")
        XCTAssertEqual(listing(dest), [
            "config.yaml", "figures", "figures/accuracy_vs_step.svg", "figures/accuracy_vs_time.svg",
            "figures/loss_vs_step.svg", "figures/loss_vs_time.svg", "figures/strategies.svg",
            "metrics.jsonl", "summary.md",
        ])
        XCTAssertEqual(try String(contentsOf: dest.appendingPathComponent("config.yaml"), encoding: .utf8), "model: mlp\nlr: 0.1\n")
        let metrics = try MetricsLog.read(from: dest.appendingPathComponent("metrics.jsonl"))
        XCTAssertEqual(metrics.records.count, Self.log().count)

        let md = try String(contentsOf: summaryURL, encoding: .utf8)
        XCTAssertTrue(md.hasPrefix("# XOR \\| run 1\n"))
        XCTAssertTrue(md.contains("| test/accuracy | 0.769231 |"), md)
        XCTAssertTrue(md.contains("| test/loss | 0.0029 |"), md)
        XCTAssertTrue(md.contains("**Wall time:** 81.0 s (1 min 21.0 s)"), md)
        XCTAssertTrue(md.contains("![loss vs step](figures/loss_vs_step.svg)"), md)
        XCTAssertTrue(md.contains("![accuracy vs wall time](figures/accuracy_vs_time.svg)"), md)
        XCTAssertTrue(md.contains("(figures/strategies.svg)"), md)
        XCTAssertTrue(md.contains("## Notes\n\nConverged quickly."))
        XCTAssertTrue(md.contains("[config.yaml](config.yaml)"))

        for f in ["loss_vs_step", "loss_vs_time", "accuracy_vs_step", "strategies"] {
            let svg = try String(contentsOf: dest.appendingPathComponent("figures/\(f).svg"), encoding: .utf8)
            let probe = SVGProbe.parse(svg)
            XCTAssertNil(probe.error, f)
            if f != "strategies" {
                XCTAssertTrue(probe.texts.contains("train"), f)
                XCTAssertTrue(probe.texts.contains("test"), f)
            }
        }
        let lossTime = try String(contentsOf: dest.appendingPathComponent("figures/loss_vs_time.svg"), encoding: .utf8)
        XCTAssertTrue(lossTime.contains(">wall time (s)<"))
        XCTAssertEqual(siblings(), ["run-1"])
    }

    func testJSONConfigAndCopiedMetricsFile() throws {
        let src = root.appendingPathComponent("src.jsonl")
        let original = MetricsLog.encode(Self.log()) + #"{"step":9"# // truncated tail, copied as is
        try Data(original.utf8).write(to: src)
        let dest = root.appendingPathComponent("out/nested/run")
        _ = try ReportWriter(directory: dest).write(title: "t", configText: "{\"lr\": 0.1}", log: Self.log(),
                                                    metricsFile: src, finalMetrics: [:])
        XCTAssertTrue(FileManager.default.fileExists(atPath: dest.appendingPathComponent("config.json").path))
        XCTAssertEqual(try Data(contentsOf: dest.appendingPathComponent("metrics.jsonl")), Data(original.utf8))
        let md = try String(contentsOf: dest.appendingPathComponent("summary.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("No final metrics"))
    }

    func testExtraFilesAndCopiedFolders() throws {
        let models = root.appendingPathComponent("scratch/models")
        try FileManager.default.createDirectory(at: models.appendingPathComponent("end-to-end"), withIntermediateDirectories: true)
        try Data("weights".utf8).write(to: models.appendingPathComponent("end-to-end/model.safetensors"))
        let dest = root.appendingPathComponent("run")
        _ = try ReportWriter(directory: dest).write(
            title: "t", configText: nil, log: [], finalMetrics: [:],
            extraFiles: [(path: "figures/a.png", data: Data([1, 2, 3]))], copiedItems: [(path: "models", source: models)])
        XCTAssertEqual(try Data(contentsOf: dest.appendingPathComponent("figures/a.png")), Data([1, 2, 3]))
        XCTAssertEqual(try String(contentsOf: dest.appendingPathComponent("models/end-to-end/model.safetensors"), encoding: .utf8), "weights")
        for bad in ["../x.png", "/abs.png", "figures//x.png", "a b.png"] {
            XCTAssertThrowsError(try ReportWriter(directory: dest).write(title: "t", configText: nil, log: [], finalMetrics: [:],
                                                                         extraFiles: [(path: bad, data: Data())])) { e in
                XCTAssertEqual(e as? ReportWriterError, .invalidFilename(bad))
            }
        }
        XCTAssertEqual(try Data(contentsOf: dest.appendingPathComponent("figures/a.png")), Data([1, 2, 3]), "a failed write leaves the report")
        XCTAssertThrowsError(try ReportWriter(directory: dest).write(title: "t", configText: nil, log: [], finalMetrics: [:],
                                                                     copiedItems: [(path: "models", source: root.appendingPathComponent("none"))]))
    }

    func testReplacesExistingReport() throws {
        let dest = root.appendingPathComponent("run")
        try FileManager.default.createDirectory(at: dest, withIntermediateDirectories: true)
        try Data("stale".utf8).write(to: dest.appendingPathComponent("stale.txt"))
        _ = try ReportWriter(directory: dest).write(title: "new", configText: nil, log: Self.log(), finalMetrics: ["a": 1])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dest.appendingPathComponent("stale.txt").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dest.appendingPathComponent("summary.md").path))
        XCTAssertEqual(siblings(), ["run"])
    }

    func testFailureLeavesOldReportIntactAndNoTempDirectory() throws {
        let dest = root.appendingPathComponent("run")
        _ = try ReportWriter(directory: dest).write(title: "old report", configText: "a: 1", log: Self.log(), finalMetrics: ["a": 1])
        let before = listing(dest)
        let oldSummary = try Data(contentsOf: dest.appendingPathComponent("summary.md"))

        struct Injected: Error {}
        // Fail part-way, after several files of the new report were written.
        var writer = ReportWriter(directory: dest)
        writer.afterFileWritten = { path in if path == "figures/loss_vs_step.svg" { throw Injected() } }
        XCTAssertThrowsError(try writer.write(title: "new report", configText: "a: 2", log: Self.log(), finalMetrics: ["a": 2])) {
            XCTAssertTrue($0 is Injected)
        }
        XCTAssertEqual(listing(dest), before)
        XCTAssertEqual(try Data(contentsOf: dest.appendingPathComponent("summary.md")), oldSummary)
        XCTAssertEqual(siblings(), ["run"])

        // An invalid extra chart name fails the same way.
        let bad = SVGChart(title: "x", xLabel: "step", yLabel: "y")
        XCTAssertThrowsError(try ReportWriter(directory: dest).write(
            title: "new", configText: nil, log: Self.log(), finalMetrics: [:],
            extraCharts: [(filename: "../escape", chart: bad)])) { error in
            XCTAssertEqual(error as? ReportWriterError, .invalidFilename("../escape"))
        }
        XCTAssertEqual(try Data(contentsOf: dest.appendingPathComponent("summary.md")), oldSummary)
        XCTAssertEqual(siblings(), ["run"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.deletingLastPathComponent().appendingPathComponent("escape.svg").path))
    }

    func testEmptyLogAndOddMetricNames() throws {
        let dest = root.appendingPathComponent("empty")
        _ = try ReportWriter(directory: dest).write(title: "", configText: nil, log: [], finalMetrics: [:])
        XCTAssertEqual(listing(dest), ["figures", "metrics.jsonl", "summary.md"])

        let odd = [MetricsRecord(step: 1, wallSeconds: 1, split: "train", values: ["val/loss": 1, "val:loss": 2])]
        let dest2 = root.appendingPathComponent("odd")
        _ = try ReportWriter(directory: dest2).write(title: "odd", configText: nil, log: odd, finalMetrics: [:])
        let figs = listing(dest2).filter { $0.hasPrefix("figures/") }
        XCTAssertEqual(Set(figs).count, 4)
        XCTAssertTrue(figs.contains("figures/val_loss_vs_step.svg"))
        XCTAssertTrue(figs.contains("figures/val_loss_vs_step_2.svg"))
    }

    func testDeterministicContents() throws {
        let a = root.appendingPathComponent("a"), b = root.appendingPathComponent("b")
        _ = try ReportWriter(directory: a).write(title: "t", configText: "x: 1", log: Self.log(), finalMetrics: ["m": 0.5])
        _ = try ReportWriter(directory: b).write(title: "t", configText: "x: 1", log: Self.log(), finalMetrics: ["m": 0.5])
        for f in listing(a) where f.contains(".") {
            XCTAssertEqual(try Data(contentsOf: a.appendingPathComponent(f)), try Data(contentsOf: b.appendingPathComponent(f)), f)
        }
    }
}
