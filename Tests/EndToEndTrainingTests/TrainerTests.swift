import XCTest
import Foundation
import EndToEnd
import EndToEndNN
import EndToEndData
@testable import EndToEndTraining

final class TrainerTests: XCTestCase {
    static let blobs = GaussianBlobs(centers: [[-4, 0], [4, 0], [0, 5]], pointsPerClass: 60, std: 1, seed: 11)
    static let heldOut = GaussianBlobs(centers: [[-4, 0], [4, 0], [0, 5]], pointsPerClass: 30, std: 1, seed: 12)

    func makeModel(seed: UInt64) -> Module {
        Random.seed(seed)
        return Sequential(Linear(2, 16), ReLU(), Linear(16, 3))
    }

    func trainLoader() -> DataLoader<GaussianBlobs> {
        DataLoader(Self.blobs, batchSize: 16, shuffle: true, seed: 5)
    }

    func testLoader() -> DataLoader<GaussianBlobs> {
        DataLoader(Self.heldOut, batchSize: 32)
    }

    func weights(_ m: Module) -> [[Float]] { m.parameters().map { $0.value.scalars } }

    func tempDir() -> URL {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("trainer-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: u) }
        return u
    }

    func testLearnsEasyTaskAndLogs() throws {
        let model = makeModel(seed: 1)
        let dir = tempDir()
        let logURL = dir.appendingPathComponent("metrics.jsonl")
        let log = try MetricsLogWriter(url: logURL)
        let trainer = try Trainer(model: model, optimizer: Adam(model.parameters(), learningRate: 0.02),
                                  loss: Trainer.crossEntropy, metrics: ["accuracy"], log: log, gradientClipNorm: 5)
        let before = try trainer.evaluate(testLoader())
        let summary = try trainer.fit(train: trainLoader(), test: testLoader(), epochs: 8)
        try log.close()
        XCTAssertEqual(summary.epochs, 8)
        XCTAssertEqual(summary.steps, 8 * 12)
        XCTAssertEqual(summary.samplesSeen, 8 * 180)
        XCTAssertGreaterThan(summary.wallSeconds, 0)
        XCTAssertTrue(model.isTraining)
        let acc = try XCTUnwrap(summary["test_accuracy"])
        XCTAssertGreaterThan(acc, 0.9)
        XCTAssertLessThan(try XCTUnwrap(summary["test_loss"]), before["loss"]!)
        let trainLosses = summary.history.filter { $0.split == "train" }.map { $0["loss"]! }
        XCTAssertEqual(trainLosses.count, 8)
        XCTAssertLessThan(trainLosses.last!, trainLosses.first!)
        XCTAssertEqual(summary["train_loss"], trainLosses.last)
        let records = try MetricsLog.read(from: logURL).records
        XCTAssertEqual(records.count, 16)
        XCTAssertEqual(Set(records.map(\.split)), ["train", "test"])
        XCTAssertEqual(records.last?.step, 96)
        XCTAssertEqual(records.last?.epoch, 8)
    }

    func testEvaluateRestoresModeAndDoesNotChangeWeights() throws {
        let model = makeModel(seed: 2)
        let trainer = try Trainer(model: model, optimizer: SGD(model.parameters(), learningRate: 0.1),
                                  loss: Trainer.crossEntropy, metrics: ["accuracy", "f1_macro"], classes: 3)
        let w = weights(model)
        let m = try trainer.evaluate(testLoader())
        XCTAssertEqual(Set(m.keys), ["loss", "accuracy", "f1_macro"])
        XCTAssertEqual(weights(model), w)
        XCTAssertTrue(model.isTraining)
        XCTAssertThrowsError(try Trainer(model: model, optimizer: SGD(model.parameters(), learningRate: 0.1),
                                         loss: Trainer.crossEntropy, metrics: ["nope"]))
    }

    func testDeterminism() throws {
        func run() throws -> ([[Float]], Double) {
            let model = makeModel(seed: 3)
            let trainer = try Trainer(model: model, optimizer: Adam(model.parameters(), learningRate: 0.01),
                                      loss: Trainer.crossEntropy, metrics: ["accuracy"])
            let s = try trainer.fit(train: trainLoader(), validation: testLoader(), epochs: 3)
            return (weights(model), s["validation_loss"]!)
        }
        let a = try run(), b = try run()
        XCTAssertEqual(a.0, b.0)
        XCTAssertEqual(a.1, b.1)
    }

    func testResumeIsExact() throws {
        let dir = tempDir()
        func makeTrainer(_ model: Module) throws -> Trainer {
            let opt = Adam(model.parameters(), learningRate: 0.01)
            return try Trainer(model: model, optimizer: opt, loss: Trainer.crossEntropy, metrics: ["accuracy"],
                               scheduler: LearningRateScheduler(opt, schedule: ExponentialSchedule(gamma: 0.97)),
                               schedulePer: .step)
        }
        // Straight: 2 epochs.
        let straight = makeModel(seed: 4)
        let t0 = try makeTrainer(straight)
        try t0.fit(train: trainLoader(), epochs: 2)

        // 1 epoch, save, new model/optimizer (different init), resume, 1 more epoch.
        let first = makeModel(seed: 4)
        let t1 = try makeTrainer(first)
        try t1.fit(train: trainLoader(), epochs: 1)
        let url = dir.appendingPathComponent("ckpt.safetensors")
        try t1.saveCheckpoint(to: url)

        let resumed = makeModel(seed: 999)
        let t2 = try makeTrainer(resumed)
        let extra = try t2.resume(from: url)
        XCTAssertEqual(extra["epoch"], "1")
        XCTAssertEqual(t2.epoch, 1)
        XCTAssertEqual(t2.globalStep, 12)
        XCTAssertEqual(t2.optimizer.stepCount, 12)
        XCTAssertEqual(t2.optimizer.learningRate, t1.optimizer.learningRate)
        let s = try t2.fit(train: trainLoader(), epochs: 2)
        XCTAssertEqual(s.steps, 12)
        XCTAssertEqual(s.epochs, 2)
        XCTAssertEqual(weights(resumed), weights(straight))
        XCTAssertEqual(t2.optimizer.learningRate, t0.optimizer.learningRate)
    }

    func testResumeMidEpochIsExact() throws {
        let dir = tempDir()
        func makeTrainer(_ model: Module) throws -> Trainer {
            try Trainer(model: model, optimizer: SGD(model.parameters(), learningRate: 0.05, momentum: 0.9),
                        loss: Trainer.crossEntropy)
        }
        let straight = makeModel(seed: 6)
        try makeTrainer(straight).fit(train: trainLoader(), epochs: 2)
        let first = makeModel(seed: 6)
        let t1 = try makeTrainer(first)
        let s1 = try t1.fit(train: trainLoader(), steps: 17)
        XCTAssertEqual(s1.steps, 17)
        XCTAssertEqual(t1.epoch, 1)
        XCTAssertEqual(t1.batchInEpoch, 5)
        let url = dir.appendingPathComponent("mid.safetensors")
        try t1.saveCheckpoint(to: url)
        let resumed = makeModel(seed: 7)
        let t2 = try makeTrainer(resumed)
        try t2.resume(from: url)
        try t2.fit(train: trainLoader(), epochs: 2)
        XCTAssertEqual(t2.globalStep, 24)
        XCTAssertEqual(weights(resumed), weights(straight))
    }

    func testEarlyStoppingStops() throws {
        let model = makeModel(seed: 5)
        // Learning rate 0: the validation loss never improves after the first epoch.
        let early = EarlyStopping(monitor: "validation_loss", patience: 2)
        let trainer = try Trainer(model: model, optimizer: SGD(model.parameters(), learningRate: 0),
                                  loss: Trainer.crossEntropy, callbacks: [early])
        let s = try trainer.fit(train: trainLoader(), validation: testLoader(), epochs: 50)
        XCTAssertTrue(s.stoppedEarly)
        XCTAssertEqual(s.epochs, 3)
        XCTAssertEqual(early.stoppedEpoch, 2)
        XCTAssertEqual(early.mode, .min)
        XCTAssertEqual(EarlyStopping(monitor: "validation_accuracy").mode, .max)
    }

    func testCheckpointCallbackWritesBestAndLast() throws {
        let dir = tempDir()
        let model = makeModel(seed: 8)
        let ckpt = CheckpointCallback(directory: dir.appendingPathComponent("ckpt"), monitor: "validation_accuracy")
        let trainer = try Trainer(model: model, optimizer: Adam(model.parameters(), learningRate: 0.02),
                                  loss: Trainer.crossEntropy, metrics: ["accuracy"], callbacks: [ckpt])
        try trainer.fit(train: trainLoader(), validation: testLoader(), epochs: 3)
        XCTAssertTrue(FileManager.default.fileExists(atPath: ckpt.lastURL.path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: ckpt.bestURL.path))
        XCTAssertNotNil(ckpt.bestEpoch)
        // `last` resumes at the end: epoch 3, step 36, same weights.
        let other = makeModel(seed: 77)
        let t2 = try Trainer(model: other, optimizer: Adam(other.parameters(), learningRate: 0.02), loss: Trainer.crossEntropy)
        let extra = try t2.resume(from: ckpt.lastURL)
        XCTAssertEqual(t2.epoch, 3)
        XCTAssertEqual(t2.globalStep, 36)
        XCTAssertEqual(weights(other), weights(model))
        let bestExtra = try Checkpoint.load(into: other, optimizer: nil, from: ckpt.bestURL)
        XCTAssertEqual(bestExtra["monitor"], "validation_accuracy")
        XCTAssertEqual(bestExtra["epoch"], String(ckpt.bestEpoch! + 1))
        XCTAssertNotNil(extra["metric.validation_accuracy"])
    }

    func testProgressNonTerminal() throws {
        var out = ""
        var t = 0.0
        // Every step advances the fake clock by 1 s; lines at most every 5 s.
        let progress = ProgressReporter(isTerminal: false, clock: { t += 1; return t }, sink: { out += $0 })
        let model = makeModel(seed: 9)
        let trainer = try Trainer(model: model, optimizer: SGD(model.parameters(), learningRate: 0.05),
                                  loss: Trainer.crossEntropy, metrics: ["accuracy"], progress: progress)
        try trainer.fit(train: trainLoader(), epochs: 2)
        let lines = out.split(separator: "\n")
        XCTAssertFalse(out.contains("\r"))
        let epochLines = lines.filter { $0.contains("done in") }
        XCTAssertEqual(epochLines.count, 2)
        XCTAssertTrue(epochLines[0].hasPrefix("epoch 1/2"))
        XCTAssertTrue(epochLines[1].contains("train_accuracy="))
        let stepLines = lines.filter { $0.contains("samples/s eta") }
        XCTAssertGreaterThan(stepLines.count, 0)
        XCTAssertLessThanOrEqual(stepLines.count, 2 * 12 / 5 + 2)
        XCTAssertTrue(stepLines[0].contains("loss "))
    }

    func testProgressTerminalThrottle() {
        var out = ""
        var t = 0.0
        let p = ProgressReporter(isTerminal: true, clock: { t }, sink: { out += $0 })
        p.epochBegin(epoch: 0, totalEpochs: 1, batches: 100)
        for _ in 0..<100 { t += 0.01; p.step(samples: 10, loss: 0.5) }  // 1 s in total
        p.epochEnd(epoch: 0, metrics: ["train_loss": 0.5])
        let updates = out.components(separatedBy: "\r").count - 1
        XCTAssertLessThanOrEqual(updates, 11)   // <= 10/s plus the final line
        XCTAssertGreaterThanOrEqual(updates, 5)
        XCTAssertTrue(out.hasSuffix("\n"))
        XCTAssertTrue(out.contains("samples/s ETA"))
        XCTAssertTrue(out.contains("[========================]"))
    }
}
