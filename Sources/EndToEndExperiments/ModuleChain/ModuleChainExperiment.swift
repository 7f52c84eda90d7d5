import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndTraining
import Foundation

/// In the spirit of Glasmachers (2017), "Limits of End-to-End Learning": a system of `n`
/// modules in series, each easy to learn when its input and target are given, trained
/// end-to-end on the final label only versus module by module on the intermediate codes.
///
/// The teacher is a chain of random threshold modules (``TeacherChain``); the student has the
/// same shape with tanh units (``StudentChain``). Module by module, stage `i` trains module `i`
/// on the teacher's code `z_i` with the earlier modules frozen, and a last stage trains the
/// readout on the label. End-to-end trains everything on the label for the same total number
/// of steps. The experiment reports the steps each needs to reach the target accuracy as `n`
/// grows, and the first `n` at which end-to-end never does within the budget.
public struct ModuleChainExperiment: Experiment {
    public var name: String { "module-chain" }
    public var summary: String {
        "A chain of n random threshold modules learned end-to-end on the label vs module by module on intermediate codes (after Glasmachers 2017)."
    }

    /// Chain lengths; nil uses 1, 2, 3, 4, 6, 8 (quick: 1, 2, 4, 8).
    public var lengths: [Int]?
    /// Steps per stage (module by module trains n + 1 stages; end-to-end gets the same total);
    /// nil uses 3,000 (quick: 1,000).
    public var stageSteps: Int?
    /// Code width m.
    public var width = 24
    /// Inputs per teacher unit (odd): each unit is a signed majority of this many inputs.
    public var fanIn = 3
    public var batchSize = 128
    public var learningRate: Float = 0.01
    /// The accuracy whose first crossing is reported as `steps_to_target` (labels are balanced, chance 0.5).
    public var target = 0.9
    /// Test examples.
    public var testCount = 4096
    /// Steps between evaluations; nil uses stageSteps / 30.
    public var evaluateEvery: Int?

    public init(lengths: [Int]? = nil, stageSteps: Int? = nil, width: Int = 24, evaluateEvery: Int? = nil) {
        self.lengths = lengths
        self.stageSteps = stageSteps
        self.width = width
        self.evaluateEvery = evaluateEvery
    }

    /// Cosine decay from the base learning rate to 0 over `total` steps.
    func cosine(_ t: Int, _ total: Int) -> Float {
        learningRate * Float(0.5 * (1 + cos(Double.pi * Double(t) / Double(Swift.max(total, 1)))))
    }

    enum Strategy: String, CaseIterable {
        case endToEnd = "end-to-end"
        case moduleByModule = "module-by-module"
    }

