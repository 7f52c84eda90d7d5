import XCTest
import Foundation
import EndToEnd
import EndToEndNN
import EndToEndData
@testable import EndToEndTraining

final class DataBuilderTests: XCTestCase {
    func parse(_ json: String) throws -> TrainingConfig {
        try TrainingConfig.parse(json, fileName: "test.json")
    }

    func firstBatch(_ loader: DataLoader<TensorDataset>) -> Batch {
        loader.batches(epoch: 0, startingAt: 0).next()!
    }

    func testSpiralsSizesAndShapes() throws {
        let config = try parse("""
            {"data": {"name": "spirals", "points": 100, "arms": 3, "validation": 0.2, "batch_size": 16},
             "model": {"architecture": "mlp", "hidden": [8], "out": 3},
             "optimizer": {"type": "adam"}, "seed": 3}
            """)
        let data = try config.buildData()
        XCTAssertEqual(data.train.sampleCount, 240)
        XCTAssertEqual(data.validation?.sampleCount, 60)
        XCTAssertEqual(data.test?.sampleCount, 300)
        XCTAssertEqual(data.featureShape, [2])
        XCTAssertEqual(data.classes, 3)
        XCTAssertEqual(data.train.batchCount, 15)
        let b = firstBatch(data.train)
        XCTAssertEqual(b.inputs.shape, [16, 2])
        XCTAssertEqual(b.labels?.shape, [16])
        XCTAssertTrue(b.labels!.scalars.allSatisfy { (0..<3).contains($0) })
        // The test set is generated from another seed: not the training points.
        let test = firstBatch(data.test!)
        XCTAssertNotEqual(test.inputs.scalars, Spirals(arms: 3, points: 100, seed: 3).data.inputs.scalars.prefix(test.inputs.count).map { $0 })
        // Same seed, same data.
        XCTAssertEqual(firstBatch(try config.buildData().train).inputs.scalars, b.inputs.scalars)
    }

    func testBlobsSizesAndShapes() throws {
        let config = try parse("""
            {"data": {"name": "blobs", "points": 50, "classes": 4, "dimensions": 5, "batch_size": 32},
             "model": {"architecture": "mlp", "hidden": [8], "out": 4},
             "optimizer": {"type": "sgd", "lr": 0.1}}
            """)
        let data = try config.buildData()
        XCTAssertEqual(data.train.sampleCount, 200)
        XCTAssertNil(data.validation)
        XCTAssertEqual(data.test?.sampleCount, 200)
        XCTAssertEqual(data.featureShape, [5])
        XCTAssertEqual(data.classes, 4)
        XCTAssertEqual(firstBatch(data.train).inputs.shape, [32, 5])
        XCTAssertEqual(data.train.batchCount, 7)
    }

    func testParityLinesSizesAndShapes() throws {
        let config = try parse("""
            {"data": {"name": "parity-lines", "k": 1, "count": 40, "validation": 0.25, "batch_size": 8},
             "model": {"layers": [{"type": "linear", "out": 2}]},
             "optimizer": {"type": "adam"}}
            """)
        let data = try config.buildData()
        XCTAssertEqual(data.train.sampleCount, 30)
        XCTAssertEqual(data.validation?.sampleCount, 10)
        XCTAssertEqual(data.test?.sampleCount, 40)
        XCTAssertEqual(data.classes, 2)
        let b = firstBatch(data.train)
        XCTAssertEqual(b.inputs.shape.first, 8)
        XCTAssertEqual(b.inputs.count, 8 * 28 * 28)
        XCTAssertEqual(b.labels?.shape, [8])
        // k = 2: two images per example; the configured feature shape agrees with the data.
        let two = try parse("""
            {"data": {"name": "parity-lines", "k": 2, "count": 8, "batch_size": 4},
             "model": {"layers": [{"type": "linear", "out": 2}]}, "optimizer": {"type": "adam"}}
            """)
        let twoData = try two.buildData()
        XCTAssertEqual(two.data.featureShape, twoData.featureShape)
        XCTAssertEqual(try two.buildModel()(firstBatch(twoData.train).inputs).shape, [4, 2])
    }

    func testTransformsOnNonImageDataAreRejected() throws {
        let config = try parse("""
            {"data": {"name": "spirals", "points": 10, "transforms": [{"type": "normalize", "mean": 0, "std": 1}]},
             "model": {"architecture": "mlp", "hidden": [4], "out": 2}, "optimizer": {"type": "adam"}}
            """)
        XCTAssertThrowsError(try config.buildData()) { XCTAssertTrue("\($0)".contains("transforms")) }
    }

    /// The whole path the `train` command takes, in process, on a small spirals problem.
    func testEndToEndSpiralsRun() throws {
        let config = try parse("""
            {"data": {"name": "spirals", "points": 300, "arms": 2, "noise": 0.05, "validation": 0.2, "batch_size": 32},
             "model": {"architecture": "mlp", "hidden": [32, 32], "activation": "tanh", "out": 2},
             "optimizer": {"type": "adam", "lr": 0.02}, "schedule": {"type": "cosine", "min_lr": 0.0001},
             "epochs": 20, "seed": 0, "early_stopping": {"monitor": "validation_loss", "patience": 10}}
            """)
        let data = try config.buildData()
        Random.seed(config.seed)
        let model = try config.buildModel()
        let optimizer = ModelBuilder.optimizer(config.optimizer, parameters: model.parameters())
        guard case .scheduler(let scheduler, let per) = ModelBuilder.schedule(config.schedule!, optimizer: optimizer, totalSteps: config.epochs!) else {
            return XCTFail("expected a plain scheduler")
        }
        let trainer = try Trainer(model: model, optimizer: optimizer, loss: ModelBuilder.loss(config.loss),
                                  metrics: config.metrics, classes: data.classes, scheduler: scheduler, schedulePer: per,
                                  callbacks: [ModelBuilder.earlyStopping(config.earlyStopping)!], seed: config.seed)
        let summary = try trainer.fit(train: data.train, validation: data.validation, epochs: config.epochs)
        XCTAssertNotNil(summary["validation_accuracy"])
        let test = try trainer.evaluate(data.test!)
        XCTAssertGreaterThan(test["accuracy"]!, 0.8, "test metrics \(test)")
    }
}
