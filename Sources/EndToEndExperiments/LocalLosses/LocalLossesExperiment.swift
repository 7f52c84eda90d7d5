import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndStrategies
import EndToEndTraining
import Foundation

/// After Nøkland and Eidnes 2019, "Training Neural Networks with Local Error Signals": an MLP on
/// Fashion-MNIST trained with the global loss versus with per-layer local losses (a linear
/// classifier head on each hidden layer, the gradient stopped between layers), all layers at once
/// or greedily one after another.
public struct LocalLossesExperiment: Experiment {
    public var name: String { "local-losses" }
    public var isResumable: Bool { true }
    public var paperBudget: String? { "100 epochs per strategy (the paper's Table 2 runs; without its batch norm, dropout and augmentation)" }
    public var summary: String {
        "Fashion-MNIST MLP: the global loss versus per-layer local losses with the gradient stopped between layers (after Nøkland & Eidnes 2019)."
    }

    /// Hidden layer widths; nil uses 3 × 1024 as in the paper (quick: 3 × 256).
    public var hidden: [Int]?
    /// Epochs per strategy; nil uses 5 (quick: 1).
    public var epochs: Int?
    /// Training examples; nil uses all 60,000.
    public var trainCount: Int?
    /// The Fashion-MNIST folder.
    public var directory = FashionMNIST.defaultDirectory
    /// Other data in place of Fashion-MNIST (flat inputs, 10 classes), e.g. for tests.
    public var data: (train: TrainingData, test: TrainingData)?
    public var batchSize = 128

    public init(hidden: [Int]? = nil, epochs: Int? = nil, trainCount: Int? = nil) {
        self.hidden = hidden
        self.epochs = epochs
        self.trainCount = trainCount
    }

    public func run(_ context: ExperimentContext) throws -> ExperimentResult {
        let q = context.quick
        let widths = hidden ?? (q ? [256, 256, 256] : [1024, 1024, 1024])
        let epochs = self.epochs ?? (context.budget == .paper ? 100 : q ? 1 : 5)
        let (train, test) = try data ?? TrainingData.fashionMNIST(directory: directory, trainCount: trainCount ?? 60_000)
        let inputs = train.batch(at: [0]).inputs.count
        let stepsPerEpoch = train.count / batchSize
        let steps = epochs * stepsPerEpoch
        var setup = StrategySetup(
            makeModel: { BlockMLP.make(inputs: inputs, hidden: widths, classes: 10, seed: $0) },
            task: Task(objective: .crossEntropy), train: train, test: test, batchSize: batchSize, steps: steps,
            evaluateEvery: max(1, stepsPerEpoch / (q ? 2 : 1)),
            makeOptimizer: { Adam($0, learningRate: 1e-3) }, seed: context.seed(1),
            diagnostics: DiagnosticsOptions(gradientNormEvery: max(1, stepsPerEpoch / 10), snrExamples: 0),
            log: { context.log($0) })
        let strategies: [any Strategy] = [
            EndToEndStrategy(name: "global loss (end-to-end)"),
            LocalLossStrategy(name: "local losses (pred)", mode: .simultaneous),
            LocalLossStrategy(name: "greedy layer-wise", mode: .greedy),
        ]
        setup.checkpointing = context.strategyCheckpointing("all")
        var rows: [ResultRow] = [], curves: [Curve] = []
        let paper = ["global loss (end-to-end)": 8.37, "local losses (pred)": 8.60]
        // The strategies, spread over the ranks of an MPI job (results in this order).
        let results = try context.spread(strategies.count) { [setup] i -> StrategyResult in try setup.run(strategies[i]) }
        for r in results {
            let points = r.curve.filter { $0.split == "test" }.compactMap { rec in
                rec.values["test_accuracy"].map { Curve.Point(step: rec.step, wallSeconds: rec.wallSeconds, value: $0) }
            }
            curves.append(Curve(label: r.strategy, metric: "test_accuracy", points: points))
            rows.append(ResultRow(
                strategy: r.strategy, testAccuracy: r.testAccuracy ?? .nan, steps: r.steps, wallSeconds: r.wallSeconds,
                parameters: [("epochs", .int(epochs))],
                metrics: [("test_error_percent", .double(100 * (1 - (r.testAccuracy ?? .nan)))),
                          ("paper_test_error_percent", paper[r.strategy].map { .double($0) } ?? .null),
                          ("parameters", .int(r.parameterCount))]))
        }
        let setupText = """
            - Data: \(data == nil ? "Fashion-MNIST" : "custom data"), \(train.count) training and \(test.count) test images, pixels scaled to [0, 1], \
            no augmentation.
            - Model: MLP \(inputs) → \(widths.map(String.init).joined(separator: " → ")) → 10 with ReLU (``BlockMLP``: each \
            hidden layer is a node), PyTorch default initialization, no batch norm or dropout.
            - Global loss: cross-entropy at the output, backpropagated through every layer.
            - Local losses ("pred" in the paper): each hidden layer has a linear head 〈layer width〉 → 10 trained with \
            cross-entropy; the layer's input is detached, so each layer learns only from its own head; the output \
            layer learns from the task loss on its detached input. All layers train at once.
            - Greedy layer-wise: the same heads, but layers trained one after another (\(steps / (widths.count + 1)) \
            steps each), earlier layers frozen.
            - Adam lr 1e-3, batch \(batchSize), \(epochs) epoch(s) = \(steps) steps per strategy, same data order for \
            all strategies. Test accuracy every \(setup.evaluateEvery) steps.
            - Paper (Nøkland & Eidnes 2019, Table 2, MLP 3×1024 with batch norm, dropout, augmentation, 100 epochs): \
            test error 8.37 % (global), 8.60 % (local pred), 8.54 % (predsim; not implemented here).
            """
        return ExperimentResult(
            rows: rows, curves: curves,
            styles: ["test_accuracy": MetricStyle(label: "test accuracy", range: 0.7...0.95)], setup: setupText)
    }
}
