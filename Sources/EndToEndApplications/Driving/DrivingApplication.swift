import EndToEnd
import EndToEndNN
import EndToEndTraining
import Foundation

/// Lane keeping (issue #12, application 3): a scaled-down PilotNet from camera pixels to the
/// steering angle against the classic pipeline (marking detection by thresholds, quadratic
/// lane fit, pure pursuit), scored open loop on steering error and closed loop by driving a
/// kinematic bicycle model along generated test roads.
public struct DrivingApplication: Application {
    public init() {}
    public var name: String { "driving" }
    public var summary: String { "lane keeping: PilotNet-style CNN from camera pixels to steering vs. lane detection + pure pursuit, open and closed loop" }

    /// How much each size runs.
    struct Plan {
        var train: Int, test: Int, shifted: Int, epochs: Int, minimumSteps: Int
        var roads: Int, roadLength: Double, attributions: Int, integratedGradientSteps: Int

        static func of(_ size: ApplicationContext.Size) -> Plan {
            switch size {
            case .smoke: return Plan(train: 40, test: 24, shifted: 12, epochs: 1, minimumSteps: 4, roads: 2, roadLength: 10,
                                     attributions: 2, integratedGradientSteps: 4)
            case .quick: return Plan(train: 2000, test: 400, shifted: 300, epochs: 8, minimumSteps: 300, roads: 4, roadLength: 200,
                                     attributions: 4, integratedGradientSteps: 16)
            case .full: return Plan(train: 8000, test: 1000, shifted: 600, epochs: 15, minimumSteps: 2000, roads: 8, roadLength: 400,
                                    attributions: 6, integratedGradientSteps: 32)
            }
        }
    }

