import XCTest
import Foundation
import EndToEnd
import EndToEndNN
import EndToEndData
@testable import EndToEndTraining

final class PredictorTests: XCTestCase {
    func tempDir() -> URL {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("predictor-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: u) }
        return u
    }

    let spirals = try! TrainingConfig.parse("""
        data: {name: spirals, points: 50}
        model: {architecture: mlp, hidden: [8], out: 2}
        optimizer: {type: sgd, lr: 0.1}
        """, fileName: "spirals.yaml")

    /// A small fashion-mnist model (the data are not loaded to build it).
    let fashion = try! TrainingConfig.parse("""
        data: {name: fashion-mnist}
        model: {layers: [{type: linear, out: 10}]}
        optimizer: {type: sgd, lr: 0.1}
        """, fileName: "fashion.yaml")

    /// A uint8 `.npy` file (NPY.write writes only float32).
    func writeUInt8NPY(_ values: [UInt8], shape: [Int], to url: URL) throws {
        var header = "{'descr': '|u1', 'fortran_order': False, 'shape': (\(shape.map(String.init).joined(separator: ", ")),), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        let hl = header.utf8.count
        try Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(hl & 0xFF), UInt8(hl >> 8)] + Array(header.utf8) + values).write(to: url)
    }

    func assertClose(_ a: [Float], _ b: [Float], tolerance: Float = 1e-6, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, line: line)
        for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: tolerance, line: line) }
    }

    func testRoundTripThroughCheckpointAndNPYMatchesForward() throws {
        let dir = tempDir()
        Random.seed(3)
        let model = try spirals.buildModel()
        let ckpt = dir.appendingPathComponent("last.safetensors")
        try Checkpoint.save(model: model, optimizer: SGD(model.parameters(), learningRate: 0.1), to: ckpt)
        Random.seed(7)
        let x = Initializer.uniform([7, 2], bound: 1)
        let npy = dir.appendingPathComponent("x.npy")
        try NPY.write(x, to: npy)

        Random.seed(99)  // the predictor's fresh model starts from other weights
        let predictor = try Predictor(config: spirals, checkpoint: ckpt)
        let read = try PredictionInput.read(npy, expectedShape: predictor.inputShape, scaleBytes: false)
        let p = try predictor.predict(read, batchSize: 3)  // batches of 3, 3, 1

        model.eval()
        let expected = withNoGrad { model(x) }
        XCTAssertEqual(p.count, 7)
        XCTAssertEqual(p.task, .classification)
        assertClose(p.outputs.scalars, expected.scalars)
        assertClose(try XCTUnwrap(p.probabilities).scalars, expected.softmax(axis: -1).scalars)
        XCTAssertEqual(p.classes, expected.argmax(axis: 1).scalars.map { Int($0) })

        // A plain model file loads too.
        let plain = dir.appendingPathComponent("model.safetensors")
        try model.save(to: plain)
        assertClose(try Predictor(config: spirals, checkpoint: plain).predict(x).outputs.scalars, expected.scalars)
    }

    func testWrittenCSVAndJSONLinesMatchPredictions() throws {
        let dir = tempDir()
        Random.seed(4)
        let model = try spirals.buildModel()
        let p = try Predictor(model: model, task: .classification, inputShape: [2]).predict(Initializer.uniform([4, 2], bound: 1))
        let csvURL = dir.appendingPathComponent("p.csv")
        try PredictionWriter.write(p, format: .csv, to: csvURL)
        let table = try CSVTable.read(csvURL)
        XCTAssertEqual(table.columnNames, ["index", "class", "prob_0", "prob_1"])
        XCTAssertEqual(table.rows.map { Int($0[1])! }, p.classes)
        XCTAssertEqual(table.rows.flatMap { $0[2...].map { Float($0)! } }, p.probabilities!.scalars)

        let jsonURL = dir.appendingPathComponent("p.jsonl")
        XCTAssertEqual(PredictionFormat.infer(from: jsonURL), .jsonl)
        try PredictionWriter.write(p, format: .jsonl, to: jsonURL, classNames: ["inner", "outer"])
        let lines = try String(contentsOf: jsonURL, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 4)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        XCTAssertEqual(first["class"] as? Int, p.classes![0])
        XCTAssertEqual(first["class_name"] as? String, ["inner", "outer"][p.classes![0]])
        XCTAssertEqual((first["probabilities"] as? [Double])?.map { Float($0) }, Array(p.probabilities!.scalars[0..<2]))
        // Only the two finished files: no temporary file is left behind.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["p.csv", "p.jsonl"])
    }

    func testRegressionWritesRawOutputs() throws {
        let config = try TrainingConfig.parse("""
            data: {name: npy, inputs: x.npy, labels: y.npy, features: 3}
            model: {layers: [{type: linear, out: 2}]}
            loss: mse
            optimizer: {type: sgd, lr: 0.1}
            """, fileName: "reg.yaml")
        Random.seed(5)
        let model = try config.buildModel()
        XCTAssertEqual(Predictor.inputShape(of: config), [3])
        let x = Initializer.uniform([2, 3], bound: 1)
        let p = try Predictor(model: model, task: .regression, inputShape: [3]).predict(x)
        XCTAssertNil(p.probabilities)
        XCTAssertNil(p.classes)
        assertClose(p.outputs.scalars, withNoGrad { model(x) }.scalars)
        let text = PredictionWriter.render(p, format: .csv)
        XCTAssertTrue(text.hasPrefix("index,output_0,output_1\n0,\(p.outputs.scalars[0]),"), text)
    }

    func testFlattenedAndUInt8InputsAreReshapedAndScaled() throws {
        let dir = tempDir()
        let bytes = (0..<(2 * 784)).map { UInt8($0 % 256) }
        let npy = dir.appendingPathComponent("images.npy")
        try writeUInt8NPY(bytes, shape: [2, 784], to: npy)
        let x = try PredictionInput.read(npy, expectedShape: [1, 28, 28], scaleBytes: true)
        XCTAssertEqual(x.shape, [2, 1, 28, 28])
        XCTAssertEqual(x.scalars, bytes.map { Float($0) / 255 })
        // Unscaled when the training data were not bytes.
        XCTAssertEqual(try PredictionInput.read(npy, expectedShape: [784], scaleBytes: false).scalars, bytes.map { Float($0) })

        // IDX images [N, 28, 28], as Fashion-MNIST's files hold them.
        let idx = dir.appendingPathComponent("t10k-images-idx3-ubyte")
        try Data([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28] + bytes).write(to: idx)
        let images = try PredictionInput.read(idx, expectedShape: [1, 28, 28], scaleBytes: true)
        XCTAssertEqual(images.shape, [2, 1, 28, 28])
        XCTAssertEqual(images.scalars, x.scalars)

        Random.seed(6)
        let p = try Predictor(model: try fashion.buildModel(), task: .classification, inputShape: [1, 28, 28]).predict(images)
        XCTAssertEqual(p.outputs.shape, [2, 10])
    }

    func testCSVDropsTheLabelColumnAndRejectsText() throws {
        let dir = tempDir()
        let good = dir.appendingPathComponent("rows.csv")
        try "a,label,b\n1,0,2\n3,1,4.5\n".write(to: good, atomically: true, encoding: .utf8)
        let x = try PredictionInput.read(good, expectedShape: [2], scaleBytes: false, dropColumns: ["label"])
        XCTAssertEqual(x.shape, [2, 2])
        XCTAssertEqual(x.scalars, [1, 2, 3, 4.5])

        let bad = dir.appendingPathComponent("bad.csv")
        try "a,b\n1,2\n3,oops\n".write(to: bad, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PredictionInput.read(bad, expectedShape: [2], scaleBytes: false)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("bad.csv") && text.contains("line 3, column 2") && text.contains("oops"), text)
        }
    }

    func testShapeMismatchNamesFileAndShapes() throws {
        let dir = tempDir()
        let npy = dir.appendingPathComponent("wrong.npy")
        try NPY.write(Tensor.zeros([3, 5]), to: npy)
        XCTAssertThrowsError(try PredictionInput.read(npy, expectedShape: [1, 28, 28], scaleBytes: true)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(npy.path), text)
            XCTAssertTrue(text.contains("[3, 5]") && text.contains("[N, 1, 28, 28]") && text.contains("[N, 784]"), text)
        }
        XCTAssertThrowsError(try PredictionInput.conform(Tensor.zeros([0, 2]), to: [2], file: "empty.npy")) { error in
            XCTAssertTrue("\(error)".contains("empty.npy"))
        }
        // The predictor checks too, before the model sees the tensor.
        Random.seed(1)
        let predictor = Predictor(model: try spirals.buildModel(), task: .classification, inputShape: [2])
        XCTAssertThrowsError(try predictor.predict(Tensor.zeros([4, 3])))
        // Per-step class scores are not one class per example.
        let perStep = Predictor(model: Sequential(Linear(2, 3)), task: .classification, inputShape: [4, 2])
        XCTAssertThrowsError(try perStep.predict(Tensor.zeros([1, 4, 2]))) { error in
            XCTAssertTrue("\(error)".contains("[1, 4, 3]"), "\(error)")
        }
    }

    func testMalformedFilesAndUnknownFormats() throws {
        let dir = tempDir()
        let junk = dir.appendingPathComponent("junk.npy")
        try Data("not a numpy file".utf8).write(to: junk)
        XCTAssertThrowsError(try PredictionInput.read(junk, expectedShape: [2], scaleBytes: false)) { error in
            XCTAssertTrue("\(error)".contains("junk.npy"), "\(error)")
        }
        let other = dir.appendingPathComponent("data.bin")
        try Data([1, 2, 3]).write(to: other)
        XCTAssertThrowsError(try PredictionInput.read(other, expectedShape: [2], scaleBytes: false)) { error in
            XCTAssertTrue("\(error)".contains("data.bin") && "\(error)".contains("format"), "\(error)")
        }
        XCTAssertEqual(PredictionInputFormat.infer(from: URL(fileURLWithPath: "t10k-images-idx3-ubyte.gz")), .idx)
        XCTAssertThrowsError(try Predictor(config: spirals, checkpoint: dir.appendingPathComponent("missing.safetensors"))) { error in
            XCTAssertTrue("\(error)".contains("missing.safetensors"), "\(error)")
        }
        // Weights of another architecture.
        Random.seed(2)
        let other8 = try fashion.buildModel()
        let wrong = dir.appendingPathComponent("fashion.safetensors")
        try other8.save(to: wrong)
        XCTAssertThrowsError(try Predictor(config: spirals, checkpoint: wrong)) { error in
            XCTAssertTrue("\(error)".contains("fashion.safetensors"), "\(error)")
        }
    }

    func testCheckpointLocatorPrefersNewestRunAndBest() throws {
        let dir = tempDir()
        let fm = FileManager.default
        func touch(_ path: String) throws {
            let u = dir.appendingPathComponent(path)
            try fm.createDirectory(at: u.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data().write(to: u)
        }
        let report = dir.appendingPathComponent("run")
        XCTAssertThrowsError(try CheckpointLocator.find(reportDirectory: report)) { error in
            XCTAssertTrue("\(error)".contains("--checkpoint"), "\(error)")
        }
        try touch("run-20240101-000000/checkpoints/best.safetensors")
        try touch("run-20250101-000000/checkpoints/last.safetensors")
        try touch("run-20250101-000000/checkpoints/best.safetensors")
        try touch("runner-20990101-000000/checkpoints/best.safetensors")  // another run's name
        XCTAssertEqual(try CheckpointLocator.find(reportDirectory: report).path,
                       dir.appendingPathComponent("run-20250101-000000/checkpoints/best.safetensors").path)
        try touch("run/checkpoints/last.safetensors")  // an explicit output.directory wins
        XCTAssertEqual(try CheckpointLocator.find(reportDirectory: report).lastPathComponent, "last.safetensors")
    }
}
