import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndTraining
import Foundation

/// Predictive maintenance: the remaining useful life of turbofan engines from their sensor
/// logs, end-to-end (a 1-D CNN on raw 30-cycle windows of settings and sensors) against the
/// classic prognostics pipeline (k-means operating conditions, per-condition z-scores, a
/// linear health index and rolling mean/slope features, ridge regression), on a simulated
/// C-MAPSS-like fleet. Shifts: a fault mode and an operating condition training never saw.
/// Docs: docs/apps/maintenance.md.
public struct MaintenanceApplication: Application {
    public let name = "maintenance"
    public let summary = "remaining useful life of simulated turbofan engines: 1-D CNN on raw sensor windows vs condition normalization + health index + ridge; shifts: unseen fault mode, unseen operating condition"

    public init() {}

    /// The window length and RUL cap of the C-MAPSS literature (Li et al. 2018: 30 cycles, 125).
    static let window = 30
    static let cap = 125.0
    /// Training flies conditions 0–4; condition 5 (42 kft, Mach 0.84) is the unseen one.
    static let trainingConditions = [0, 1, 2, 3, 4]
    static let unseenCondition = 5
    /// Training-engine fractions for the data-efficiency curve.
    static let fractions = [0.03, 0.1, 0.2, 0.5, 1.0]

    /// Engines and training length for one run size.
    struct Plan {
        var train: Int, test: Int, shifted: Int, lifetimes: ClosedRange<Int>, stride: Int, epochs: Int, mlpEpochs: Int, attributionEngines: Int

        static func of(_ size: ApplicationContext.Size) -> Plan {
            switch size {
            case .smoke: return Plan(train: 6, test: 4, shifted: 4, lifetimes: 60...90, stride: 4, epochs: 1, mlpEpochs: 1, attributionEngines: 4)
            case .quick: return Plan(train: 60, test: 40, shifted: 40, lifetimes: 128...362, stride: 1, epochs: 15, mlpEpochs: 5, attributionEngines: 40)
            case .full: return Plan(train: 250, test: 250, shifted: 250, lifetimes: 128...362, stride: 1, epochs: 30, mlpEpochs: 5, attributionEngines: 250)
            }
        }
    }

    /// The fleet's sets: run-to-failure training engines, truncated test engines, and the two shifted test sets.
    struct Fleet {
        var train: [TurbofanFleet.Engine], test: [TurbofanFleet.Engine]
        var unseenFault: [TurbofanFleet.Engine], unseenCondition: [TurbofanFleet.Engine]
    }

    static func fleet(_ context: ApplicationContext, plan: Plan) throws -> Fleet {
        let f = TurbofanFleet(seed: context.seed(1))
        return Fleet(
            train: try f.engines(count: plan.train, fault: .hpc, allowed: trainingConditions, truncate: false, stream: 1, lifetimes: plan.lifetimes),
            test: try f.engines(count: plan.test, fault: .hpc, allowed: trainingConditions, truncate: true, stream: 2, lifetimes: plan.lifetimes),
            unseenFault: try f.engines(count: plan.shifted, fault: .fan, allowed: trainingConditions, truncate: true, stream: 3, lifetimes: plan.lifetimes),
            unseenCondition: try f.engines(count: plan.shifted, fault: .hpc, allowed: trainingConditions + [unseenCondition], truncate: true,
                                           stream: 4, lifetimes: plan.lifetimes))
    }

    /// RMSE and PHM08 score of one approach on one test set (against the capped true RUL).
    struct Scores {
        var rmse: Double, score: Double, predicted: [Double], actual: [Double]
        /// Mean of predicted − true: positive means late (the engine fails before the estimate says).
        var bias: Double { zip(predicted, actual).reduce(0) { $0 + $1.0 - $1.1 } / Double(max(actual.count, 1)) }
        init(predicted: [Double], engines: [TurbofanFleet.Engine]) throws {
            self.predicted = predicted
            actual = engines.map { TurbofanFleet.cappedLife($0.remainingLife, cap: Int(MaintenanceApplication.cap)) }
            rmse = try MeanSquaredError.rmse(predicted: predicted, actual: actual)
            score = try PHM08Score.score(predicted: predicted, actual: actual)
        }
    }

