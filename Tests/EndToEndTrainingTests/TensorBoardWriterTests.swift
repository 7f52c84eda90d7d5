import EndToEnd
import EndToEndData
import EndToEndNN
@testable import EndToEndTraining
import Foundation
import XCTest

final class TensorBoardWriterTests: XCTestCase {
    func tempDir() -> URL {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("tensorboard-tests-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: u) }
        return u
    }

    /// The standard CRC-32C check value, and TFRecord's mask of it.
    func testCRC32C() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)   // RFC 3720 B.4
        let c: UInt32 = 0xE306_9283
        XCTAssertEqual(CRC32C.masked(Array("123456789".utf8)), ((c >> 15) | (c << 17)) &+ 0xA282_EAD8)
    }

    func testProtobufEncoding() {
        var w = ProtobufWriter()
        w.int64(2, 300)
        w.string(1, "hi")
        w.float(2, 1)
        XCTAssertEqual(w.bytes, [0x10, 0xAC, 0x02, 0x0A, 0x02, 0x68, 0x69, 0x15, 0x00, 0x00, 0x80, 0x3F])
    }

    func testConfigKeys() throws {
        let base = "data: {name: spirals}\nmodel: {architecture: mlp, out: 2}\noptimizer: {type: sgd, lr: 0.1}\n"
        XCTAssertFalse(try TrainingConfig.parse(base).output.tensorboard)
        let on = try TrainingConfig.parse(base + "output: {tensorboard: true, tensorboard_histograms: true}\n").output
        XCTAssertTrue(on.tensorboard && on.tensorboardHistograms)
        XCTAssertThrowsError(try TrainingConfig.parse(base + "output: {tensorboard_histograms: true}\n")) { e in
            XCTAssertTrue("\(e)".contains("output.tensorboard_histograms"), "\(e)")
        }
    }

    /// Splits an event file into its records, checking both masked CRCs of each.
    func records(_ url: URL) throws -> [[UInt8]] {
        let bytes = [UInt8](try Data(contentsOf: url))
        var out: [[UInt8]] = [], i = 0
        func u32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * $1) } }
        while i < bytes.count {
            let length = Int((0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[i + $1]) << (8 * $1) })
            XCTAssertEqual(u32(i + 8), CRC32C.masked(bytes[i..<(i + 8)]), "length CRC at \(i)")
            let record = Array(bytes[(i + 12)..<(i + 12 + length)])
            XCTAssertEqual(u32(i + 12 + length), CRC32C.masked(record), "data CRC at \(i)")
            out.append(record)
            i += 16 + length
        }
        return out
    }

    func train(into dir: URL) throws -> (TensorBoardCallback, Trainer) {
        Random.seed(1)
        let model = Sequential(Linear(2, 8), ReLU(), Linear(8, 3))
        let blobs = GaussianBlobs(centers: [[-4, 0], [4, 0], [0, 5]], pointsPerClass: 20, std: 1, seed: 3)
        let held = GaussianBlobs(centers: [[-4, 0], [4, 0], [0, 5]], pointsPerClass: 10, std: 1, seed: 4)
        let tb = try TensorBoardCallback(directory: dir, histograms: true)
        let trainer = try Trainer(model: model, optimizer: SGD(model.parameters(), learningRate: 0.1), loss: Trainer.crossEntropy,
                                  metrics: ["accuracy"], callbacks: [tb])
        _ = try trainer.fit(train: DataLoader(blobs, batchSize: 20, shuffle: true, seed: 5),
                            validation: DataLoader(held, batchSize: 30), epochs: 2)
        try tb.writer.close()
        return (tb, trainer)
    }

    /// 3 steps an epoch, 2 epochs: a version record, 2 scalars a step, 4 metrics and 4
    /// weight and 4 gradient histograms an epoch, each framed with valid CRCs.
    func testEventFileFraming() throws {
        let dir = tempDir()
        let (tb, _) = try train(into: dir)
        XCTAssertTrue(tb.writer.url.lastPathComponent.hasPrefix("events.out.tfevents."))
        let r = try records(tb.writer.url)
        XCTAssertEqual(r.count, 1 + 2 * 3 * 2 + 2 * (4 + 4 + 4))
        XCTAssertTrue(r[0].contains(subsequence: Array("brain.Event:2".utf8)))
        XCTAssertThrowsError(try tb.writer.addScalar("late", 1, step: 9))
    }

    /// TensorBoard's own reader sees the tags and steps (needs the tensorboard package:
    /// skipped without it).
    func testTensorBoardReadsTheEvents() throws {
        let python = try PythonSupport.interpreter(importing: ["tensorboard"])
        let dir = tempDir()
        _ = try train(into: dir)
        let script = """
            import json, sys
            from tensorboard.backend.event_processing import event_accumulator as ea
            acc = ea.EventAccumulator(sys.argv[1], size_guidance={ea.SCALARS: 0, ea.HISTOGRAMS: 0})
            acc.Reload()
            tags = acc.Tags()
            out = {t: [e.step for e in acc.Scalars(t)] for t in tags["scalars"]}
            out.update({t: [e.step for e in acc.Histograms(t)] for t in tags["histograms"]})
            out["loss_values"] = [e.value for e in acc.Scalars("step/train_loss")]
            out["histogram_counts"] = [e.histogram_value.num for e in acc.Histograms("weights/layers.0.weight")]
            print(json.dumps(out))
            """
        let r = try PythonSupport.run(python, ["-c", script, dir.path])
        XCTAssertEqual(r.status, 0, r.output)
        let json = try XCTUnwrap(r.output.split(separator: "\n").last)
        let tags = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: [Double]], r.output)
        XCTAssertEqual(tags["step/train_loss"], [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(tags["step/learning_rate"], [1, 2, 3, 4, 5, 6])
        for t in ["epoch/train_loss", "epoch/train_accuracy", "epoch/validation_loss", "epoch/validation_accuracy",
                  "weights/layers.0.weight", "gradients/layers.2.bias"] {
            XCTAssertEqual(tags[t], [1, 2], t)
        }
        XCTAssertEqual(tags["histogram_counts"], [16, 16])
        XCTAssertTrue(tags["loss_values"]!.allSatisfy { $0 > 0 && $0 < 10 }, "\(tags["loss_values"]!)")
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence s: [UInt8]) -> Bool {
        guard s.count <= count else { return false }
        return (0...(count - s.count)).contains { Array(self[$0..<($0 + s.count)]) == s }
    }
}
