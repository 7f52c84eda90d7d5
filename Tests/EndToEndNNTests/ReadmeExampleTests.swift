import EndToEnd
import Foundation
import XCTest
import EndToEndNN

/// The training loop shown in README.md, kept compiling and learning.
final class ReadmeExampleTests: XCTestCase {
    func testReadmeTrainingLoop() throws {
        Random.seed(0)
        let model = Sequential(Linear(784, 512), ReLU(), Linear(512, 256), ReLU(), Linear(256, 10))
        let optimizer = SGD(model.parameters(), learningRate: 0.05, momentum: 0.9)
        let images = Tensor.rand([128, 784]), labels = IntTensor((0..<128).map { $0 % 10 })
        var losses: [Float] = []
        for _ in 0..<10 {
            let loss = Loss.crossEntropy(model(images), labels)
            optimizer.zeroGrad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item)
        }
        XCTAssertLessThan(losses.last!, losses.first!, "the loss goes down")
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("readme-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.save(to: url)
        let copy = Sequential(Linear(784, 512), ReLU(), Linear(512, 256), ReLU(), Linear(256, 10))
        try copy.load(from: url)
        XCTAssertEqual(copy(images).scalars, model(images).scalars)
    }
}