    public func run(_ context: ExperimentContext) throws -> ExperimentResult {
        let ns = lengths ?? (context.quick ? [1, 2, 4, 8] : [1, 2, 3, 4, 6, 8])
        let perStage = stageSteps ?? (context.quick ? 1_000 : 3_000)
        let every = evaluateEvery ?? Swift.max(1, perStage / 30)
        guard width >= 1, ns.allSatisfy({ $0 >= 1 }), perStage >= 1 else {
            throw ExperimentError.invalidSetting("module-chain needs width >= 1, every n >= 1 and stage steps >= 1")
        }
        var rows: [ResultRow] = [], curves: [Curve] = []

        // The grid (n, strategy), spread over the ranks of an MPI job; cells come back in grid
        // order. Each cell builds its n's teacher and data from the seed.
        let grid = ns.flatMap { n in Strategy.allCases.map { (n, $0) } }
        let cells = try context.spread(grid.count) { c -> ExperimentCell in
            let (n, strategy) = grid[c]
            let teacher = TeacherChain(m: width, modules: n, fanIn: fanIn, seed: context.seed(UInt64(n), 1))
            var testRNG = RandomGenerator(seed: context.seed(UInt64(n), 2))
            let testX = TeacherChain.inputs(testCount, m: width, using: &testRNG)
            let (testCodes, testY) = teacher.codes(testX)
            let validX = TeacherChain.inputs(1024, m: width, using: &testRNG)
            let (validCodes, validY) = teacher.codes(validX)

            return try context.cell("\(strategy.rawValue) n=\(n)") { () throws -> ExperimentCell in
                var rows: [ResultRow] = [], curves: [Curve] = []
                Random.seed(context.seed(UInt64(n), 3))
                let student = StudentChain(m: width, modules: n)
                var rng = RandomGenerator(seed: context.seed(UInt64(n), 4))
                let label = "\(strategy.rawValue) n=\(n)"
                let snap = strategy == .moduleByModule
                let accuracy = {
                    withNoGrad { Double(((snap ? student.snapped(testX) : student(testX)) * testY).gt(0).mean().item) }
                }
                var points: [Curve.Point] = [], steps = 0, wall = 0.0
                var moduleAccuracies: [Double] = []

                switch strategy {
                case .endToEnd:
                    let optimizer = Adam(student.parameters(), learningRate: learningRate)
                    let total = (n + 1) * perStage
                    let batches = GeneratedBatches {
                        let x = TeacherChain.inputs(batchSize, m: width, using: &rng)
                        return Batch(inputs: x, targets: teacher.codes(x).label, indices: Array(0..<batchSize))
                    }
                    let run = try ExperimentStages(log: context.log).run([{ .init(
                        label: label, optimizer: optimizer, batches: batches, steps: total, evaluateEvery: every, stopAt: 1,
                        beforeStep: { optimizer.learningRate = cosine($0, total) },
                        loss: { Loss.hinge(student($0.inputs), $0.targets!) }, evaluate: accuracy) }])[0]
                    (points, steps, wall) = (run.curve, run.steps, run.wallSeconds)

                case .moduleByModule:
                    // Stage i < n: module i on the teacher code z_{i+1}, from the frozen student code;
                    // stage n: the readout on the label.
                    // Each stage stops once its own output is perfect on a validation sample;
                    // the curve tracks the whole chain's test accuracy at the same evaluations.
                    var chains: [[Curve.Point]] = []
                    let batches = GeneratedBatches {
                        Batch(inputs: TeacherChain.inputs(batchSize, m: width, using: &rng), indices: Array(0..<batchSize))
                    }
                    let outcomes = try ExperimentStages(log: context.log).run((0...n).map { stage in {
                        let trained: Module = stage < n ? student.stages[stage] : student.readout
                        let optimizer = Adam(trained.parameters(), learningRate: learningRate)
                        chains.append([])
                        return .init(
                            label: "\(label) stage \(stage + 1)/\(n + 1)", optimizer: optimizer, batches: batches,
                            steps: perStage, evaluateEvery: every, stopAt: 1, progressLines: 2,
                            beforeStep: { optimizer.learningRate = cosine($0, perStage) },
                            onEnd: {
                                guard stage < n else { return }
                                // How well the trained prefix reproduces the teacher's code, per coordinate.
                                let code = withNoGrad { student.code(testX, upTo: stage + 1, snap: true) }
                                moduleAccuracies.append(Double((code * testCodes[stage + 1]).gt(0).mean().item))
                            },
                            loss: { batch in
                                let (codes, y) = teacher.codes(batch.inputs)
                                let input = withNoGrad { student.code(batch.inputs, upTo: stage, snap: true) }
                                return Loss.hinge(trained(input), stage < n ? codes[stage + 1] : y)
                            },
                            evaluate: {
                                chains[chains.count - 1].append(.init(step: 0, wallSeconds: 0, value: accuracy()))
                                return withNoGrad {
                                    let out = stage < n ? student.code(validX, upTo: stage + 1, snap: true) : student.snapped(validX)
                                    return Double((out * (stage < n ? validCodes[stage + 1] : validY)).gt(0).mean().item)
                                }
                            })
                    } })
                    for (stage, run) in outcomes.enumerated() {
                        var chain = chains[stage]
                        for (i, p) in run.curve.enumerated() {
                            chain[i].step = p.step
                            chain[i].wallSeconds = p.wallSeconds
                        }
                        points += stage == 0 ? chain : Array(chain.dropFirst())
                        steps += run.steps
                        wall += run.wallSeconds
                    }
                }

                let reached = points.first { $0.value >= target }?.step
                curves.append(Curve(label: label, metric: "test_accuracy", points: points))
                var metrics: [(String, JSONValue)] = [("steps_to_target", reached.map { .int($0) } ?? .null)]
                if !moduleAccuracies.isEmpty {
                    metrics.append(("last_code_accuracy", .double(moduleAccuracies.last!)))
                }
                rows.append(ResultRow(strategy: strategy.rawValue, testAccuracy: points.last?.value ?? .nan, steps: steps,
                                      wallSeconds: wall, parameters: [("n", .int(n))], metrics: metrics))
                return ExperimentCell(rows: rows, curves: curves)
            }
        }
        for cell in cells {
            rows += cell.rows
            curves += cell.curves
        }

        let setup = """
            - Teacher: `z_0` uniform on `{±1}^\(width)`; `n` modules `z_{i+1} = sign(W_i z_i)` where every output \
            is a signed majority of \(fanIn) distinct random inputs (its row of `W_i` has \(fanIn) entries ±1, the rest 0); \
            label `y` = a signed majority of \(fanIn) coordinates of `z_n`. Each module is thus a set of halfspaces with \
            margin 1 (exactly learnable by a linear unit), while the composition spreads a flipped bit to 1.5 outputs per \
            layer on average. Labels are balanced (`y(−z) = −y(z)`), chance is 0.5. A new teacher per `n`, from the seed.
            - Student: the same shape, `Linear(\(width), \(width))` per module and a `Linear(\(width), 1)` readout, \
            PyTorch default initialisation, identical for both strategies.
            - End-to-end: tanh codes `h_{i+1} = tanh(A_i h_i + c_i)`; all parameters trained on `y` only (hinge loss on the \
            readout) for at most `(n + 1) · \(perStage)` steps, stopping early at test accuracy 1.
            - Module by module: `n + 1` stages of at most \(perStage) steps. Stage `i ≤ n` trains module `i` alone on the \
            teacher's code `z_i` (hinge loss per coordinate on its pre-activation), its input being the frozen student \
            code `h_{i−1}`; the last stage trains the readout on `y`. Modules pass ±1 codes (`h_{i+1} = sign(A_i h_i + c_i)`), \
            as the teacher does. A stage ends early once its output is perfect on 1,024 separate validation inputs.
            - Both: Adam, learning rate \(learningRate) with cosine decay to 0 over each run (each stage, for module by \
            module), batch \(batchSize), fresh samples every step; test accuracy of the whole chain on \(testCount) fixed \
            inputs every \(every) steps. `steps_to_target`: the first evaluated step with test accuracy ≥ \(target) \
            (null: never within the budget). `last_code_accuracy`: per-coordinate agreement of the student's final code \
            with the teacher's `z_n` on the test inputs.
            """
        let summary = Self.summary(rows, target: target)
        let styles = ["test_accuracy": MetricStyle(label: "test accuracy", range: 0.4...1,
                                                   referenceLines: [.init(y: 0.5, label: "chance"), .init(y: target, label: "target")])]
        return ExperimentResult(rows: rows, curves: curves, styles: styles, figures: summary.figures,
                                setup: setup, notes: summary.notes, summaryFields: summary.fields)
    }

