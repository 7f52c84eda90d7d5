import ArgumentParser
import EndToEnd
import Foundation

/// `e2e demo`: a small network trained end to end with the raw tensor API on generated data.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Train a 2-64-64-3 network on generated three-arm spirals with plain tensors and SGD.",
        discussion: "Uses only the tensor engine and autodiff: no modules or optimizers. Ends with a JSON summary."
    )

    @Option(help: "Training steps (full batch).") var steps: Int = 1500
    @Option(help: "Learning rate.") var lr: Float = 0.5
    @Option(help: "Points per spiral arm.") var points: Int = 200
    @Option(help: "Random seed for the data and the initial weights.") var seed: UInt64 = 0
    @OptionGroup var threads: ThreadOptions

    func validate() throws {
        guard steps > 0 else { throw ValidationError("--steps must be positive, got \(steps)") }
        guard points > 1 else { throw ValidationError("--points must be at least 2, got \(points)") }
        guard lr > 0 && lr.isFinite else { throw ValidationError("--lr must be a positive number, got \(lr)") }
    }

    /// Three interleaved spiral arms with a little noise: not linearly separable.
    static func spirals(points: Int, seed: UInt64) -> (x: Tensor, oneHot: Tensor, labels: [Int]) {
        var rng = RandomGenerator(seed: seed)
        var xs: [Float] = [], hot: [Float] = [], labels: [Int] = []
        for arm in 0..<3 {
            for i in 0..<points {
                let r = Float(i) / Float(points)
                let t = Float(arm) * 4 + 4 * r + 0.2 * rng.nextNormal()
                xs += [r * Foundation.sin(t), r * Foundation.cos(t)]
                hot += (0..<3).map { $0 == arm ? 1 : 0 }
                labels.append(arm)
            }
        }
        let n = 3 * points
        return (Tensor(shape: [n, 2], scalars: xs), Tensor(shape: [n, 3], scalars: hot), labels)
    }

    func run() throws {
        try threads.apply()
        let start = Date()
        let data = Self.spirals(points: points, seed: seed)
        var rng = RandomGenerator(seed: seed &+ 1)
        func layer(_ i: Int, _ o: Int) -> (Tensor, Tensor) {
            let bound = 1 / Float(i).squareRoot()  // PyTorch's nn.Linear default range
            return (Tensor.uniform([i, o], low: -bound, high: bound, using: &rng).requiringGrad(),
                    Tensor.uniform([o], low: -bound, high: bound, using: &rng).requiringGrad())
        }
        var params = [layer(2, 64), layer(64, 64), layer(64, 3)].flatMap { [$0.0, $0.1] }
        func forward(_ x: Tensor) -> Tensor {
            let h1 = (x.matmul(params[0]) + params[1]).relu()
            let h2 = (h1.matmul(params[2]) + params[3]).relu()
            return h2.matmul(params[4]) + params[5]
        }
        var loss: Float = .nan
        for step in 1...steps {
            let logits = forward(data.x)
            let l = -(logits.logSoftmax(axis: 1) * data.oneHot).sum(axis: 1).mean()
            for p in params { p.zeroGrad() }
            l.backward()
            withNoGrad {
                for i in params.indices { params[i].assign(params[i] - params[i].grad! * lr) }
            }
            loss = l.item
            if step == 1 || step % max(1, steps / 10) == 0 {
                print("step \(step)/\(steps)  loss \(String(format: "%.4f", loss))")
            }
        }
        let predictions = withNoGrad { forward(data.x) }.argmax(axis: 1).scalars
        let correct = zip(predictions, data.labels).filter { Int($0) == $1 }.count
        let accuracy = Double(correct) / Double(data.labels.count)
        let wall = Date().timeIntervalSince(start)
        print("train accuracy \(String(format: "%.4f", accuracy)) after \(steps) steps")
        print("{\"train_accuracy\": \(String(format: "%.4f", accuracy)), \"loss\": \(String(format: "%.4f", loss)), \"steps\": \(steps), \"wall_seconds\": \(String(format: "%.2f", wall))}")
    }
}
