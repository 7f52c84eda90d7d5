import EndToEnd
import EndToEndData
import EndToEndNN
@testable import EndToEndStrategies

/// A small composite task with the structure of parity-lines, cheap enough for unit tests:
/// each example has k = 2 items of 3 features; an item's label is whether w·x > 0 (the
/// intermediate target "item_labels"), and the example's label is the XOR of its items' labels.
enum StrategyTestSupport {
    static let w: [Float] = [1, -2, 0.5]

    static func data(count: Int, seed: UInt64) -> TrainingData {
        var rng = RandomGenerator(seed: seed)
        var xs: [Float] = [], items: [Float] = [], labels: [Int32] = []
        for _ in 0..<count {
            var parity: Int32 = 0
            for _ in 0..<2 {
                let x = (0..<3).map { _ in rng.nextNormal() }
                xs += x
                let l: Int32 = zip(x, w).map { $0 * $1 }.reduce(0, +) > 0 ? 1 : 0
                items.append(Float(l))
                parity ^= l
            }
            labels.append(parity)
        }
        let ds = try! TensorDataset(
            inputs: Tensor(shape: [count, 2, 3], scalars: xs), labels: IntTensor(shape: [count], scalars: labels),
            intermediates: ["item_labels": Tensor(shape: [count, 2], scalars: items)])
        return TrainingData(ds)
    }

    static func model(seed: UInt64) -> CompositeModel {
        Random.seed(seed)
        return try! CompositeModel([
            .init("encoder", Linear(3, 1), mapping: .perItem),
            .init("aggregator", Sequential(Sigmoid(), Flatten(), Linear(2, 16), ReLU(), Linear(16, 1))),
        ])
    }

    static let task = Task(objective: .hinge, intermediates: [
        InterfaceTarget(node: "encoder", source: .intermediate("item_labels"), objective: .hinge),
    ])

    /// A setup whose models are also kept in `built` for inspection.
    static func setup(steps: Int = 60, evaluateEvery: Int = 20, built: ModelBox? = nil, policy: BudgetPolicy = .equalSteps,
                      log: (@Sendable (String) -> Void)? = nil) -> StrategySetup {
        StrategySetup(
            makeModel: { seed in
                let m = model(seed: seed)
                built?.models.append(m)
                return m
            },
            task: task, train: data(count: 512, seed: 1), test: data(count: 256, seed: 2), batchSize: 32, steps: steps,
            policy: policy, evaluateEvery: evaluateEvery, makeOptimizer: { Adam($0, learningRate: 0.02) }, seed: 7,
            diagnostics: DiagnosticsOptions(gradientNormEvery: 10, snrExamples: 8), log: log)
    }
}

/// Collects the models a setup builds.
final class ModelBox: @unchecked Sendable {
    var models: [CompositeModel] = []
}
