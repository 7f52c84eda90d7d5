import EndToEnd
import EndToEndData
import EndToEndNN
@testable import EndToEndTraining
import Foundation
import XCTest

final class TrainingRunTests: XCTestCase {
    /// y = 2x₀ − x₁ + 0.5 on 64 fixed examples.
    static func data() -> (x: Tensor, y: Tensor) {
        var rng = RandomGenerator(seed: 1)
        let xs = (0..<128).map { _ in rng.nextNormal() }
        let ys: [Float] = (0..<64).map { (i: Int) -> Float in
            let a: Float = 2 * xs[2 * i], b: Float = xs[2 * i + 1]
            return a - b + 0.5
        }
        return (Tensor(shape: [64, 2], scalars: xs), Tensor(shape: [64, 1], scalars: ys))
    }

    static func collate(_ idx: [Int]) -> Batch {
        let (x, y) = data()
        let i = IntTensor(idx.map { Int32($0) })
        return Batch(inputs: x.indexSelect(axis: 0, i), targets: y.indexSelect(axis: 0, i), indices: idx)
    }

    func makeModel() -> Sequential {
        Random.seed(3)
        return Sequential(Linear(2, 4), Tanh(), Linear(4, 1))
    }

    func stage(_ model: Module, name: String = "s", steps: Int, batches: BatchStream, every: Int? = nil,
               accumulation: Int = 1, evaluate: @escaping () -> [(split: String, values: [String: Double])] = { [] }) -> TrainingStage {
        TrainingStage(name: name, optimizer: Adam(model.parameters(), learningRate: 0.01), batches: batches, steps: steps,
                      evaluation: EvaluationSchedule(every: every, atStart: .unlessJustEvaluated, atEnd: true, evaluate: evaluate),
                      accumulation: accumulation,
                      forward: { b in StepOutput(loss: Loss.mse(model(b.inputs), b.targets!)) })
    }

    func weights(_ m: Module) -> [Float] { m.parameters().flatMap { $0.value.scalars } }

    func testStagesRunInOrderWithOneBatchOrderAndEvaluateOnSchedule() throws {
        let model = makeModel()
        let batches = SampledBatches(count: 64, batchSize: 8, seed: 5, collate: Self.collate)
        var evaluations = 0
        let eval = { () -> [(split: String, values: [String: Double])] in evaluations += 1; return [("test", ["n": Double(evaluations)])] }
        let run = TrainingRun(stages: [stage(model, name: "a", steps: 10, batches: batches, every: 4, evaluate: eval),
                                       stage(model, name: "b", steps: 6, batches: batches, every: 4, evaluate: eval)])
        run.intervalLossKey = "train_loss"
        let summary = try run.run()
        XCTAssertEqual(summary.totalSteps, 16)
        XCTAssertEqual(summary.samples, 128)
        XCTAssertEqual(summary.stages.map(\.name), ["a", "b"])
        XCTAssertEqual(summary.stages.map(\.steps), [10, 6])
        // Start, 4, 8, end of a (10), then b at 12, 16 (its end); b's start is a's end.
        XCTAssertEqual(summary.history.filter { $0.split == "test" }.map(\.step), [0, 4, 8, 10, 12, 16])
        XCTAssertEqual(summary.history.filter { $0.split == "train" }.map(\.step), [4, 8, 10, 12, 16])
        XCTAssertEqual(summary.trainedParameterCount, 17)

        // Both stages read one stream: 16 consecutive batches of its order.
        var seen: [[Int]] = []
        let recorded = SampledBatches(count: 64, batchSize: 8, seed: 5) { seen.append($0); return Self.collate($0) }
        try TrainingRun(stages: [stage(model, name: "a", steps: 10, batches: recorded), stage(model, name: "b", steps: 6, batches: recorded)]).run()
        let order = SampledBatches(count: 64, batchSize: 8, seed: 5, collate: Self.collate)
        XCTAssertEqual(seen, (0..<16).map { _ in order.nextIndices() })
    }

