import EndToEnd
import EndToEndData
import EndToEndExperiments
import EndToEndNN
import EndToEndStrategies
import EndToEndTraining
import Foundation
import XCTest

/// Every strategy, experiment and the Trainer, run briefly with fixed seeds, must give exactly
/// the numbers the code gave before the one-loop rewrite (issue #11): final metrics, step and
/// sample counts, every curve point and diagnostic, and the trained weights. The fingerprints
/// in Fixtures/loop-fingerprints.txt were written by the code before the rewrite (commit
/// f7630c2) with `E2E_WRITE_FINGERPRINTS=1 swift test --filter LoopEquivalenceTests`.
/// Wall times are not part of a fingerprint.
final class LoopEquivalenceTests: XCTestCase {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/loop-fingerprints.txt")

    static func number(_ v: Double) -> String { v.isNaN ? "nan" : "\(v)" }

    static func values(_ d: [String: Double]) -> String {
        d.keys.sorted().map { "\($0)=\(number(d[$0]!))" }.joined(separator: ",")
    }

    static func records(_ rs: [MetricsRecord]) -> String {
        rs.map { "\($0.step)/\($0.split):\(values($0.values))" }.joined(separator: ";")
    }

    static func weights(_ m: Module) -> String {
        var sum = 0.0, abs = 0.0
        for p in m.parameters() { for v in p.value.scalars { sum += Double(v); abs += Double(Swift.abs(v)) } }
        return "w=\(number(sum))/\(number(abs))"
    }

    // MARK: - Strategies

    final class Box: @unchecked Sendable { var models: [CompositeModel] = [] }

    static func setup(_ box: Box) -> StrategySetup {
        StrategySetup(
            makeModel: { seed in let m = ParityLinesModel.make(k: 2, seed: seed); box.models.append(m); return m },
            task: ParityLinesModel.task,
            train: TrainingData(ParityLines(k: 2, count: 256, seed: 0).materialized()),
            test: TrainingData(ParityLines(k: 2, count: 64, seed: 1).materialized()),
            batchSize: 16, steps: 24, evaluateEvery: 8,
            makeOptimizer: { Adam($0, learningRate: 1e-3, beta1: 0.9, beta2: 0.99, epsilon: 1e-5) }, seed: 3,
            diagnostics: DiagnosticsOptions(gradientNormEvery: 5, snrExamples: 4), evaluationBatchSize: 32)
    }

    static let strategies: [any Strategy] = [
        EndToEndStrategy(), StepByStepStrategy(), StepByStepStrategy(fineTuneFraction: 0.25), DecompositionStrategy(),
        LocalLossStrategy(), LocalLossStrategy(mode: .greedy), EnsembleStrategy(members: 2),
        EnsembleStrategy(members: 2, bagging: true), EnsembleStrategy(members: 2, combination: .stacking),
        EnsembleStrategy(members: 2, combination: .vote), EnsembleStrategy(members: 2, lambda: 0.5),
    ]

    static func strategyFingerprints() throws -> [String] {
        try strategies.map { s in
            let box = Box()
            let r = try s.run(setup(box))
            let w = box.models.map(weights).joined(separator: " ")
            return "strategy \(r.strategy) | \(values(r.metrics)) | steps=\(r.steps) samples=\(r.samplesSeen) "
                + "params=\(r.parameterCount) stages=\(r.stages.map { "\($0.name):\($0.steps)" }.joined(separator: ",")) | "
                + "\(records(r.curve)) | \(records(r.diagnostics)) | \(w)"
        }
    }

    // MARK: - Experiments

    static func experimentFingerprints() throws -> [String] {
        let experiments: [any Experiment] = [
            ParityBitsExperiment(dimensions: [5], steps: 120, evaluateEvery: 40, testCount: 200),
            StocksExperiment(ks: [10], steps: 60, evaluateEvery: 20, d: 40),
            ModuleChainExperiment(lengths: [1, 2], stageSteps: 60, width: 8, evaluateEvery: 20),
        ]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("loop-eq-\(UUID().uuidString)")
        return try experiments.map { e in
            let result = try e.run(ExperimentContext(quick: true, seed: 5, outputDirectory: dir))
            let rows = result.rows.map { r in
                var row = r
                row.wallSeconds = 0
                return row.json.encoded
            }.joined(separator: " ")
            let curves = result.curves.map { c in
                "\(c.label)/\(c.metric):" + c.points.map { "\($0.step)=\(number($0.value))" }.joined(separator: ",")
            }.joined(separator: ";")
            return "experiment \(e.name) | \(rows) | \(curves)"
        }
    }