    /// Rebuilds the figures, the breakdown note and field from the seed-aggregated rows.
    public func summarize(_ combined: ExperimentResult, runs: [ExperimentResult], context: ExperimentContext) throws -> ExperimentResult {
        var result = combined
        let summary = Self.summary(combined.rows, target: target)
        (result.figures, result.notes, result.summaryFields) = (summary.figures, summary.notes, summary.fields)
        return result
    }

    /// The figures (steps to target and final accuracy against n, mean with a min–max band over
    /// seeds), the breakdown note and the `"breakdown"` summary field of `rows`.
    static func summary(_ rows: [ResultRow], target: Double)
        -> (figures: [(filename: String, chart: SVGChart)], notes: [String], fields: [(String, JSONValue)]) {
        let breakdown = Breakdown.find(rows: rows, strategy: Strategy.endToEnd.rawValue, parameter: "n",
                                       reachedMetric: "steps_to_target", target: target)
        var stepsChart = SVGChart(title: "Steps to reach test accuracy \(target)", xLabel: "modules n",
                                  yLabel: "steps (mean over seeds that reached it; missing: none did)", showMarkers: true)
        for strategy in Strategy.allCases {
            let pts = rows.filter { $0.strategy == strategy.rawValue }.map { r -> (Double, Double) in
                let reached = (r.perSeed.map { $0.map(\.metrics) } ?? [r.metrics]).compactMap { m -> Double? in
                    if case .int(let v)? = m.first(where: { $0.0 == "steps_to_target" })?.1 { return Double(v) }
                    return nil
                }
                return (r.number("n") ?? .nan, reached.isEmpty ? .nan : SampleStatistics.mean(reached))
            }
            stepsChart.series.append(.init(name: strategy.rawValue, xy: pts))
        }
        let finalChart = SVGChart(title: "Final test accuracy by chain length", xLabel: "modules n",
                                  yLabel: "test accuracy (mean, min–max over seeds)",
                                  series: ResultRow.seriesByStrategy(rows, parameter: "n"),
                                  referenceLines: [.init(y: 0.5, label: "chance"), .init(y: target, label: "target")],
                                  showMarkers: true, yRange: 0.4...1)
        return ([("steps_to_target", stepsChart), ("final_accuracy_by_n", finalChart)],
                ["## Breakdown\n\n" + breakdown.sentence], [("breakdown", breakdown.json)])
    }
}

extension ModuleChainExperiment {
    public var sweptAxis: String? { "n" }
    /// Runs only the given chain lengths (1 to 16).
    public func sweeping(_ values: [Int]) throws(ExperimentError) -> any Experiment {
        try SweptValues.check(values, axis: "n", of: name, in: 1...16)
        var e = self
        e.lengths = values
        return e
    }
}