    func testAccumulatingTwoHalfBatchesEqualsOneFullBatchStep() throws {
        // Mean-squared error is a mean, so the half-batch losses scaled by 1/2 sum to the full one.
        let full = makeModel(), halves = makeModel()
        let fullBatches = SampledBatches(count: 64, batchSize: 16, seed: 2, collate: Self.collate)
        let order = SampledBatches(count: 64, batchSize: 16, seed: 2, collate: Self.collate)
        var pending: [[Int]] = []
        let halfBatches = GeneratedBatches {
            if pending.isEmpty { let i = order.nextIndices(); pending = [Array(i[0..<8]), Array(i[8..<16])] }
            return Self.collate(pending.removeFirst())
        }
        try TrainingRun(stages: [stage(full, steps: 5, batches: fullBatches)]).run()
        let s = try TrainingRun(stages: [stage(halves, steps: 5, batches: halfBatches, accumulation: 2)]).run()
        XCTAssertEqual(s.samples, 80)
        for (a, b) in zip(weights(full), weights(halves)) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }

    final class RecordingHook: GradientHook {
        var calls = 0
        var scale: Float = 1
        func gradientsReady(_ parameters: [Parameter], run: TrainingRun) throws {
            calls += 1
            for p in parameters { if let g = p.grad { p.grad = g * scale } }
        }
    }

    func testGradientHookRunsBetweenBackwardAndTheOptimizerStep() throws {
        let model = makeModel()
        let before = weights(model)
        let hook = RecordingHook()
        hook.scale = 0  // zeroed gradients: SGD leaves the weights as they were
        let run = TrainingRun(stages: [TrainingStage(
            name: "s", optimizer: SGD(model.parameters(), learningRate: 0.1),
            batches: SampledBatches(count: 64, batchSize: 8, seed: 1, collate: Self.collate), steps: 3,
            forward: { b in StepOutput(loss: Loss.mse(model(b.inputs), b.targets!)) })])
        run.gradientHooks = [hook]
        try run.run()
        XCTAssertEqual(hook.calls, 3)
        XCTAssertEqual(weights(model), before)
    }

    func testStopWhenEndsOnlyItsStage() throws {
        let model = makeModel()
        let batches = SampledBatches(count: 64, batchSize: 8, seed: 5, collate: Self.collate)
        var a = stage(model, name: "a", steps: 100, batches: batches, every: 5) { [("v", ["x": 1])] }
        a.stopWhen = { $0["x"] == 1 }
        let run = TrainingRun(stages: [a, stage(model, name: "b", steps: 3, batches: batches)])
        let s = try run.run()
        // a evaluates at its start, which already meets the target: no steps; b runs.
        XCTAssertEqual(s.stages.map(\.steps), [0, 3])
        XCTAssertFalse(s.stoppedEarly)
    }

    func testEvaluationTimeIsNotTrainingTime() throws {
        let model = makeModel()
        let s = try TrainingRun(stages: [stage(model, steps: 4, batches: SampledBatches(count: 64, batchSize: 8, seed: 5, collate: Self.collate),
                                               every: 2) { Thread.sleep(forTimeInterval: 0.05); return [] }]).run()
        XCTAssertGreaterThanOrEqual(s.evaluationSeconds, 0.15)  // three evaluations of at least 50 ms each
        XCTAssertEqual(s.history.count, 0)
    }

