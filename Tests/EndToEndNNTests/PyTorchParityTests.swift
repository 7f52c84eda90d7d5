import EndToEnd
import Foundation
import XCTest
@testable import EndToEndNN

/// Layers and optimizer steps against PyTorch, from scripts/make_nn_fixtures.py
/// (Fixtures/nn.safetensors: `linear/...`, `optimizers/<name>/step<k>`, `schedules/<name>`).
final class NNPyTorchParityTests: XCTestCase {
    static var file: Fixture { Fixtures.nn }

    func assertClose(_ a: [Float], _ b: [Float], _ what: String, rtol: Float = 1e-4, atol: Float = 1e-5) {
        XCTAssertEqual(a.count, b.count, what)
        for (i, (x, y)) in zip(a, b).enumerated() where Swift.abs(x - y) > atol + rtol * Swift.abs(y) {
            XCTFail("\(what)[\(i)]: \(x) vs PyTorch \(y)"); return
        }
    }

    func testLinearMatchesPyTorch() throws {
        let f = Self.file
        func c(_ key: String) throws -> Tensor { try f.tensor("linear/\(key)") }
        let lin = Linear(weight: try c("weight"), bias: try c("bias"))
        let y = lin(try c("x"))
        assertClose(y.scalars, try c("y").scalars, "linear forward")
        (y * (try c("w"))).sum().backward()
        assertClose(lin.weight.grad!.scalars, try c("grad_weight").scalars, "linear grad weight")
        assertClose(lin.bias!.grad!.scalars, try c("grad_bias").scalars, "linear grad bias")
    }

    func testOptimizerStepsMatchPyTorch() throws {
        let f = Self.file
        let p0 = try f.tensor("optimizers/p0").scalars, target = Tensor(try f.tensor("optimizers/target").scalars)
        let makers: [String: (Parameter) -> Optimizer] = [
            "sgd": { SGD([$0], learningRate: 0.1) },
            "sgd_momentum_wd": { SGD([$0], learningRate: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01) },
            "sgd_nesterov": { SGD([$0], learningRate: 0.1, momentum: 0.9, nesterov: true) },
            "adam": { Adam([$0], learningRate: 0.01) },
            "adam_wd": { Adam([$0], learningRate: 0.01, beta1: 0.8, beta2: 0.95, epsilon: 1e-5, weightDecay: 0.1) },
            "adamw": { AdamW([$0], learningRate: 0.01, weightDecay: 0.1) },
            "rmsprop": { RMSProp([$0], learningRate: 0.01) },
            "rmsprop_centered_momentum": { RMSProp([$0], learningRate: 0.01, alpha: 0.9, weightDecay: 0.01, momentum: 0.5, centered: true) },
            "adagrad": { Adagrad([$0], learningRate: 0.1, learningRateDecay: 0.01, weightDecay: 0.01, initialAccumulatorValue: 0.1) },
        ]
        for (name, make) in makers {
            let p = Parameter(Tensor(p0))
            let opt = make(p)
            for step in 1...3 {
                let expected = try f.tensor("optimizers/\(name)/step\(step)").scalars
                opt.zeroGrad()
                let loss = ((p.value - target).square() * Tensor.arange(1, 7)).sum() + p.value.pow(3).sum() * 0.1
                loss.backward()
                opt.step()
                assertClose(p.value.scalars, expected, "\(name) step \(step)")
            }
        }
    }

    func testSchedulesMatchPyTorch() throws {
        let f = Self.file
        func s(_ name: String) throws -> [Float] { try f.tensor("schedules/\(name)").scalars }
        let schedules: [String: any LearningRateSchedule] = [
            "step": StepSchedule(stepSize: 3, gamma: 0.5), "exponential": ExponentialSchedule(gamma: 0.9),
            "cosine": CosineSchedule(period: 10, minimum: 0.01), "onecycle": OneCycleSchedule(totalSteps: 13),
        ]
        for (name, schedule) in schedules {
            let opt = SGD([Parameter(Tensor([0]))], learningRate: 0.1)
            let sch = LearningRateScheduler(opt, schedule: schedule)
            var rates = [opt.learningRate]
            for _ in 0..<12 { sch.step(); rates.append(opt.learningRate) }
            assertClose(rates, try s(name), name, rtol: 1e-4, atol: 1e-7)
        }
        let opt = SGD([Parameter(Tensor([0]))], learningRate: 0.1)
        let plateau = ReduceOnPlateau(opt, factor: 0.5, patience: 2, cooldown: 1)
        var rates: [Float] = []
        for m: Float in [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.8, 0.85, 0.85, 0.85, 0.85, 0.85] { plateau.step(metric: m); rates.append(opt.learningRate) }
        assertClose(rates, try s("plateau"), "plateau")
        let warm = WarmupCosineSchedule(warmup: 4, total: 10)
        XCTAssertEqual(warm.learningRate(base: 1, step: 0), 0.25, accuracy: 1e-6)
        XCTAssertEqual(warm.learningRate(base: 1, step: 4), 1, accuracy: 1e-6)
        XCTAssertEqual(warm.learningRate(base: 1, step: 10), 0, accuracy: 1e-6)
    }

    func testGradientClipping() {
        let a = Parameter(Tensor([3, 0])), b = Parameter(Tensor([0, 4]))
        a.grad = Tensor([3, 0]); b.grad = Tensor([0, 4])
        let norm = GradientClipping.clipByGlobalNorm([a, b], maxNorm: 1)
        XCTAssertEqual(norm, 5, accuracy: 1e-5)
        XCTAssertEqual(a.grad!.scalars[0], 0.6, accuracy: 1e-4)
        XCTAssertEqual(b.grad!.scalars[1], 0.8, accuracy: 1e-4)
        GradientClipping.clipByValue([b], limit: 0.5)
        XCTAssertEqual(b.grad!.scalars, [0, 0.5])
    }

    func testParameterGroupsHaveTheirOwnLearningRates() {
        let a = Parameter(Tensor([1])), b = Parameter(Tensor([1]))
        let opt = SGD([], learningRate: 0)
        opt.groups = [ParameterGroup([a], learningRate: 0.1), ParameterGroup([b], learningRate: 1)]
        a.grad = Tensor([1]); b.grad = Tensor([1])
        opt.step()
        XCTAssertEqual(a.value.item, 0.9, accuracy: 1e-6)
        XCTAssertEqual(b.value.item, 0, accuracy: 1e-6)
    }
}
