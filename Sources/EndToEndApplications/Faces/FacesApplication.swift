import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndTraining
import Foundation

/// Face detection (issue #12, application 2): a CNN classifier and a fully convolutional
/// detector trained from pixels, against HOG features + a linear SVM over a sliding window
/// with non-maximum suppression (Dalal & Triggs 2005), on scikit-image's LFW subset and on
/// generated scenes with faces pasted in.
public struct FacesApplication: Application {
    public let name = "faces"
    public let summary = "face detection on scikit-image's LFW subset: CNN and fully convolutional detector vs HOG + linear SVM, sliding window, NMS"

    public init() {}

    /// Accuracy is read at the margin 0 / logit difference 0; detection pictures draw boxes above it.
    static let drawThreshold = 0.0

    public func run(_ context: ApplicationContext) throws -> ApplicationResult {
        let settings = FacesSettings.forSize(context.size)
        let log = context.log
        let loaded = try FacesData.load(path: context.dataPath, seed: context.seed(1), log: log)
        let (train, test) = loaded.patches.stratifiedSplit(trainFraction: 0.7, seed: context.seed(2))
        log("faces: \(loaded.source), \(train.count) training and \(test.count) test windows")

        let trainScenes = FaceScenes.generate(count: settings.trainScenes, side: settings.sceneSide, faces: train.faces,
                                              distractors: train.nonFaces, seed: context.seed(3))
        let testScenes = FaceScenes.generate(count: settings.testScenes, side: settings.sceneSide, faces: test.faces,
                                             distractors: test.nonFaces, seed: context.seed(4))
        let shiftedScenes = FaceScenes.relit(testScenes, seed: context.seed(5))
        let shiftedTest = FaceScenes.relit(test, seed: context.seed(6))
        let negatives = FaceScenes.negatives(from: trainScenes, count: settings.sceneNegatives, seed: context.seed(7))
        let detectorBase = train + FacePatches(images: negatives, labels: negatives.map { _ in 0 })
        let detectorTrain = detectorBase.detectorWindows
        let classifierTrain = train.withMirrors

        // Classification: end-to-end CNN and HOG + SVM on the same windows.
        log("faces: training the CNN classifier (\(settings.cnnSteps) steps)")
        let cnn = try FaceNetworks.train(approach: "end-to-end", layers: FaceNetworks.classifierLayers, train: classifierTrain,
                                         steps: settings.cnnSteps, seed: context.seed(10), part: ("end-to-end", context))
        log("faces: fitting HOG + linear SVM (\(settings.svmSteps) steps)")
        let svm = try HOGLinearSVM(seed: context.seed(11))
        try svm.fit(classifierTrain, steps: settings.svmSteps, seed: context.seed(11))
        let cnnAccuracy = try FaceNetworks.accuracy(cnn.model, test), svmAccuracy = try svm.accuracy(test)
        log("faces: test accuracy CNN \(Format.number(cnnAccuracy)), HOG + SVM \(Format.number(svmAccuracy))")

        // Detection: fully convolutional detector and sliding-window HOG + SVM, same windows.
        log("faces: training the fully convolutional detector (\(settings.detectorSteps) steps) on \(detectorTrain.count) windows")
        let detector = try FaceNetworks.train(approach: "end-to-end-detector", layers: FaceNetworks.detectorLayers, train: detectorTrain,
                                              steps: settings.detectorSteps, seed: context.seed(12), part: ("end-to-end-detector", context))
        let svmDetector = try HOGLinearSVM(seed: context.seed(13))
        try svmDetector.fit(detectorTrain, steps: settings.svmSteps, seed: context.seed(13))
        let design = svmDetector.design
        func fcnDetections(_ scenes: [FaceScene], _ model: Module? = nil) throws -> [[Detection]] {
            try scenes.map { try FaceNetworks.detect(model ?? detector.model, $0.image, nmsIoU: design.nmsIoU, maxPerScene: design.maxPerScene) }
        }
        func svmDetections(_ scenes: [FaceScene], _ svm: HOGLinearSVM? = nil) throws -> [[Detection]] {
            try scenes.map { try (svm ?? svmDetector).detect($0.image) }
        }
        func ap(_ d: [[Detection]], _ scenes: [FaceScene]) throws -> Double {
            try DetectionAveragePrecision.compute(detections: d, groundTruth: scenes.map(\.faces), iouThreshold: 0.5)
        }
        let fcnTest = try fcnDetections(testScenes), svmTest = try svmDetections(testScenes)
        let fcnShift = try fcnDetections(shiftedScenes), svmShift = try svmDetections(shiftedScenes)
        let fcnAP = try ap(fcnTest, testScenes), svmAP = try ap(svmTest, testScenes)
        let fcnShiftAP = try ap(fcnShift, shiftedScenes), svmShiftAP = try ap(svmShift, shiftedScenes)
        log("faces: detection AP@0.5 detector \(Format.number(fcnAP)), HOG + SVM \(Format.number(svmAP)); relit scenes \(Format.number(fcnShiftAP)), \(Format.number(svmShiftAP))")

        let results = [
            ApproachResult(approach: "end-to-end", metric: "accuracy", value: cnnAccuracy, trainSeconds: cnn.trainSeconds, parameters: cnn.parameters,
                           extra: [("task", .string("classification")), ("system", .string("CNN classifier")), ("steps", .int(cnn.steps))]),
            ApproachResult(approach: "pipeline", metric: "accuracy", value: svmAccuracy, trainSeconds: svm.trainSeconds, parameters: svm.parameters,
                           extra: [("task", .string("classification")), ("system", .string("HOG + linear SVM")), ("steps", .int(settings.svmSteps))]),
            ApproachResult(approach: "end-to-end", metric: "average_precision", value: fcnAP, trainSeconds: detector.trainSeconds, parameters: detector.parameters,
                           extra: [("task", .string("detection")), ("system", .string("fully convolutional detector + NMS")), ("steps", .int(detector.steps)),
                                   ("iou_threshold", .double(0.5)), ("test_scenes", .int(testScenes.count))]),
            ApproachResult(approach: "pipeline", metric: "average_precision", value: svmAP, trainSeconds: svmDetector.trainSeconds, parameters: svmDetector.parameters,
                           extra: [("task", .string("detection")), ("system", .string("HOG + linear SVM, sliding window, NMS")), ("steps", .int(settings.svmSteps)),
                                   ("iou_threshold", .double(0.5)), ("test_scenes", .int(testScenes.count))]),
        ]
        let shift = ShiftComparison.rows(metric: "average_precision", [("end-to-end", fcnAP, fcnShiftAP), ("pipeline", svmAP, svmShiftAP)])
            + ShiftComparison.rows(metric: "accuracy", [("end-to-end", cnnAccuracy, try FaceNetworks.accuracy(cnn.model, shiftedTest)),
                                                        ("pipeline", svmAccuracy, try svm.accuracy(shiftedTest))])

        // Data efficiency: both classifiers on nested, stratified fractions of the training windows.
        let efficiency = try DataEfficiency.measure(approaches: ["end-to-end", "pipeline"], labels: train.labels, seed: context.seed(20), context: context, log: log) { approach, fraction, indices in
            let subset = train.subset(indices).withMirrors
            if fraction == 1 { return approach == "end-to-end" ? cnnAccuracy : svmAccuracy }
            if approach == "end-to-end" {
                let t = try FaceNetworks.train(approach: "end-to-end", layers: FaceNetworks.classifierLayers, train: subset,
                                               steps: settings.cnnSteps, seed: context.seed(10))
                return try FaceNetworks.accuracy(t.model, test)
            }
            let p = try HOGLinearSVM(seed: context.seed(11))
            try p.fit(subset, steps: settings.svmSteps, seed: context.seed(11))
            return try p.accuracy(test)
        }

        // The same for the detectors: fractions of their training faces, non-faces and background windows.
        let detectionEfficiency = try DataEfficiency.measure(approaches: ["end-to-end detector", "pipeline detector"], labels: detectorBase.labels,
                                                             seed: context.seed(21), context: context, log: log) { approach, fraction, indices in
            if fraction == 1 { return approach == "end-to-end detector" ? fcnAP : svmAP }
            let subset = detectorBase.subset(indices).detectorWindows
            if approach == "end-to-end detector" {
                let t = try FaceNetworks.train(approach: "end-to-end-detector", layers: FaceNetworks.detectorLayers, train: subset,
                                               steps: settings.detectorSteps, seed: context.seed(12))
                return try ap(fcnDetections(testScenes, t.model), testScenes)
            }
            let p = try HOGLinearSVM(seed: context.seed(13))
            try p.fit(subset, steps: settings.svmSteps, seed: context.seed(13))
            return try ap(svmDetections(testScenes, p), testScenes)
        }

        // Saved models for `e2e predict` / `e2e evaluate`, each with the test windows.
        let saved = try [cnn, detector].map { try $0.network.save(in: context, inputs: test.inputs, labels: test.labels) }

        let facesToExplain = Array(test.faces.prefix(settings.attributionExamples))
        let (attributionPNG, attributionNotes) = try FacesFigures.attributions(cnn: cnn.model, faces: facesToExplain, svm: svm,
                                                                               steps: settings.integratedGradientSteps)
        let exampleIndex = testScenes.indices.max { testScenes[$0].faces.count < testScenes[$1].faces.count } ?? 0
        let detectionsPNG = try FacesFigures.detections(testScenes[exampleIndex], [fcnTest[exampleIndex], svmTest[exampleIndex]], threshold: Self.drawThreshold)
        let shiftedPNG = try FacesFigures.detections(shiftedScenes[exampleIndex], [fcnShift[exampleIndex], svmShift[exampleIndex]], threshold: Self.drawThreshold)

        let here = SourceLines.directory(of: #filePath)
        let vision = here.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("EndToEndData/Vision", isDirectory: true)
        let maintenance = [
            MaintenanceCost(approach: "end-to-end", stages: 2,
                            handSetConstants: FaceNetworks.detectorConstants + 2,
                            linesOfCode: try SourceLines.count(files: ["FaceNetworks.swift"], in: here)
                                + SourceLines.count(files: ["NonMaximumSuppression.swift"], in: vision),
                            parameters: detector.parameters),
            MaintenanceCost(approach: "pipeline", stages: 4, handSetConstants: HOGLinearSVM.Design.handSetConstants,
                            linesOfCode: try SourceLines.count(files: ["HOGLinearSVM.swift"], in: here)
                                + SourceLines.count(files: ["HOG.swift", "SlidingWindow.swift", "NonMaximumSuppression.swift"], in: vision),
                            parameters: svmDetector.parameters),
        ]

        let shiftName = "relit + noise"
        var result = ApplicationResult(
            data: DataSource(source: loaded.source, train: train.count, test: test.count, licence: loaded.licence, note: loaded.note),
            results: results, dataEfficiency: efficiency, shift: shift, maintenance: maintenance,
            extra: [("data_efficiency_detection", .array(detectionEfficiency.map { p in
                        .object([("approach", .string(p.approach)), ("metric", .string("average_precision")), ("fraction", .double(p.fraction)), ("value", .double(p.value))])
                     })),
                    ("detection", .object([("train_scenes", .int(trainScenes.count)), ("test_scenes", .int(testScenes.count)),
                                           ("scene_side", .int(settings.sceneSide)), ("faces_in_test_scenes", .int(testScenes.reduce(0) { $0 + $1.faces.count })),
                                           ("detector_training_windows", .int(detectorTrain.count))]))],
            figures: [("data_efficiency", DataEfficiency.chart(efficiency, metric: "test accuracy (classification)")),
                      ("data_efficiency_detection", DataEfficiency.chart(detectionEfficiency, metric: "average precision (detection)")),
                      ("shift", ShiftComparison.chart(shift.filter { $0.metric == "average_precision" }, shift: shiftName)),
                      ("shift-accuracy", ShiftComparison.chart(shift.filter { $0.metric == "accuracy" }, shift: shiftName))],
            images: [("attributions.png", attributionPNG.encoded()), ("detections.png", detectionsPNG.encoded()),
                     ("detections-relit.png", shiftedPNG.encoded())],
            models: saved,
            setup: Self.setup(loaded: loaded, settings: settings, train: train, test: test, detectorWindows: detectorTrain.count),
            notes: ["## Data efficiency of the detectors\n\nAverage precision on the test scenes, the detectors trained on fractions of their training faces, non-faces and background windows (same steps at every fraction):\n\n"
                        + ApplicationReport.dataEfficiencyTable(detectionEfficiency),
                    "## Attributions\n\nRows of figures/attributions.png: the window, CNN gradient × input, CNN integrated gradients, window's HOG, SVM's positive weights as a HOG.\n\n"
                        + attributionNotes.map { "- " + $0 }.joined(separator: "\n")])
        result.log = ApplicationResult.curves(cnn.history, label: "end-to-end classifier")
            + ApplicationResult.curves(svm.history, label: "pipeline classifier (SVM)")
            + ApplicationResult.curves(detector.history, label: "end-to-end detector")
            + ApplicationResult.curves(svmDetector.history, label: "pipeline detector (SVM)")
        return result
    }

    static func setup(loaded: FacesData.Loaded, settings: FacesSettings, train: FacePatches, test: FacePatches, detectorWindows: Int) -> String {
        """
        **Task.** Face detection. Classification: is a 25×25 window a face? Detection: find the 25×25 \
        faces pasted into generated \(settings.sceneSide)×\(settings.sceneSide) scenes (1–3 faces and 1–2 non-face \
        windows per scene on a textured background), scored by average precision at IoU ≥ 0.5.

        **Data.** \(loaded.note). Licence: \(loaded.licence ?? "generated from the seed"). Split 70/30 per class: \
        \(train.count) training, \(test.count) test windows; scenes of the test split hold only test windows. \
        Both detectors train on the same \(detectorWindows) windows: the training faces, repeated to about a quarter of \
        the windows, the training non-faces and \(settings.sceneNegatives) background windows of \(settings.trainScenes) \
        training scenes, all with their mirror images.

        **End-to-end.** A CNN classifier (conv 3×3 ×8, pool, conv 3×3 ×16, pool, dense 32, 2 logits) and a fully \
        convolutional detector (conv 5×5 ×16, pool, conv 3×3 ×32, pool, conv 4×4 ×64, 1×1 conv to 2 logits) whose \
        output on a scene is a score map, one score per 4 pixels; both from raw pixels, cross-entropy, Adam, \
        through `Trainer`, declared as `e2e` configs (models/).

        **Pipeline (Dalal & Triggs 2005).** HOG (9 unsigned bins, 5×5-pixel cells, 2×2-cell blocks, L2-Hys) → \
        linear SVM (hinge loss + weight decay, SGD through `Trainer`) → for detection, a sliding window with a \
        4-pixel stride (the detector's stride) → non-maximum suppression (IoU 0.3, 10 per scene), shared by both detectors.

        **Shift.** The same test windows and scenes relit: gamma in [0.5, 1.7], an illumination ramp from 0.35 \
        to 1.15 across the image, Gaussian noise σ = 0.07.
        """
    }
}
