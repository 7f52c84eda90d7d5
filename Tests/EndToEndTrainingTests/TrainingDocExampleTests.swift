import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndTraining
import XCTest

/// The example of docs/training.md, verbatim but for its last line.
final class TrainingDocExampleTests: XCTestCase {
    func testTheDocumentedTwoStageRun() throws {
        // y = x₀ − 2x₁ on 256 random points.
        let xs = Tensor.randn([256, 2], seed: 0)
        let ys = xs.sliced(axis: 1, 0..<1) - xs.sliced(axis: 1, 1..<2) * 2
        let model = Sequential(Linear(2, 16), ReLU(), Linear(16, 1))
        let testMSE = { withNoGrad { Double(Loss.mse(model(xs), ys).item) } }
        let data = SampledBatches(count: xs.shape[0], batchSize: 32, seed: 0) { idx in
            let i = IntTensor(idx.map { Int32($0) })
            return Batch(inputs: xs.indexSelect(axis: 0, i), targets: ys.indexSelect(axis: 0, i), indices: idx)
        }
        let warmUp = TrainingStage(
            name: "warm-up", optimizer: SGD(model.parameters(), learningRate: 0.01), batches: data, steps: 200,
            evaluation: EvaluationSchedule(every: 50, atStart: .always, atEnd: true) { [("test", ["mse": testMSE()])] },
            forward: { b in StepOutput(loss: Loss.mse(model(b.inputs), b.targets!)) })
        let run = TrainingRun(stages: [
            { warmUp },
            {   // built when the run reaches it: freeze the first layer, then train the rest with Adam
                model.layers[0].freeze()
                return TrainingStage(name: "head", optimizer: Adam(model.layers[2].parameters(), learningRate: 1e-3),
                                     batches: data, steps: 500, accumulation: 4,
                                     forward: { b in StepOutput(loss: Loss.mse(model(b.inputs), b.targets!)) })
            },
        ])
        let summary = try run.run()
        XCTAssertEqual(summary.totalSteps, 700)
        XCTAssertEqual(summary.stages.map(\.name), ["warm-up", "head"])
        XCTAssertLessThan(testMSE(), summary.history.first!.values["mse"]!)
    }
}