    func testAMultiStageRunResumedFromACheckpointEndsWithTheSameWeights() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("run-ckpt-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        func build(_ model: Sequential, stopAt: Int? = nil) -> (TrainingRun, Counter) {
            let batches = SampledBatches(count: 64, batchSize: 8, seed: 9, collate: Self.collate)
            let counter = Counter()
            let stages: [() throws -> TrainingStage] = [
                { self.stage(model, name: "first", steps: 7, batches: batches, every: 3) { [("test", ["w": Double(model.parameters()[0].value.sum().item)])] } },
                {
                    // The second stage trains the last layer only, with a fresh optimizer.
                    (model.layers[0] as! Linear).freeze()
                    return TrainingStage(name: "second", optimizer: SGD(model.layers[2].parameters(), learningRate: 0.05, momentum: 0.9),
                                         batches: batches, steps: 9,
                                         forward: { b in StepOutput(loss: Loss.mse(model(b.inputs), b.targets!)) })
                },
            ]
            let run = TrainingRun(stages: stages)
            run.intervalLossKey = "train_loss"
            if let stopAt {
                counter.stopAt = stopAt
                run.observers = [counter]
            }
            return (run, counter)
        }
        let reference = makeModel()
        let full = try build(reference).0.run()

        for stopAt in [5, 7, 11] {
            let model = makeModel()
            let (run, _) = build(model, stopAt: stopAt)
            try run.run()
            XCTAssertEqual(run.position.step, stopAt)
            let url = dir.appendingPathComponent("at-\(stopAt).safetensors")
            try run.saveCheckpoint(to: url, model: model)

            // A new process: fresh model (other initial weights), fresh run, same recipe.
            Random.seed(99)
            let resumedModel = Sequential(Linear(2, 4), Tanh(), Linear(4, 1))
            let (resumed, _) = build(resumedModel)
            try resumed.resume(from: url, model: resumedModel)
            let summary = try resumed.run()
            XCTAssertEqual(weights(resumedModel), weights(reference), "resumed at step \(stopAt)")
            XCTAssertEqual(summary.totalSteps, full.totalSteps)
            XCTAssertEqual(summary.history.map(\.step), full.history.map(\.step))
            XCTAssertEqual(summary.history.map(\.values), full.history.map(\.values))
            XCTAssertEqual(summary.stages.map(\.steps), [7, 9])
        }
    }

    /// Stops the run after a given step.
    final class Counter: TrainingRunObserver {
        var stopAt = Int.max
        func stepDidEnd(_ run: TrainingRun, stage: TrainingStage, loss: Double) throws {
            if run.position.step == stopAt { run.requestInterrupt() }
        }
    }

    func testAGeneratedStreamWithoutStateCannotBeCheckpointed() throws {
        let model = makeModel()
        let run = TrainingRun(stages: [stage(model, steps: 2, batches: GeneratedBatches { Self.collate([0, 1]) })])
        let stopper = Counter()
        stopper.stopAt = 1
        run.observers = [stopper]
        try run.run()
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("nostate-\(UUID().uuidString).safetensors")
        XCTAssertThrowsError(try run.saveCheckpoint(to: url, model: model)) { error in
            XCTAssertTrue("\(error)".contains("cannot be checkpointed"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
    }
}

final class RunCallbackTests: XCTestCase {
    func testEarlyStoppingAndCheckpointsWorkOnAnyRun() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("run-cb-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        Random.seed(3)
        let model = Sequential(Linear(2, 4), Tanh(), Linear(4, 1))
        var evaluations = 0
        // The monitored value improves twice, then never again: patience 2 stops two evaluations later.
        let values = [3.0, 2.0, 1.0, 1.5, 1.2, 0.5, 0.1]
        let stage = TrainingStage(
            name: "s", optimizer: SGD(model.parameters(), learningRate: 0.01),
            batches: SampledBatches(count: 64, batchSize: 8, seed: 1, collate: TrainingRunTests.collate), steps: 100,
            evaluation: EvaluationSchedule(every: 5, atStart: .always, atEnd: true) {
                defer { evaluations += 1 }
                return [("test", ["loss": values[min(evaluations, values.count - 1)]])]
            },
            forward: { b in StepOutput(loss: Loss.mse(model(b.inputs), b.targets!)) })
        let run = TrainingRun(stages: [stage])
        let checkpoints = RunCheckpointCallback(directory: dir, model: model, monitor: "test_loss")
        run.observers = [EarlyStopping(monitor: "test_loss", patience: 2), checkpoints]
        let summary = try run.run()
        // Evaluations at 0 (3.0), 5 (2.0), 10 (1.0), 15 (1.5), 20 (1.2: patience out) and the stop.
        XCTAssertTrue(summary.stoppedEarly)
        XCTAssertEqual(summary.totalSteps, 20)
        XCTAssertEqual(checkpoints.best, 1.0)
        XCTAssertEqual(checkpoints.bestStep, 10)
        XCTAssertEqual(try Checkpoint.savedStepCount(at: checkpoints.bestURL), 10)
        XCTAssertEqual(try Checkpoint.savedStepCount(at: checkpoints.lastURL), 20)
    }
}

final class WatchdogTests: XCTestCase {
    /// log(x) of a layer's output: NaN once that output goes negative.
    final class LogOfLinear: Module {
        let linear = Linear(1, 1)
        override func forward(_ x: Tensor) -> Tensor { linear(x).log() }
    }

    func testANonFiniteLossStopsTheRunNamingTheStepTheOpAndTheModule() throws {
        Random.seed(1)
        let model = Sequential(LogOfLinear())
        (model.layers[0] as! LogOfLinear).linear.weight.assign(Tensor([[-1]]))
        let stage = TrainingStage(
            name: "s", optimizer: SGD(model.parameters(), learningRate: 0.1),
            batches: GeneratedBatches { Batch(inputs: Tensor([[1], [2]]), indices: [0, 1]) }, steps: 5, modules: [model],
            forward: { b in StepOutput(loss: model(b.inputs).mean()) })
        XCTAssertThrowsError(try TrainingRun(stages: [stage]).run()) { error in
            guard let e = error as? NonFiniteLossError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.step, 1)
            XCTAssertEqual(e.anomaly?.op, "log")
            XCTAssertEqual(e.anomaly?.phase, .forward)
            XCTAssertEqual(e.modulePath, "layers.0")
            XCTAssertTrue(e.description.contains("'log'") && e.description.contains("LogOfLinear"), e.description)
        }
    }

    func testAnomalyDetectionFindsAGradientThatIsNotFiniteWhileTheLossIs() throws {
        // sqrt(0) is 0, but its gradient is infinite.
        let p = Parameter(Tensor([0, 1]))
        let stage = TrainingStage(
            name: "s", optimizer: SGD([p], learningRate: 0.1),
            batches: GeneratedBatches { Batch(inputs: Tensor([1]), indices: [0]) }, steps: 3,
            forward: { _ in StepOutput(loss: p.value.sqrt().sum()) })
        // Without detection, step 1's loss is finite; its infinite gradient makes p non-finite,
        // so the watchdog stops step 2, at the sqrt of the poisoned parameter.
        XCTAssertThrowsError(try TrainingRun(stages: [stage]).run()) { error in
            XCTAssertEqual((error as? NonFiniteLossError)?.step, 2, "\(error)")
            XCTAssertEqual((error as? NonFiniteLossError)?.anomaly?.op, "sqrt")
        }
        let p2 = Parameter(Tensor([0, 1]))
        let checked = TrainingRun(stages: [TrainingStage(
            name: "s", optimizer: SGD([p2], learningRate: 0.1),
            batches: GeneratedBatches { Batch(inputs: Tensor([1]), indices: [0]) }, steps: 3,
            forward: { _ in StepOutput(loss: p2.value.sqrt().sum()) })])
        checked.anomalyDetection = true
        XCTAssertThrowsError(try checked.run()) { error in
            guard let e = error as? NonFiniteLossError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.step, 1)
            XCTAssertEqual(e.anomaly?.phase, .backward)
            XCTAssertEqual(e.anomaly?.op, "sqrt")
            XCTAssertEqual(e.anomaly?.kind, "inf")
        }
        XCTAssertFalse(AnomalyDetection.isEnabled, "switched off after the run")
    }
}