    // MARK: - Trainer

    static func trainerFingerprint() throws -> String {
        Random.seed(11)
        let model = Sequential(Linear(2, 16), ReLU(), Dropout(0.1), Linear(16, 3))
        let train = Spirals(arms: 3, points: 100, seed: 1)
        let val = Spirals(arms: 3, points: 30, seed: 2)
        let optimizer = SGD(model.parameters(), learningRate: 0.1, momentum: 0.9)
        let trainer = try Trainer(model: model, optimizer: optimizer,
                                  loss: Trainer.crossEntropy, metrics: ["accuracy"], classes: 3,
                                  scheduler: LearningRateScheduler(optimizer, schedule: StepSchedule(stepSize: 1, gamma: 0.5)),
                                  gradientClipNorm: 1, seed: 4)
        let summary = try trainer.fit(train: DataLoader(train, batchSize: 32, shuffle: true, seed: 9, prefetch: 0),
                                      validation: DataLoader(val, batchSize: 45, prefetch: 0), epochs: 3, evaluateEvery: 7)
        return "trainer | \(values(summary.metrics)) | steps=\(summary.steps) samples=\(summary.samplesSeen) "
            + "epochs=\(summary.epochs) | \(records(summary.history)) | \(weights(model))"
    }

    static func all() throws -> [String] {
        try strategyFingerprints() + experimentFingerprints() + [trainerFingerprint()]
    }

    func testEveryLoopReproducesItsNumbersFromBeforeTheRewrite() throws {
        let lines = try Self.all()
        if ProcessInfo.processInfo.environment["E2E_WRITE_FINGERPRINTS"] == "1" {
            try FileManager.default.createDirectory(at: Self.fixture.deletingLastPathComponent(), withIntermediateDirectories: true)
            try (lines.joined(separator: "\n") + "\n").write(to: Self.fixture, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: Self.fixture, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, expected.count)
        for (got, want) in zip(lines, expected) {
            XCTAssertTrue(Self.agree(got, want), "\(want.prefix(40))... differs:\n got  \(got)\n want \(want)")
        }
    }

    /// Whether two fingerprints are the same text with the same numbers to 1e-5 relative.
    /// Bit-equality held on the machine that recorded them, but the last bits move with the
    /// CPU (which BLAS kernel and libm variant run) and with the vector kernels in use; what
    /// this test guards is that the loop does the same steps, which a rewrite that changed
    /// them would break far beyond rounding. A weight sum (`w=SUM/ABS`) is measured against
    /// its sum of magnitudes `ABS`: thousands of weights of both signs cancel to a SUM near 1,
    /// whose own relative error is then far above that of any weight (on an AVX2-only Zen 3,
    /// -1.0259501 against the recorded -1.0259389, with ABS 1487.49).
    static func agree(_ a: String, _ b: String) -> Bool {
        let number = /-?[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?/
        let ta = a.replacing(number, with: "#"), tb = b.replacing(number, with: "#")
        guard ta == tb else { return false }
        let na = a.matches(of: number).map { Double(a[$0.range])! }
        let numbersOfB = b.matches(of: number)
        let nb = numbersOfB.map { Double(b[$0.range])! }
        guard na.count == nb.count else { return false }
        var scale = nb.map { max(1, abs($0)) }
        for m in b.matches(of: /w=/) {
            // The SUM is the number right after "w=", its ABS the one after that.
            let i = numbersOfB.firstIndex { $0.range.lowerBound == m.range.upperBound }
            if let i, i + 1 < nb.count { scale[i] = max(scale[i], abs(nb[i + 1])) }
        }
        return zip(zip(na, nb), scale).allSatisfy { abs($0.0 - $0.1) <= 1e-5 * $1 }
    }
}
