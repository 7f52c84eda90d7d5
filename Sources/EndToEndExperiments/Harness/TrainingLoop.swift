import Foundation

/// "Train for N steps, evaluating every M steps": the loop every experiment shares.
///
/// The caller supplies one optimizer step (returning its loss) and an evaluation (returning
/// the tracked metric, e.g. test accuracy); the loop times the steps, evaluates at step 0,
/// every `evaluateEvery` steps and at the end, and records the curve. Evaluation time is
/// excluded from the wall time so that strategies are compared on training cost alone.
public struct TrainingLoop: Sendable {
    public var steps: Int
    public var evaluateEvery: Int
    /// Stop at the first evaluation whose value is at least this (e.g. 1.0 once perfect).
    public var stopAt: Double?
    /// Progress lines per run (evenly spaced evaluations, plus the last).
    public var progressLines: Int

    public init(steps: Int, evaluateEvery: Int, stopAt: Double? = nil, progressLines: Int = 5) {
        precondition(steps >= 0 && evaluateEvery >= 1, "TrainingLoop: need steps >= 0 and evaluateEvery >= 1")
        self.steps = steps
        self.evaluateEvery = evaluateEvery
        self.stopAt = stopAt
        self.progressLines = progressLines
    }

    /// The outcome of one run.
    public struct Run: Sendable {
        /// Steps taken (fewer than asked when `stopAt` was reached).
        public var steps: Int
        /// Training wall time in seconds.
        public var wallSeconds: Double
        /// The metric at each evaluation.
        public var curve: [Curve.Point]
        /// The mean training loss since the previous evaluation, at each evaluation after step 0.
        public var losses: [Curve.Point]
        /// The last evaluation's value.
        public var final: Double { curve.last?.value ?? .nan }

        /// The first evaluated step whose value is at least `target`, or nil.
        public func firstStep(reaching target: Double) -> Int? {
            curve.first { $0.value >= target }?.step
        }
    }

    /// Runs the loop. `step` performs one optimizer step and returns its loss; `evaluate`
    /// returns the tracked metric. `stepOffset` and `wallOffset` continue a curve across stages
    /// (e.g. module-by-module training); `log` receives progress lines prefixed with `label`.
    public func run(label: String, log: (String) -> Void = { _ in }, stepOffset: Int = 0, wallOffset: Double = 0,
                    step: () throws -> Float, evaluate: () throws -> Double) rethrows -> Run {
        var curve: [Curve.Point] = [], losses: [Curve.Point] = []
        var wall = 0.0, lossSum = 0.0, lossCount = 0
        let evaluations = Swift.max(1, (steps + evaluateEvery - 1) / evaluateEvery)
        let logEvery = Swift.max(1, evaluations / Swift.max(1, progressLines))
        var evalIndex = 0

        func record(_ s: Int) throws -> Bool {
            let v = try evaluate()
            curve.append(.init(step: stepOffset + s, wallSeconds: wallOffset + wall, value: v))
            var line = "\(label): step \(stepOffset + s) value \(String(format: "%.4f", v))"
            if lossCount > 0 {
                let mean = lossSum / Double(lossCount)
                losses.append(.init(step: stepOffset + s, wallSeconds: wallOffset + wall, value: mean))
                line += " loss \(String(format: "%.4f", mean))"
                lossSum = 0
                lossCount = 0
            }
            let done = s >= steps || (stopAt.map { v >= $0 } ?? false)
            if evalIndex % logEvery == 0 || done { log(line + " (\(String(format: "%.1f", wall)) s)") }
            evalIndex += 1
            return done
        }

        var taken = 0
        if try !record(0) {
            while taken < steps {
                let start = DispatchTime.now().uptimeNanoseconds
                let loss = try step()
                wall += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                lossSum += Double(loss)
                lossCount += 1
                taken += 1
                if taken % evaluateEvery == 0 || taken == steps {
                    if try record(taken) { break }
                }
            }
        }
        return Run(steps: taken, wallSeconds: wall, curve: curve, losses: losses)
    }
}