    public func run(_ context: ApplicationContext) throws -> ApplicationResult {
        let plan = Plan.of(context.size)
        let log = context.log
        let renderer = RoadRenderer()
        let camera = renderer.camera
        let reference = PurePursuit()

        // Data: every set from its own derived seed.
        var clock = Date()
        func generate(_ count: Int, _ condition: RoadAppearance.Condition, _ part: UInt64) -> DrivingDataset {
            DrivingDataset.generate(count: count, condition: condition, seed: context.seed(part), renderer: renderer, controller: reference)
        }
        let train = generate(plan.train, .nominal, 1), test = generate(plan.test, .nominal, 2)
        let shifts: [(name: String, data: DrivingDataset)] = [
            (RoadAppearance.Condition.unseenTexture.rawValue, generate(plan.shifted, .unseenTexture, 3)),
            (RoadAppearance.Condition.unseenLighting.rawValue, generate(plan.shifted, .unseenLighting, 4)),
        ]
        log(String(format: "data: %d train, %d test, %d per shift (%dx%d gray), rendered in %.1f s", train.count, test.count,
                   plan.shifted, camera.width, camera.height, Date().timeIntervalSince(clock)))

        // End-to-end.
        let net = PilotNet(camera: camera, epochs: plan.epochs, minimumSteps: plan.minimumSteps, seed: context.seed(10))
        let trained = try net.train(train, part: ("end-to-end", context), log: log)
        let e2eTest = SteeringError(predicted: try trained.steering(test), reference: test.steering)

        // Step-by-step: the same trunk first learns the lane geometry, then a head the steering, same budget.
        let stepwise = try DrivingStepByStep.train(train, test: test, net: net, steps: trained.summary.steps, log: log)
        let stepTest = SteeringError(predicted: try stepwise.steering(test), reference: test.steering)
        log(String(format: "  step-by-step: %d steps, %.1f s", stepwise.result.steps, stepwise.result.wallSeconds))

        // Pipeline: the detection threshold is its one fitted number.
        clock = Date()
        var pipeline = LanePipeline(detector: LaneMarkingDetector(camera: camera), controller: reference)
        let thresholdScores = pipeline.fitThreshold(on: train)
        let pipelineSeconds = Date().timeIntervalSince(clock)
        let pipelineTest = SteeringError(predicted: pipeline.steering(test), reference: test.steering)
        log(String(format: "  pipeline: threshold %.2f chosen on %d images in %.1f s", pipeline.detector.threshold,
                   min(train.count, 300), pipelineSeconds))
        log(String(format: "open loop (test): end-to-end rmse %.4f mae %.4f; step-by-step rmse %.4f mae %.4f; pipeline rmse %.4f mae %.4f",
                   e2eTest.rmse, e2eTest.mae, stepTest.rmse, stepTest.mae, pipelineTest.rmse, pipelineTest.mae))

        // Closed loop on the nominal roads and on roads of the unseen texture.
        clock = Date()
        let driveSeed = context.seed(20)
        func pipelineDriver(_ images: [Float], _ count: Int) -> [Double] {
            let n = camera.width * camera.height
            return (0..<count).map { pipeline.steering(images[($0 * n)..<(($0 + 1) * n)]) ?? 0 }
        }
        var closedLoop: [ClosedLoopSummary] = []
        var firstRoad: [(approach: String, drive: ClosedLoop.Drive)] = []
        // Sharp curves: radii down to 29 m where training saw 50 m and more (steering beyond the labels' range).
        let settings: [(part: UInt64, condition: RoadAppearance.Condition, maxCurvature: Double, name: String)] = [
            (21, .nominal, DrivingScene.maxCurvature, ""), (22, .unseenTexture, DrivingScene.maxCurvature, RoadAppearance.Condition.unseenTexture.rawValue),
            (23, .unseenLighting, DrivingScene.maxCurvature, RoadAppearance.Condition.unseenLighting.rawValue),
            (24, .nominal, 0.035, "sharp_curves"),
        ]
        for (part, condition, maxCurvature, name) in settings {
            let loop = ClosedLoop(renderer: renderer, model: reference.model,
                                  roads: ClosedLoop.testRoads(count: plan.roads, length: plan.roadLength, condition: condition,
                                                              seed: context.seed(part), maxCurvature: maxCurvature))
            let suffix = name.isEmpty ? "" : " (\(name))"
            let runs: [(String, [ClosedLoop.Drive])] = [
                ("reference" + suffix, try loop.run({ _, _ in [] }, seed: driveSeed, reference: reference)),
                ("end-to-end" + suffix, try loop.run({ try trained.steering(pixels: $0, count: $1) }, seed: driveSeed)),
                ("step-by-step" + suffix, try loop.run({ try stepwise.steering(pixels: $0, count: $1) }, seed: driveSeed)),
                ("pipeline" + suffix, try loop.run(pipelineDriver, seed: driveSeed)),
            ]
            for (approach, drives) in runs {
                let s = loop.summary(approach: approach, drives: drives)
                closedLoop.append(s)
                if name.isEmpty { firstRoad.append((approach, drives[0])) }
                log(String(format: "closed loop: %@ %.0f m before leaving the lane (mean of %d roads), %d interventions, mean |lateral| %.3f m, autonomy %.3f",
                           approach, s.meanDistanceBeforeLeaving, s.roads, s.interventions, s.meanLateralError, s.autonomy))
            }
        }
        log(String(format: "closed loop took %.1f s", Date().timeIntervalSince(clock)))

        // Data efficiency: nested subsets, each network trained for at least `minimumSteps`.
        let efficiency = try DataEfficiency.measure(
            approaches: ["end-to-end", "pipeline"], labels: [Int](repeating: 0, count: train.count), seed: context.seed(30), context: context, log: log
        ) { approach, fraction, indices in
            let subset = train.subset(indices)
            if approach == "pipeline" {
                if fraction == 1 { return pipelineTest.rmse }
                var p = pipeline
                p.fitThreshold(on: subset)
                return SteeringError(predicted: p.steering(test), reference: test.steering).rmse
            }
            if fraction == 1 { return e2eTest.rmse }
            let t = try net.train(subset)
            return SteeringError(predicted: try t.steering(test), reference: test.steering).rmse
        }

        // Shift: the same trained systems on unseen textures and unseen lighting.
        var shiftRows: [ShiftResult] = []
        for (name, data) in shifts {
            shiftRows += ShiftComparison.rows(metric: "steering_rmse_" + name, [
                ("end-to-end", e2eTest.rmse, SteeringError(predicted: try trained.steering(data), reference: data.steering).rmse),
                ("step-by-step", stepTest.rmse, SteeringError(predicted: try stepwise.steering(data), reference: data.steering).rmse),
                ("pipeline", pipelineTest.rmse, SteeringError(predicted: pipeline.steering(data), reference: data.steering).rmse),
            ])
        }
        for r in shiftRows { log(String(format: "shift: %@ %@ %.4f (test %.4f)", r.approach, r.metric, r.value, r.inDistribution ?? .nan)) }

        // Attributions for a few test images beside the pipeline's detected markings.
        let k = min(plan.attributions, test.count)
        let pixels = Array(test.pixels[0..<(k * camera.width * camera.height)])
        let x = Tensor(shape: [k, 1, camera.height, camera.width], scalars: pixels)
        trained.model.eval()
        let gxi = try Attribution.gradientTimesInput(model: trained.fromPixels, input: x, target: 0).scalars
        let ig = try Attribution.integratedGradients(model: trained.fromPixels, input: x, target: 0, steps: plan.integratedGradientSteps).scalars
        let n = camera.width * camera.height
        let grid = try DrivingFigures.attributionGrid(rows: (0..<k).map { i in
            let r = (i * n)..<((i + 1) * n)
            return (Array(pixels[r]), Array(gxi[r]), Array(ig[r]),
                    try DrivingFigures.pipelineView(test.image(i), lane: pipeline.lane(test.image(i)), camera: camera))
        }, camera: camera)

        // Maintenance, counted from the source files of each approach.
        let here = SourceLines.directory(of: #filePath)
        let e2eParameters = trained.model.parameterCount
        let maintenance = [
            try MaintenanceCost.counted(approach: "end-to-end", stages: 1, handSetConstants: net.handSetConstants,
                                        sourceFiles: ["PilotNet.swift"], in: here, parameters: e2eParameters),
            try MaintenanceCost.counted(approach: "step-by-step", stages: 2, handSetConstants: DrivingStepByStep.handSetConstants(net),
                                        sourceFiles: ["PilotNet.swift", "DrivingStepByStep.swift"], in: here,
                                        parameters: stepwise.result.parameterCount),
            try MaintenanceCost.counted(approach: "pipeline", stages: 3, handSetConstants: pipeline.handSetConstants.count,
                                        sourceFiles: ["Camera.swift", "LaneMarkingDetector.swift", "LaneFitter.swift", "Quadratic.swift",
                                                      "PurePursuit.swift", "LanePipeline.swift"], in: here, parameters: 1),
        ]

        let loopJSON = closedLoop.map(\.json)
        func loopValue(_ approach: String) -> JSONValue {
            closedLoop.first { $0.approach == approach }.map { .double($0.meanDistanceBeforeLeaving) } ?? .null
        }
        let results = [
            ApproachResult(approach: "end-to-end", metric: "steering_rmse", value: e2eTest.rmse, trainSeconds: trained.summary.wallSeconds,
                           parameters: e2eParameters,
                           extra: [("steering_mae", .double(e2eTest.mae)), ("steps", .int(trained.summary.steps)),
                                   ("closed_loop_distance", loopValue("end-to-end"))]),
            ApproachResult(approach: "step-by-step", metric: "steering_rmse", value: stepTest.rmse, trainSeconds: stepwise.result.wallSeconds,
                           parameters: stepwise.result.parameterCount,
                           extra: [("steering_mae", .double(stepTest.mae)), ("steps", .int(stepwise.result.steps)),
                                   ("closed_loop_distance", loopValue("step-by-step"))]),
            ApproachResult(approach: "pipeline", metric: "steering_rmse", value: pipelineTest.rmse, trainSeconds: pipelineSeconds, parameters: 1,
                           extra: [("steering_mae", .double(pipelineTest.mae)), ("threshold", .double(pipeline.detector.threshold)),
                                   ("closed_loop_distance", loopValue("pipeline"))]),
        ]

        let figures: [(filename: String, chart: SVGChart)] = [
            ("data_efficiency", DataEfficiency.chart(efficiency, metric: "steering RMSE (rad), test set")),
            ("shift", DrivingFigures.shiftChart(test: [("end-to-end", e2eTest.rmse), ("step-by-step", stepTest.rmse), ("pipeline", pipelineTest.rmse)],
                                                shifted: shiftRows)),
            ("closed-loop-lateral", DrivingFigures.lateralChart(firstRoad, metresPerStep: 1)),
        ]

        var result = ApplicationResult(
            data: DataSource(source: "generated", train: train.count, test: test.count,
                             note: "procedurally rendered \(camera.width)x\(camera.height) gray road images, labelled by pure pursuit on the true lane centre"),
            results: results, dataEfficiency: efficiency, shift: shiftRows, maintenance: maintenance,
            extra: [("closed_loop", .array(loopJSON))],
            figures: figures, images: [("attributions.png", grid.encoded())],
            models: [try net.save(trained, in: context, test: test)],
            setup: Self.setup(camera: camera, plan: plan, pipeline: pipeline),
            notes: [Self.closedLoopTable(closedLoop), Self.thresholdTable(thresholdScores),
                    "### Attributions\n\n![attributions](figures/attributions.png)\n\nEach row: a test image; gradient × input; integrated gradients (black-image baseline) — red raises the steering angle (left), blue lowers it; the pipeline's view: left marking pixels red, right blue, fitted lane centre green.\n"])
        result.log = ApplicationResult.curves(trained.summary.history, label: "end-to-end")
        return result
    }

    static func setup(camera: Camera, plan: Plan, pipeline: LanePipeline) -> String {
        """
        Camera images (\(camera.width)×\(camera.height) gray, a pinhole camera \(camera.mountHeight) m above the rear axle pitched \
        \(String(format: "%.0f", camera.pitch * 180 / .pi))° down) of procedurally generated one-lane roads: curvature up to \
        \(DrivingScene.maxCurvature) 1/m, the car up to 0.9 m off centre and 0.12 rad off heading, asphalt or patched surfaces, \
        solid or dashed markings, lighting gains 0.75–1.2, round shadows and sensor noise. Label: the steering of pure pursuit \
        (look-ahead \(pipeline.controller.lookahead) m, wheelbase \(pipeline.controller.model.wheelbase) m) on the true lane centre.

        - **end-to-end**: a scaled-down PilotNet (3 convolutions, 3 fully connected layers) from pixels to steering, MSE, Adam, \
        \(plan.epochs) epochs over \(plan.train) images (batch 32); each data-efficiency subset is trained from the same initial \
        weights for at least \(plan.minimumSteps) steps.
        - **step-by-step** (StepByStepStrategy): the same trunk first trained to predict the lane geometry (offset, relative \
        heading, curvature 8 m ahead; standardized MSE), then frozen while a linear head learns the steering; the same number \
        of steps in all, split evenly; the trunk with PilotNet's Adam 1e-3, the head with Adam 1e-2.
        - **pipeline**: top-hat threshold marking detection, inverse perspective to the ground, histogram + sliding-window \
        grouping, least-squares quadratic per marking, pure pursuit on the fitted centre; the threshold (\(pipeline.detector.threshold)) \
        is chosen on training images.
        - **closed loop**: \(plan.roads) generated roads of \(Int(plan.roadLength)) m, 10 m/s, 0.1 s steps, kinematic bicycle model; \
        leaving the lane = rear axle more than 0.9 m off centre (a wheel on the marking), after which the car is put back (an intervention).
        - **shifts**: cobblestone roads (unseen texture) and dusk lighting (gains 0.35–0.5, more noise), open loop and closed \
        loop; closed loop also on sharper curves (radii down to 29 m; training saw 50 m and more).
        """
    }

    static func closedLoopTable(_ rows: [ClosedLoopSummary]) -> String {
        var md = "### Closed loop\n\n| driver | roads | m before leaving the lane (mean) | roads without leaving | interventions | mean abs lateral error (m) | autonomy |\n|---|---:|---:|---:|---:|---:|---:|\n"
        for r in rows {
            md += String(format: "| %@ | %d | %.1f | %d | %d | %.3f | %.3f |\n", r.approach, r.roads, r.meanDistanceBeforeLeaving,
                         r.roadsCompletedWithoutLeaving, r.interventions, r.meanLateralError, r.autonomy)
        }
        return md
    }

    static func thresholdTable(_ scores: [(threshold: Double, rmse: Double)]) -> String {
        "### Pipeline threshold fit (training images)\n\n| threshold | steering RMSE |\n|---:|---:|\n"
            + scores.map { String(format: "| %.2f | %.5f |", $0.threshold, $0.rmse) }.joined(separator: "\n") + "\n"
    }
}
