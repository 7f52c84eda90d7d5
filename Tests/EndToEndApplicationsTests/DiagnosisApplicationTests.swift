import EndToEnd
import EndToEndTraining
import Foundation
import XCTest
@testable import EndToEndApplications

/// One smoke run of the whole diagnosis application: the result has the shape and
/// the report holds the figures and the saved models.
final class DiagnosisApplicationTests: XCTestCase {
    func testSmokeRunHasTheResultShapeAndReport() throws {
        let fm = FileManager.default
        let root = fm.temporaryDirectory.appendingPathComponent("diag-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: root) }
        let report = root.appendingPathComponent("report")
        let context = ApplicationContext(size: .smoke, seed: 3, outputDirectory: report, artifactsDirectory: root.appendingPathComponent("scratch"),
                                         cacheDirectory: root.appendingPathComponent("cache"))
        let app = try XCTUnwrap(ApplicationRegistry.application(named: "diagnosis"))
        let r = try app.run(context)
        let approaches = r.results.map(\.approach)
        XCTAssertEqual(approaches, ["end-to-end", "pipeline", "step-by-step", "end-to-end (table)", "pipeline (table)"])
        for a in approaches where a != "step-by-step" {
            XCTAssertGreaterThanOrEqual(Set(r.dataEfficiency.filter { $0.approach == a }.map(\.fraction)).count, 5, a)
            XCTAssertEqual(r.shift.filter { $0.approach == a }.count, 1, a)
        }
        for res in r.results {
            XCTAssertTrue((0...1).contains(res.value), "\(res.approach) ROC-AUC \(res.value)")
            XCTAssertEqual(res.extra.map(\.0), ["sensitivity_at_95_specificity", "ece", "accuracy", "steps"])
        }
        XCTAssertEqual(r.shift.filter { $0.approach == "step-by-step" }.count, 1)
        XCTAssertEqual(r.maintenance.map(\.approach), ["end-to-end", "pipeline", "step-by-step"])
        XCTAssertGreaterThan(r.maintenance[1].linesOfCode, r.maintenance[0].linesOfCode)
        XCTAssertEqual(r.models.count, 2)
        try ApplicationReport(directory: report).write(r, application: app, context: context, wallSeconds: 1)
        for f in ["figures/attributions.png", "figures/reliability.svg", "figures/data_efficiency.svg", "figures/table_attributions.svg",
                  "models/end-to-end/config.yaml", "models/end-to-end/model.safetensors"] {
            XCTAssertTrue(fm.fileExists(atPath: report.appendingPathComponent(f).path), f)
        }
        // The saved CNN predicts its exported test images as the run did.
        let config = try TrainingConfig.load(contentsOf: report.appendingPathComponent("models/end-to-end/config.yaml"))
        let p = try Predictor(config: config, checkpoint: report.appendingPathComponent("models/end-to-end/model.safetensors"))
        let x = CellImages.generate(count: 16, seed: context.seed(2)).inputs
        XCTAssertEqual(try p.predict(x).count, 16)
        let json = r.summary(app: "diagnosis", report: nil).encoded
        XCTAssertTrue(json.contains("\"data_efficiency\": [{\"approach\": \"end-to-end\", \"fraction\": 0.01"), json)
    }
}