    public func run(_ context: ApplicationContext) throws -> ApplicationResult {
        let plan = Plan.of(context.size)
        let log = context.log
        let fleet = try Self.fleet(context, plan: plan)
        let scaling = EngineWindows.ChannelScaling(fitting: fleet.train)
        log("maintenance: \(fleet.train.count) run-to-failure training engines (\(fleet.train.reduce(0) { $0 + $1.observed }) cycles), \(fleet.test.count) truncated test engines, \(fleet.unseenFault.count) + \(fleet.unseenCondition.count) shifted")

        // End-to-end: the CNN on raw windows.
        let cnn = MaintenanceCNN.network(window: Self.window, epochs: plan.epochs, seed: context.seed(2))
        let e2e = try fitEndToEnd(cnn, fleet.train, scaling: scaling, stride: plan.stride, part: ("end-to-end", context))
        let testWindows = try EngineWindows.last(fleet.test, scaling: scaling, length: Self.window)
        let e2eScores = try Scores(predicted: e2e.predict(testWindows), engines: fleet.test)
        log(String(format: "end-to-end CNN: %d parameters, %d steps in %.1f s, last-epoch training RMSE %.2f: test RMSE %.2f, PHM08 score %.1f",
                   e2e.model.parameterCount, e2e.summary.steps, e2e.summary.wallSeconds, (e2e.summary["train_rmse"] ?? .nan) * Self.cap,
                   e2eScores.rmse, e2eScores.score))

        // Pipeline: condition normalization, health index features, ridge; and an MLP on the same features.
        let (pipeline, pipelineSeconds) = try fitPipeline(fleet.train, stride: plan.stride, seed: context.seed(3))
        let pipeScores = try Scores(predicted: pipeline.predict(fleet.test), engines: fleet.test)
        log(String(format: "pipeline: %d conditions found, %d sensors kept, %d parameters, fitted in %.1f s: test RMSE %.2f, PHM08 score %.1f",
                   pipeline.normalizer.conditionCount, pipeline.normalizer.kept.count, pipeline.parameterCount, pipelineSeconds,
                   pipeScores.rmse, pipeScores.score))
        let mlpNetwork = PipelineMLP.network(features: 2 * pipeline.normalizer.kept.count + 3, epochs: plan.mlpEpochs, seed: context.seed(7))
        let mlp = try fitPipelineMLP(mlpNetwork, pipeline, fleet.train, stride: plan.stride, part: ("pipeline (MLP)", context))
        let mlpPredict = { (engines: [TurbofanFleet.Engine]) throws -> [Double] in
            try mlp.predict(PipelineMLP.tensor(try pipeline.standardizedLastWindowFeatures(engines))).map { min(max($0, 0), Self.cap) }
        }
        let mlpScores = try Scores(predicted: mlpPredict(fleet.test), engines: fleet.test)
        log(String(format: "pipeline (MLP): %d steps in %.1f s, last-epoch training RMSE %.2f: test RMSE %.2f, PHM08 score %.1f", mlp.summary.steps,
                   mlp.summary.wallSeconds, (mlp.summary["train_rmse"] ?? .nan) * Self.cap, mlpScores.rmse, mlpScores.score))

        // May not generalize? An unseen fault mode and an unseen operating condition.
        var shiftScores: [(name: String, e2e: Scores, pipe: Scores, mlp: Scores)] = []
        for (name, engines) in [("unseen fault (fan)", fleet.unseenFault), ("unseen condition", fleet.unseenCondition)] {
            let windows = try EngineWindows.last(engines, scaling: scaling, length: Self.window)
            shiftScores.append((name, try Scores(predicted: e2e.predict(windows), engines: engines),
                                try Scores(predicted: pipeline.predict(engines), engines: engines),
                                try Scores(predicted: mlpPredict(engines), engines: engines)))
            let s = shiftScores.last!
            log(String(format: "%@: end-to-end RMSE %.2f, pipeline RMSE %.2f, pipeline (MLP) RMSE %.2f", name, s.e2e.rmse, s.pipe.rmse, s.mlp.rmse))
        }
        var shift: [ShiftResult] = []
        for s in shiftScores {
            shift += ShiftComparison.rows(metric: "rmse", [("end-to-end, \(s.name)", e2eScores.rmse, s.e2e.rmse),
                                                           ("pipeline, \(s.name)", pipeScores.rmse, s.pipe.rmse),
                                                           ("pipeline (MLP), \(s.name)", mlpScores.rmse, s.mlp.rmse)])
        }

        // Needs large amounts of data? All three on nested subsets of the training engines;
        // the networks get at least a quarter of the full run's steps.
        let approaches = ["end-to-end", "pipeline", "pipeline (MLP)"]
        let efficiency = try DataEfficiency.measure(approaches: approaches, labels: [Int](repeating: 0, count: fleet.train.count),
                                                    fractions: Self.fractions, seed: context.seed(4), context: context, log: log) { approach, fraction, indices in
            if fraction == 1 { return [e2eScores, pipeScores, mlpScores][approaches.firstIndex(of: approach)!].rmse }
            let subset = indices.map { fleet.train[$0] }
            let (p, _) = try fitPipeline(subset, stride: plan.stride, seed: context.seed(6, UInt64(indices.count)))
            switch approach {
            case "end-to-end":
                var small = cnn
                small.seed = context.seed(5, UInt64(indices.count)) & 0x7FFF_FFFF
                small.minimumSteps = max(1, e2e.summary.steps / 4)
                let net = try fitEndToEnd(small, subset, scaling: scaling, stride: plan.stride)
                return try Scores(predicted: net.predict(testWindows), engines: fleet.test).rmse
            case "pipeline (MLP)":
                var small = mlpNetwork
                small.seed = context.seed(8, UInt64(indices.count)) & 0x7FFF_FFFF
                small.minimumSteps = max(1, mlp.summary.steps / 4)
                let net = try fitPipelineMLP(small, p, subset, stride: plan.stride)
                let estimates = try net.predict(PipelineMLP.tensor(try p.standardizedLastWindowFeatures(fleet.test))).map { min(max($0, 0), Self.cap) }
                return try Scores(predicted: estimates, engines: fleet.test).rmse
            default:
                return try Scores(predicted: p.predict(fleet.test), engines: fleet.test).rmse
            }
        }

        // Black box? Gradient × input over the test windows against the pipeline's weights.
        let attribution = try MaintenanceAttribution(model: e2e.model, windows: testWindows, limit: plan.attributionEngines, pipeline: pipeline)

        let models = [try cnn.save(e2e, in: context, inputs: testWindows, targets: e2eScores.actual),
                      try mlpNetwork.save(mlp, in: context, inputs: PipelineMLP.tensor(try pipeline.standardizedLastWindowFeatures(fleet.test)),
                                          targets: mlpScores.actual)]
        let dir = SourceLines.directory(of: #filePath)
        let classic = dir.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("EndToEndTraining/Classic")
        let pipelineFiles = ["ConditionNormalizer.swift", "HealthIndexFeatures.swift", "MaintenancePipeline.swift"]
        var pipelineCost = try MaintenanceCost.counted(approach: "pipeline", stages: 4, handSetConstants: MaintenancePipeline.handSetConstants,
                                                       sourceFiles: pipelineFiles, in: dir, parameters: pipeline.parameterCount)
        let classicLines = try SourceLines.count(files: ["KMeans.swift", "RidgeRegression.swift"], in: classic)
        pipelineCost.linesOfCode += classicLines
        var mlpCost = try MaintenanceCost.counted(approach: "pipeline (MLP)", stages: 4,
                                                  handSetConstants: MaintenancePipeline.handSetConstants - 1 + PipelineMLP.handSetConstants,
                                                  sourceFiles: pipelineFiles + ["RULNetwork.swift"], in: dir,
                                                  parameters: pipeline.parameterCount - pipeline.regression.parameterCount + mlp.model.parameterCount)
        mlpCost.linesOfCode += classicLines
        let maintenance = [
            try MaintenanceCost.counted(approach: "end-to-end", stages: 1, handSetConstants: MaintenanceCNN.handSetConstants,
                                        sourceFiles: ["MaintenanceCNN.swift", "RULNetwork.swift", "EngineWindows.swift"], in: dir,
                                        parameters: e2e.model.parameterCount + scaling.parameterCount),
            pipelineCost, mlpCost,
        ]

        let results = [
            ApproachResult(approach: "end-to-end", metric: "rmse", value: e2eScores.rmse, trainSeconds: e2e.summary.wallSeconds,
                           parameters: e2e.model.parameterCount + scaling.parameterCount,
                           extra: [("phm08_score", .double(e2eScores.score)), ("mean_error", .double(e2eScores.bias)), ("steps", .int(e2e.summary.steps))]
                               + shiftScores.map { ("rmse_" + Self.key($0.name), .double($0.e2e.rmse)) }
                               + shiftScores.map { ("phm08_score_" + Self.key($0.name), .double($0.e2e.score)) }
                               + shiftScores.map { ("mean_error_" + Self.key($0.name), .double($0.e2e.bias)) }),
            ApproachResult(approach: "pipeline", metric: "rmse", value: pipeScores.rmse, trainSeconds: pipelineSeconds, parameters: pipeline.parameterCount,
                           extra: [("phm08_score", .double(pipeScores.score)), ("mean_error", .double(pipeScores.bias)), ("conditions_found", .int(pipeline.normalizer.conditionCount)),
                                   ("sensors_kept", .int(pipeline.normalizer.kept.count))]
                               + shiftScores.map { ("rmse_" + Self.key($0.name), .double($0.pipe.rmse)) }
                               + shiftScores.map { ("phm08_score_" + Self.key($0.name), .double($0.pipe.score)) }
                               + shiftScores.map { ("mean_error_" + Self.key($0.name), .double($0.pipe.bias)) }),
            ApproachResult(approach: "pipeline (MLP)", metric: "rmse", value: mlpScores.rmse, trainSeconds: pipelineSeconds + mlp.summary.wallSeconds,
                           parameters: mlpCost.parameters,
                           extra: [("phm08_score", .double(mlpScores.score)), ("mean_error", .double(mlpScores.bias)), ("steps", .int(mlp.summary.steps))]
                               + shiftScores.map { ("rmse_" + Self.key($0.name), .double($0.mlp.rmse)) }
                               + shiftScores.map { ("phm08_score_" + Self.key($0.name), .double($0.mlp.score)) }
                               + shiftScores.map { ("mean_error_" + Self.key($0.name), .double($0.mlp.bias)) }),
        ]
        var result = ApplicationResult(
            data: DataSource(source: "generated", train: fleet.train.count, test: fleet.test.count,
                             note: "a C-MAPSS-like fleet simulated from the seed (Saxena et al. 2008 set-up): \(TurbofanFleet.sensors.count) sensors, 3 settings, HPC wear in training"),
            results: results, dataEfficiency: efficiency, shift: shift, maintenance: maintenance,
            extra: [("window", .int(Self.window)), ("rul_cap", .double(Self.cap)),
                    ("shifted_test", .object([("unseen_fault", .string("fan degradation")), ("unseen_condition", .string("42 kft, Mach 0.84, TRA 100")),
                                              ("engines", .int(plan.shifted))])),
                    ("phm08_scores", .object([("end-to-end", .double(e2eScores.score)), ("pipeline", .double(pipeScores.score)),
                                              ("pipeline (MLP)", .double(mlpScores.score))]))],
            figures: [("data_efficiency", DataEfficiency.chart(efficiency, metric: "rmse", title: "Test RMSE (cycles) against the share of training engines")),
                      ("shift", ShiftComparison.chart(shift, shift: "shifted", title: "RMSE on the test engines and on the shifted ones")),
                      ("predictions", Self.predictionChart(e2e: e2eScores, pipeline: pipeScores, mlp: mlpScores))],
            images: [("saliency.png", try attribution.image().encoded())],
            models: models,
            setup: Self.setup(plan: plan, conditions: pipeline.normalizer.conditionCount, kept: pipeline.normalizer.kept.count),
            notes: [attribution.notes(), Self.scoreNotes(e2e: e2eScores, pipeline: pipeScores, mlp: mlpScores, shifts: shiftScores)])
        result.log = ApplicationResult.curves(e2e.summary.history, label: "end-to-end")
            + ApplicationResult.curves(mlp.summary.history, label: "pipeline (MLP)")
        return result
    }

    // MARK: - The training parts (each one call; the networks' main fits and the data-efficiency points are resumable parts)

    /// Scales the engines' channels, cuts every window `stride` cycles apart and trains the CNN on them.
    func fitEndToEnd(_ cnn: RULNetwork, _ engines: [TurbofanFleet.Engine], scaling: EngineWindows.ChannelScaling, stride: Int,
                     part: (key: String, context: ApplicationContext)? = nil) throws -> RULNetwork.Trained {
        let set = try EngineWindows.training(engines, scaling: scaling, length: Self.window, stride: stride, cap: Self.cap)
        return try cnn.train(set.inputs, targets: set.targets, cap: Self.cap, part: part)
    }

    /// Fits every pipeline stage; returns the pipeline and its wall time.
    func fitPipeline(_ engines: [TurbofanFleet.Engine], stride: Int, seed: UInt64) throws -> (MaintenancePipeline, Double) {
        let start = ProgressReporter.monotonicSeconds()
        let p = try MaintenancePipeline(fitting: engines, window: Self.window, stride: stride, cap: Self.cap, seed: seed)
        return (p, ProgressReporter.monotonicSeconds() - start)
    }

    /// Trains the pipeline's MLP on the fitted pipeline's standardized training-window features.
    func fitPipelineMLP(_ net: RULNetwork, _ pipeline: MaintenancePipeline, _ engines: [TurbofanFleet.Engine], stride: Int,
                        part: (key: String, context: ApplicationContext)? = nil) throws -> RULNetwork.Trained {
        let (x, y) = try pipeline.trainingSet(engines, stride: stride)
        return try net.train(PipelineMLP.tensor(x), targets: y, cap: Self.cap, part: part)
    }

    // MARK: - Report text

    static func key(_ shiftName: String) -> String { shiftName.hasPrefix("unseen fault") ? "unseen_fault" : "unseen_condition" }

    static func predictionChart(e2e: Scores, pipeline: Scores, mlp: Scores) -> SVGChart {
        let order = e2e.actual.indices.sorted { e2e.actual[$0] < e2e.actual[$1] }
        return SVGChart(title: "Test engines sorted by true RUL: estimates (cycles)", xLabel: "test engine (by true remaining life)", yLabel: "RUL (cycles)",
                        series: [SVGChart.Series(name: "true (capped)", ys: order.map { e2e.actual[$0] }),
                                 SVGChart.Series(name: "end-to-end CNN", ys: order.map { e2e.predicted[$0] }, showMarkers: true),
                                 SVGChart.Series(name: "pipeline", ys: order.map { pipeline.predicted[$0] }, showMarkers: true),
                                 SVGChart.Series(name: "pipeline (MLP)", ys: order.map { mlp.predicted[$0] }, showMarkers: true)])
    }

    static func scoreNotes(e2e: Scores, pipeline: Scores, mlp: Scores, shifts: [(name: String, e2e: Scores, pipe: Scores, mlp: Scores)]) -> String {
        var md = "## RMSE and PHM08 score\n\nAgainst the true remaining life capped at \(Int(cap)) cycles, one estimate per engine (its last window). "
        md += "The PHM08 score is a sum over the engines (lower is better; late estimates cost more).\n\n"
        md += "Mean error is the mean of estimate − truth (positive: late).\n\n"
        md += "| test set | end-to-end RMSE | pipeline RMSE | pipeline (MLP) RMSE | end-to-end PHM08 | pipeline PHM08 | pipeline (MLP) PHM08 | mean error e2e / pipeline / MLP |\n|---|---:|---:|---:|---:|---:|---:|---|\n"
        let rows = [("test (HPC wear, training conditions)", e2e, pipeline, mlp)] + shifts.map { ($0.name, $0.e2e, $0.pipe, $0.mlp) }
        for (name, a, b, c) in rows {
            md += "| \(name) | \(Format.number(a.rmse)) | \(Format.number(b.rmse)) | \(Format.number(c.rmse)) | \(Format.number(a.score)) | \(Format.number(b.score)) | \(Format.number(c.score)) | "
                + String(format: "%+.1f / %+.1f / %+.1f |\n", a.bias, b.bias, c.bias)
        }
        return md
    }

    static func setup(plan: Plan, conditions: Int, kept: Int) -> String {
        """
        **Task**: estimate the remaining useful life (RUL) of a turbofan engine after the last recorded cycle, \
        against the piecewise-linear target capped at \(Int(cap)) cycles; one estimate per test engine from its last \(window)-cycle window, \
        as on the C-MAPSS test sets. Metrics: RMSE (cycles) and the PHM08 score.

        **Data**: a simulated fleet after the C-MAPSS set-up (Saxena et al. 2008), seeded: \(plan.train) engines run to failure \
        (lifetimes \(plan.lifetimes.lowerBound)–\(plan.lifetimes.upperBound) cycles) for training, \(plan.test) test engines cut 5–150 cycles before failure. \
        Every cycle flies one of C-MAPSS's operating conditions 1–5 (altitude, Mach, throttle); 21 sensors (14 drift with wear, 7 with the condition only), \
        exponential damage growth from a per-engine initial wear, per-engine manufacturing offsets, Gaussian noise; HPC degradation. \
        Shifted test sets of \(plan.shifted) engines each: fan degradation (an unseen fault mode), and HPC wear flying also condition 6 (42 kft, Mach 0.84; an unseen condition).

        **End-to-end**: a 1-D CNN on the raw \(TurbofanFleet.channels)-channel windows (3 settings + 21 sensors, each channel scaled by one global mean and deviation), \
        three length-1 convolutions (32, 32, 16 filters), an average over 5 cycles, a length-3 convolution (16 filters), dropout 0.3 and 64 hidden units, \
        squared error on RUL/\(Int(cap)), \(plan.epochs) epochs of Adam (lr 0.002, batch 128) on windows \(plan.stride) cycle\(plan.stride == 1 ? "" : "s") apart.

        **Pipeline**: k-means on the settings (k chosen by the inertia elbow: \(conditions) conditions found), each sensor z-scored within its condition \
        (\(kept) sensors that vary kept), a linear health index (ridge onto 1 for the first 30 and 0 for the last 30 cycles of each training engine), \
        per window the mean and slope of every kept sensor and the health index's mean, slope and last-10-cycle mean, standardized, then ridge regression (alpha 1) onto the capped RUL, clipped to 0–\(Int(cap)). \
        **Pipeline (MLP)**: the same features, an MLP (32, 32 hidden units, dropout 0.3) fitted by the Trainer (\(plan.mlpEpochs) epochs of Adam) instead of the ridge, clipped the same way.
        """
    }
}
