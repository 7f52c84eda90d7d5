import EndToEnd
import EndToEndNN

/// `bench_tiny.py`: a 784-32-10 MLP on one fixed batch of 16, SGD momentum 0.9 lr 0.01.
/// The arithmetic is a few hundred thousand multiply-adds, so the step time is almost all
/// framework overhead: graph recording, allocation, dispatch.
enum TinyWorkload {
    struct Result {
        let microsecondsPerStep: Double
        let stepsPerSecond: Double
    }

    static func run(steps: Int, warmup: Int = 200) -> Result {
        Random.seed(0)
        let model = Sequential(Linear(784, 32), ReLU(), Linear(32, 10))
        let optimizer = SGD(model.parameters(), learningRate: 0.01, momentum: 0.9)
        let x = Tensor.randn([16, 784])
        var rng = RandomGenerator(seed: 1)
        let y = IntTensor((0..<16).map { _ in rng.nextInt(below: 10) })
        func step() {
            let loss = Loss.crossEntropy(model(x), y)
            optimizer.zeroGrad()
            loss.backward()
            optimizer.step()
        }
        for _ in 0..<warmup { step() }
        let t0 = BenchSupport.now()
        for _ in 0..<steps { step() }
        let dt = BenchSupport.now() - t0
        return Result(microsecondsPerStep: 1e6 * dt / Double(steps), stepsPerSecond: Double(steps) / dt)
    }
}
