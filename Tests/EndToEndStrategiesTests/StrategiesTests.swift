import EndToEnd
import EndToEndNN
import XCTest
@testable import EndToEndStrategies

final class StrategiesTests: XCTestCase {
    func testEveryStrategyStartsFromTheSameWeightsAndCountsItsBudget() throws {
        let box = ModelBox()
        let setup = StrategyTestSupport.setup(steps: 40, built: box)
        for s: any Strategy in [EndToEndStrategy(), DecompositionStrategy(), StepByStepStrategy()] {
            let r = try s.run(setup)
            XCTAssertEqual(r.steps, 40, s.name)
            XCTAssertEqual(r.samplesSeen, 40 * 32, s.name)
            XCTAssertEqual(r.parameterCount, box.models[0].parameterCount, s.name)
            XCTAssertNotNil(r.testAccuracy, s.name)
            XCTAssertNotNil(r.metrics["encoder_accuracy"], s.name)
            XCTAssertGreaterThan(r.wallSeconds, 0)
            // The first evaluation is of the untrained model: identical for all strategies.
            let first = r.curve.first { $0.split == "test" }!
            XCTAssertEqual(first.step, 0)
        }
        let firsts = Set(box.models.map { $0.namedParameters()[0].1.value.scalars })
        XCTAssertEqual(box.models.count, 3)
        XCTAssertEqual(firsts.count, 3, "models are trained, so they differ at the end")
        let fresh = StrategyTestSupport.model(seed: setup.seed)
        XCTAssertEqual(try setup.makeModel(setup.seed).namedParameters()[0].1.value.scalars,
                       fresh.namedParameters()[0].1.value.scalars, "the recipe is deterministic for a seed")
    }

    func testStepByStepFreezesEarlierModules() throws {
        let box = ModelBox()
        let snapshot = SnapshotBox()
        // Evaluating every 30 steps = once at the end of the encoder stage (30 of 60 steps).
        let setup = StrategyTestSupport.setup(steps: 60, evaluateEvery: 30, built: box, log: { line in
            if line.contains("encoder step 30/") {
                snapshot.encoder = box.models.last!.node("encoder")!.module.parameters().map(\.value.scalars)
                snapshot.aggregator = box.models.last!.node("aggregator")!.module.parameters().map(\.value.scalars)
            }
        })
        let r = try StepByStepStrategy().run(setup)
        XCTAssertEqual(r.stages.map(\.name), ["encoder", "aggregator"])
        XCTAssertEqual(r.stages.map(\.steps), [30, 30])
        let model = box.models.last!
        XCTAssertFalse(snapshot.encoder.isEmpty)
        XCTAssertEqual(model.node("encoder")!.module.parameters().map(\.value.scalars), snapshot.encoder,
                       "the encoder must not change while the aggregator trains")
        XCTAssertNotEqual(model.node("aggregator")!.module.parameters().map(\.value.scalars), snapshot.aggregator)
        XCTAssertTrue(model.parameters().allSatisfy(\.requiresGrad), "everything is trainable again afterwards")
        XCTAssertGreaterThan(r.metrics["encoder_accuracy"]!, 0.9, "the encoder learned its own target")
    }

    func testPretrainThenEndToEndFineTunes() throws {
        let r = try StepByStepStrategy(fineTuneFraction: 0.5).run(StrategyTestSupport.setup(steps: 60))
        XCTAssertEqual(r.strategy, "pretrain-end-to-end")
        XCTAssertEqual(r.stages.map(\.name), ["encoder", "aggregator", "fine-tune"])
        XCTAssertEqual(r.stages.map(\.steps).reduce(0, +), 60)
    }

    func testStepByStepNeedsIntermediateTargets() {
        var setup = StrategyTestSupport.setup()
        setup.task = Task(objective: .hinge)
        XCTAssertThrowsError(try StepByStepStrategy().run(setup)) { XCTAssertTrue("\($0)".contains("no intermediate targets"), "\($0)") }
        XCTAssertThrowsError(try DecompositionStrategy().run(setup))
    }

    func testDecompositionLearnsTheInterfaceAndTheTask() throws {
        let r = try DecompositionStrategy().run(StrategyTestSupport.setup(steps: 150, evaluateEvery: 150))
        XCTAssertGreaterThan(r.metrics["encoder_accuracy"]!, 0.9)
        XCTAssertGreaterThan(r.testAccuracy!, 0.8)
    }

    func testLocalLossesAddHeadsAndStopGradients() throws {
        let box = ModelBox()
        let setup = StrategyTestSupport.setup(steps: 30, built: box)
        let r = try LocalLossStrategy().run(setup)
        // One linear head on the encoder's [B, 2, 1] output: 2 weights + 1 bias.
        XCTAssertEqual(r.parameterCount, box.models[0].parameterCount + 3)
        let greedy = try LocalLossStrategy(mode: .greedy).run(setup)
        XCTAssertEqual(greedy.stages.map(\.name), ["encoder", "aggregator"])
    }

    func testDiagnosticsRecordGradientNormsAndSNR() throws {
        let r = try EndToEndStrategy().run(StrategyTestSupport.setup(steps: 20, evaluateEvery: 10))
        let norms = r.diagnostics.filter { $0.values["grad_norm/encoder"] != nil }
        XCTAssertEqual(norms.map(\.step), [10, 20])
        let snr = r.diagnostics.filter { $0.values["snr/aggregator"] != nil }
        XCTAssertEqual(snr.map(\.step), [0, 10, 20], "SNR at every evaluation, from initialization on")
        XCTAssertTrue(snr.allSatisfy { $0.values["snr/encoder"]!.isFinite && $0.values["snr/encoder"]! >= 0 })
    }

    func testSameSeedGivesTheSameResult() throws {
        let a = try EndToEndStrategy().run(StrategyTestSupport.setup(steps: 20))
        let b = try EndToEndStrategy().run(StrategyTestSupport.setup(steps: 20))
        XCTAssertEqual(a.metrics, b.metrics)
    }
}

final class SnapshotBox: @unchecked Sendable {
    var encoder: [[Float]] = []
    var aggregator: [[Float]] = []
}
