import EndToEnd
import EndToEndData
import EndToEndNN
import Foundation

/// The training loop of `bench_train.py`, shared by the mlp and cnn workloads: every epoch
/// draws a fresh permutation, runs every batch (the last partial one included) through
/// forward, cross-entropy, backward and the optimizer, and is timed as a whole, batch
/// gathering included; test accuracy is measured afterwards, outside the timing.
struct ImageClassification {
    let name: String
    let model: Module
    let optimizer: Optimizer
    let batchSize: Int

    struct Epoch {
        let seconds: Double
        let samplesPerSecond: Double
        let loss: Float
        let testAccuracy: Double
    }

    /// Runs `epochs` epochs on Fashion-MNIST from `directory`, printing one line per epoch.
    func run(epochs: Int, seed: UInt64, directory: URL) throws -> [Epoch] {
        let data = try FashionMNIST.load(directory: directory)
        let (xtr, ytr) = data.train
        let n = xtr.shape[0]
        var rng = RandomGenerator(seed: seed &+ 1)
        var results: [Epoch] = []
        for ep in 1...epochs {
            let t0 = BenchSupport.now()
            let perm = rng.permutation(n)
            var lastLoss: Float = 0
            for start in stride(from: 0, to: n, by: batchSize) {
                let rows = Array(perm[start..<min(start + batchSize, n)])
                let x = xtr.indexSelect(axis: 0, IntTensor(rows))
                let y = ytr.gathering(rows: rows)
                let loss = Loss.crossEntropy(model(x), y)
                optimizer.zeroGrad()
                loss.backward()
                optimizer.step()
                lastLoss = loss.item
            }
            let dt = BenchSupport.now() - t0
            let acc = testAccuracy(data.test.images, data.test.labels)
            let e = Epoch(seconds: dt, samplesPerSecond: Double(n) / dt, loss: lastLoss, testAccuracy: acc)
            RunSupport.out("\(name) epoch=\(ep) time_s=\(String(format: "%.3f", dt)) samples_per_s=\(String(format: "%.1f", e.samplesPerSecond)) loss=\(String(format: "%.4f", lastLoss)) test_acc=\(String(format: "%.4f", acc))")
            results.append(e)
        }
        return results
    }

    /// Accuracy on the test split, in chunks of 1000 without recording a graph.
    func testAccuracy(_ x: Tensor, _ y: IntTensor) -> Double {
        model.eval()
        defer { model.train() }
        var correct = 0
        let n = x.shape[0]
        withNoGrad {
            for start in stride(from: 0, to: n, by: 1000) {
                let end = min(start + 1000, n)
                let predicted = model(x[start..<end]).argmax(axis: 1).scalars
                for (i, p) in predicted.enumerated() where p == y.scalars[start + i] { correct += 1 }
            }
        }
        return Double(correct) / Double(n)
    }

    /// The JSON fields for a finished run.
    static func fields(_ epochs: [Epoch], seed: UInt64) -> [(String, BenchSupport.Value)] {
        [("seed", .integer(Int(seed))), ("epochs", .integer(epochs.count)),
         ("samples_per_s", .number(BenchSupport.rounded(epochs[0].samplesPerSecond, 1))),
         ("samples_per_s_by_epoch", .numbers(epochs.map { BenchSupport.rounded($0.samplesPerSecond, 1) })),
         ("test_acc", .number(epochs.last!.testAccuracy)),
         ("test_acc_by_epoch", .numbers(epochs.map(\.testAccuracy))),
         ("loss", .number(BenchSupport.rounded(Double(epochs.last!.loss), 4)))]
    }
}
