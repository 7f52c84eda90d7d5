import EndToEnd
import EndToEndData
import EndToEndTraining
import Foundation
import XCTest
@testable import EndToEndApplications

/// The report of a tiny application: a config-built network trained by the Trainer, saved so
/// that the saved config + checkpoint predict exactly what the network predicted.
final class ApplicationReportTests: XCTestCase {
    struct Tiny: Application {
        var name: String { "tiny" }
        var summary: String { "two blobs, an MLP" }
        func run(_ context: ApplicationContext) throws -> ApplicationResult {
            let blobs = GaussianBlobs(classes: 2, pointsPerClass: 40, dimensions: 3, std: 0.5, seed: context.seed(1)).data
            let net = try ConfiguredNetwork(approach: "end-to-end", inputShape: [3], classes: 2,
                                            layers: ["{type: linear, out: 8}", "relu", "{type: linear, out: 2}"],
                                            optimizer: "{type: adam, lr: 0.01}", batchSize: 16, seed: context.seed(2))
            let s = try net.fit(blobs, epochs: 3, minimumSteps: 10)
            let saved = try net.save(in: context, inputs: blobs.inputs, labels: blobs.labels!.scalars.map(Int.init))
            let image = try PNGImage.gray([0, 1, 0.5, 0.25], width: 2, height: 2).encoded()
            var r = ApplicationResult(
                data: DataSource(source: "generated", train: 80, test: 80),
                results: [ApproachResult(approach: "end-to-end", metric: "accuracy", value: 0.9, trainSeconds: s.wallSeconds,
                                         parameters: net.parameterCount, extra: [("ece", .double(0.1))])],
                dataEfficiency: DataEfficiency.defaultFractions.map { DataEfficiencyPoint(approach: "end-to-end", fraction: $0, value: $0) },
                shift: ShiftComparison.rows(metric: "accuracy", [("end-to-end", 0.9, 0.6)]),
                maintenance: [MaintenanceCost(approach: "end-to-end", stages: 1, handSetConstants: 0, linesOfCode: 5, parameters: net.parameterCount)],
                images: [("picture.png", image)], models: [saved], setup: "A tiny set-up.")
            r.log = ApplicationResult.curves(s.history, label: "end-to-end")
            return r
        }
    }

    func testReportFolderAndSavedModelPredicts() throws {
        let fm = FileManager.default
        let root = fm.temporaryDirectory.appendingPathComponent("apprep-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: root) }
        let report = root.appendingPathComponent("report"), scratch = root.appendingPathComponent("scratch")
        let context = ApplicationContext(size: .smoke, seed: 5, outputDirectory: report, artifactsDirectory: scratch, cacheDirectory: root)
        let app = Tiny()
        let result = try app.run(context)
        XCTAssertEqual(result.log.count, 3, "one training record per epoch")
        try ApplicationReport(directory: report).write(result, application: app, context: context, wallSeconds: 1.5)
        for f in ["summary.md", "results.json", "metrics.jsonl", "figures/picture.png", "figures/data_efficiency.svg", "figures/shift.svg",
                  "figures/loss_vs_step.svg", "models/end-to-end/config.yaml", "models/end-to-end/model.safetensors",
                  "models/end-to-end/inputs.npy", "models/end-to-end/labels.npy"] {
            XCTAssertTrue(fm.fileExists(atPath: report.appendingPathComponent(f).path), f)
        }
        let md = try String(contentsOf: report.appendingPathComponent("summary.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("| end-to-end | accuracy | 0.9000 |"), md)
        XCTAssertTrue(md.contains("| ece |"), md)
        XCTAssertTrue(md.contains("e2e predict models/end-to-end/config.yaml"), md)
        let json = try String(contentsOf: report.appendingPathComponent("results.json"), encoding: .utf8)
        XCTAssertTrue(json.hasPrefix("{\"app\": \"tiny\""), json)

        // The saved config + checkpoint reproduce the trained network's predictions.
        let config = try TrainingConfig.load(contentsOf: report.appendingPathComponent(result.models[0].config))
        let predictor = try Predictor(config: config, checkpoint: report.appendingPathComponent(result.models[0].checkpoint))
        let inputs = try NPY.read(report.appendingPathComponent("models/end-to-end/inputs.npy"))
        XCTAssertEqual(inputs.shape, [80, 3])
        let p = try XCTUnwrap(try predictor.predict(inputs).probabilities)
        let blobs = GaussianBlobs(classes: 2, pointsPerClass: 40, dimensions: 3, std: 0.5, seed: context.seed(1)).data
        let net = try ConfiguredNetwork(approach: "end-to-end", inputShape: [3], classes: 2,
                                        layers: ["{type: linear, out: 8}", "relu", "{type: linear, out: 2}"],
                                        optimizer: "{type: adam, lr: 0.01}", batchSize: 16, seed: context.seed(2))
        try net.fit(blobs, epochs: 3, minimumSteps: 10)
        XCTAssertEqual(p.scalars, try net.probabilities(blobs.inputs).scalars, "same seed, same training, same predictions")
        // `e2e evaluate` can build the saved config's data.
        XCTAssertNotNil(try config.buildData().test)
    }

    func testBadLayersAndInputsThrow() throws {
        XCTAssertThrowsError(try ConfiguredNetwork(approach: "x", inputShape: [1, 4, 4], classes: 2,
                                                   layers: ["{type: conv2d, out: 2, kernel_size: 7}", "flatten", "{type: linear, out: 2}"], seed: 0)) { e in
            XCTAssertTrue("\(e)".contains("model.layers[0]"), "\(e)")
        }
        let net = try ConfiguredNetwork(approach: "x", inputShape: [3], classes: 2, layers: ["{type: linear, out: 2}"], seed: 0)
        XCTAssertEqual(net.folderName, "x")
        XCTAssertEqual(try ConfiguredNetwork(approach: "End-to-end (table)", inputShape: [3], classes: 2,
                                             layers: ["{type: linear, out: 2}"], seed: 0).folderName, "end-to-end-table")
        let wrong = try TensorDataset(inputs: Tensor.zeros([4, 5]), labels: IntTensor([0, 1, 0, 1]))
        XCTAssertThrowsError(try net.fit(wrong, epochs: 1)) { XCTAssertTrue("\($0)".contains("expects [N] + [3]"), "\($0)") }
    }
}
