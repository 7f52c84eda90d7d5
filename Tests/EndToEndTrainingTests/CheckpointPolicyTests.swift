import XCTest
import Foundation
import EndToEnd
import EndToEndData
@testable import EndToEndTraining

final class CheckpointPolicyTests: XCTestCase {
    func config(_ output: String) throws -> TrainingConfig {
        try TrainingConfig.parse("""
            data: {name: spirals, points: 20}
            model: {architecture: mlp, hidden: [4], out: 2}
            optimizer: {type: sgd, lr: 0.1}
            \(output)
            """, fileName: "c.yaml")
    }

    /// Trains one epoch with the configuration's checkpoint callback (if any) writing into
    /// a fresh directory; returns the files written there.
    func filesAfterTraining(_ c: TrainingConfig) throws -> [String] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-policy-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try c.buildData()
        Random.seed(c.seed)
        let model = try c.buildModel()
        let callback = c.checkpointCallback(directory: dir, hasValidation: false)
        let trainer = try Trainer(model: model, optimizer: ModelBuilder.optimizer(c.optimizer, parameters: model.parameters()),
                                  loss: ModelBuilder.loss(c.loss), callbacks: callback.map { [$0] } ?? [])
        try trainer.fit(train: data.train, epochs: 1)
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
    }

    func testCheckpointsByDefault() throws {
        let c = try config("")
        XCTAssertTrue(c.output.checkpoints)
        XCTAssertEqual(try filesAfterTraining(c), ["best.safetensors", "last.safetensors"])
    }

    func testCheckpointsFalseWritesNone() throws {
        let c = try config("output: {checkpoints: false}")
        XCTAssertFalse(c.output.checkpoints)
        XCTAssertNil(c.checkpointCallback(directory: URL(fileURLWithPath: "/nonexistent"), hasValidation: true))
        XCTAssertEqual(try filesAfterTraining(c), [])
    }
}
