import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndTraining
import Foundation

/// "Train for N steps, evaluating every M steps", as ``TrainingStage``s of one
/// ``TrainingRun``: the shape every experiment that is not a strategy shares.
///
/// A stage evaluates one tracked value (e.g. test accuracy) before its first step, every
/// `evaluateEvery` of its own steps and after its last, and can stop once the value reaches
/// `stopAt`. The run's loop does the stepping, timing (evaluation excluded) and the interval
/// training losses; this turns its history into curves and writes progress lines.
public final class ExperimentStages {
    /// The outcome of one stage.
    public struct Outcome: Sendable {
        public var label: String
        /// Steps taken (fewer than asked when `stopAt` was reached).
        public var steps: Int
        /// Training wall time of the stage in seconds.
        public var wallSeconds: Double
        /// The tracked value at each evaluation (steps and seconds count over the whole run).
        public var curve: [Curve.Point]
        /// The mean training loss since the previous evaluation, at each evaluation after the first.
        public var losses: [Curve.Point]
        /// The last evaluation's value.
        public var final: Double { curve.last?.value ?? .nan }

        /// The first evaluated step whose value is at least `target`, or nil.
        public func firstStep(reaching target: Double) -> Int? {
            curve.first { $0.value >= target }?.step
        }
    }

    /// One stage's recipe.
    public struct Stage {
        public var label: String
        public var optimizer: Optimizer
        public var batches: BatchStream
        public var steps: Int
        public var evaluateEvery: Int
        public var stopAt: Double?
        /// Progress lines for the stage (evenly spaced evaluations, plus the last).
        public var progressLines: Int
        public var beforeStep: ((Int) -> Void)?
        public var loss: (Batch) -> Tensor
        public var evaluate: () -> Double
        public var onEnd: (() throws -> Void)?

        public init(label: String, optimizer: Optimizer, batches: BatchStream, steps: Int, evaluateEvery: Int,
                    stopAt: Double? = nil, progressLines: Int = 5, beforeStep: ((Int) -> Void)? = nil,
                    onEnd: (() throws -> Void)? = nil, loss: @escaping (Batch) -> Tensor, evaluate: @escaping () -> Double) {
            precondition(steps >= 0 && evaluateEvery >= 1, "ExperimentStages: need steps >= 0 and evaluateEvery >= 1")
            self.label = label
            self.optimizer = optimizer
            self.batches = batches
            self.steps = steps
            self.evaluateEvery = evaluateEvery
            self.stopAt = stopAt
            self.progressLines = progressLines
            self.beforeStep = beforeStep
            self.onEnd = onEnd
            self.loss = loss
            self.evaluate = evaluate
        }
    }

    private let log: (String) -> Void
    public private(set) var outcomes: [Outcome] = []

    public init(log: @escaping (String) -> Void = { _ in }) { self.log = log }

    /// Runs the stages in order (each builder is called when its stage begins) and returns
    /// one outcome per stage.
    @discardableResult
    public func run(_ stages: [() throws -> Stage]) throws -> [Outcome] {
        outcomes = []
        var recipes: [String: Stage] = [:]
        let run = TrainingRun(stages: stages.enumerated().map { i, build in {
            let s = try build()
            recipes[s.label] = s
            return TrainingStage(
                name: s.label, optimizer: s.optimizer, batches: s.batches, steps: s.steps,
                evaluation: EvaluationSchedule(every: s.evaluateEvery, counter: .stage, atStart: .always, atEnd: true) {
                    [("value", ["value": s.evaluate()])]
                },
                beforeStep: s.beforeStep, stopWhen: s.stopAt.map { target in { $0["value"].map { $0 >= target } ?? false } },
                onEnd: s.onEnd, loss: s.loss)
        } })
        run.intervalLossKey = "loss"
        let collector = Collector(log: log, recipes: { recipes[$0] })
        run.observers = [collector]
        try run.run()
        outcomes = collector.outcomes
        return outcomes
    }

    /// Collects each stage's evaluations and losses and writes the progress lines.
    final class Collector: TrainingRunObserver {
        let log: (String) -> Void
        let recipes: (String) -> Stage?
        var outcomes: [Outcome] = []
        private var evaluations = 0
        private var startStep = 0
        private var startSeconds = 0.0

        init(log: @escaping (String) -> Void, recipes: @escaping (String) -> Stage?) {
            self.log = log
            self.recipes = recipes
        }

        func stageWillBegin(_ run: TrainingRun, stage: TrainingStage) throws {
            outcomes.append(Outcome(label: stage.name, steps: 0, wallSeconds: 0, curve: [], losses: []))
            evaluations = 0
            startStep = run.position.step
            startSeconds = run.trainSeconds
        }

        func didEvaluate(_ run: TrainingRun, stage: TrainingStage, records: [MetricsRecord]) throws {
            guard let value = records.first?.values["value"], let recipe = recipes(stage.name) else { return }
            let i = outcomes.count - 1
            let point = Curve.Point(step: run.position.step, wallSeconds: run.trainSeconds, value: value)
            outcomes[i].curve.append(point)
            var line = "\(stage.name): step \(run.position.step) value \(String(format: "%.4f", value))"
            let h = run.history
            if h.count > records.count, case let r = h[h.count - records.count - 1], r.split == "train", r.step == run.position.step,
               let loss = r.values["loss"], outcomes[i].curve.count > 1 {
                outcomes[i].losses.append(.init(step: point.step, wallSeconds: point.wallSeconds, value: loss))
                line += " loss \(String(format: "%.4f", loss))"
            }
            let taken = run.position.stageStep
            let planned = Swift.max(1, (recipe.steps + recipe.evaluateEvery - 1) / recipe.evaluateEvery)
            let logEvery = Swift.max(1, planned / Swift.max(1, recipe.progressLines))
            let done = taken >= recipe.steps || (recipe.stopAt.map { value >= $0 } ?? false)
            let stageSeconds = run.trainSeconds - startSeconds
            if evaluations % logEvery == 0 || done { log(line + " (\(String(format: "%.1f", stageSeconds)) s)") }
            evaluations += 1
        }

        func stageDidEnd(_ run: TrainingRun, stage: TrainingStage) throws {
            let i = outcomes.count - 1
            outcomes[i].steps = run.position.step - startStep
            outcomes[i].wallSeconds = run.trainSeconds - startSeconds
        }
    }
}
