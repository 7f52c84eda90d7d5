import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndTraining
import Foundation

/// Spoken-command recognition (the article's voice assistants): a 1-D CNN on raw 16 kHz
/// waveforms against MFCC features and a fitted classifier, on words spoken by espeak-ng
/// voices, with voices held out of training as the shift.
public struct VoiceApplication: Application {
    public let name = "voice"
    public let summary = "spoken commands (yes, no, up, ... go, unknown, silence): 1-D CNN on waveforms vs MFCC + classifier; shift: held-out voices"

    public init() {}

    /// Clips per class and optimizer steps for one run size.
    struct Plan {
        var trainPerClass: Int, testPerClass: Int, shiftedPerClass: Int
        var networkSteps: Int, classifierSteps: Int, integratedGradientSteps: Int, attributionExamples: Int

        static func of(_ size: ApplicationContext.Size) -> Plan {
            switch size {
            case .smoke: return Plan(trainPerClass: 3, testPerClass: 2, shiftedPerClass: 2, networkSteps: 3, classifierSteps: 20,
                                     integratedGradientSteps: 2, attributionExamples: 2)
            case .quick: return Plan(trainPerClass: 30, testPerClass: 10, shiftedPerClass: 10, networkSteps: 120, classifierSteps: 300,
                                     integratedGradientSteps: 8, attributionExamples: 3)
            case .full: return Plan(trainPerClass: 150, testPerClass: 40, shiftedPerClass: 40, networkSteps: 900, classifierSteps: 1500,
                                    integratedGradientSteps: 32, attributionExamples: 4)
            }
        }
    }

    public func run(_ context: ApplicationContext) throws -> ApplicationResult {
        let plan = Plan.of(context.size)
        let cache = context.dataPath ?? context.cacheDirectory.appendingPathComponent("espeak-ng")
        let speaker: VoiceCorpus.Speaker
        if let espeak = EspeakSynthesizer(cacheDirectory: cache) {
            speaker = .espeak(espeak)
        } else {
            context.log("voice: espeak-ng not found (\(EspeakSynthesizer.installHint)); falling back to formant-synthesized words")
            speaker = .formant(FormantSynthesizer())
        }
        let corpus = VoiceCorpus(speaker: speaker, seed: context.seed(1))
        var clock = ProgressReporter.monotonicSeconds()
        let train = try corpus.clips(.train, perClass: plan.trainPerClass)
        let test = try corpus.clips(.test, perClass: plan.testPerClass)
        let shifted = try corpus.clips(.heldOutVoices, perClass: plan.shiftedPerClass)
        context.log("voice: \(train.count) training, \(test.count) test and \(shifted.count) held-out-voice clips from \(speaker.source) in \(seconds(since: clock)) s (cache: \(cache.path))")

        // End-to-end: waveform to class scores, one loss.
        let e2e = try VoiceEndToEnd.training()
        let wave = (train: try dataset(train.waveforms, train.labels), test: try dataset(test.waveforms, test.labels),
                    shifted: try dataset(shifted.waveforms, shifted.labels))
        let net = try e2e.fit(wave.train, steps: plan.networkSteps, seed: context.seed(2))
        let netAccuracy = (test: try VoiceTraining.accuracy(net.trainer, on: wave.test), shifted: try VoiceTraining.accuracy(net.trainer, on: wave.shifted))
        context.log("voice: end-to-end CNN \(net.model.parameterCount) parameters, \(net.summary.steps) steps in \(format(net.summary.wallSeconds)) s: test accuracy \(format(netAccuracy.test)), held-out voices \(format(netAccuracy.shifted))")

        // Pipeline: MFCC summary features, standardization, classifier.
        let pipeline = try VoicePipeline()
        clock = ProgressReporter.monotonicSeconds()
        let trainFeatures = try pipeline.features(train.waveforms)
        let featureSeconds = seconds(since: clock)
        let standardizer = VoicePipeline.fitStandardizer(trainFeatures)
        let feat = (train: try dataset(VoicePipeline.standardize(trainFeatures, standardizer), train.labels),
                    test: try dataset(VoicePipeline.standardize(try pipeline.features(test.waveforms), standardizer), test.labels),
                    shifted: try dataset(VoicePipeline.standardize(try pipeline.features(shifted.waveforms), standardizer), shifted.labels))
        let classifierTraining = try pipeline.training()
        let classifier = try classifierTraining.fit(feat.train, steps: plan.classifierSteps, seed: context.seed(3))
        let pipeAccuracy = (test: try VoiceTraining.accuracy(classifier.trainer, on: feat.test),
                            shifted: try VoiceTraining.accuracy(classifier.trainer, on: feat.shifted))
        let pipelineParameters = classifier.model.parameterCount + 2 * pipeline.featureCount
        context.log("voice: pipeline MFCC features in \(format(featureSeconds)) s, classifier \(classifier.summary.steps) steps in \(format(classifier.summary.wallSeconds)) s: test accuracy \(format(pipeAccuracy.test)), held-out voices \(format(pipeAccuracy.shifted))")

        // The article's "needs large amounts of data": both on nested subsets of the training set,
        // with at least a quarter of the full run's steps (small sets get more epochs).
        let efficiency = try DataEfficiency.measure(approaches: ["end-to-end", "pipeline"], labels: train.labels, seed: context.seed(4),
                                                    log: context.log) { approach, fraction, indices in
            if fraction == 1 { return approach == "end-to-end" ? netAccuracy.test : pipeAccuracy.test }   // the runs above
            let e2eSide = approach == "end-to-end"
            let full = e2eSide ? plan.networkSteps : plan.classifierSteps
            let steps = max(Int((Double(full) * fraction).rounded(.up)), full / 4, 1)
            let fitted = try (e2eSide ? e2e : classifierTraining).fit((e2eSide ? wave.train : feat.train).subset(indices), steps: steps,
                                                                         seed: context.seed(5, UInt64(indices.count)))
            return try VoiceTraining.accuracy(fitted.trainer, on: e2eSide ? wave.test : feat.test)
        }

        let attributions = try attributionImage(net.model, test: test, pipeline: pipeline, plan: plan)
        let models = try saveModels(context, network: net, networkConfig: e2e.configText, classifier: classifier,
                                    classifierConfig: classifierTraining.configText, test: test, testFeatures: feat.test)

        let shift = ShiftComparison.rows(metric: "accuracy", [("end-to-end", netAccuracy.test, netAccuracy.shifted),
                                                              ("pipeline", pipeAccuracy.test, pipeAccuracy.shifted)])
        let maintenance = try maintenanceCosts(networkParameters: net.model.parameterCount, pipelineParameters: pipelineParameters)
        let results = [
            ApproachResult(approach: "end-to-end", metric: "accuracy", value: netAccuracy.test, trainSeconds: net.summary.wallSeconds,
                           parameters: net.model.parameterCount, extra: [("steps", .int(net.summary.steps)), ("held_out_voices_accuracy", .double(netAccuracy.shifted))]),
            ApproachResult(approach: "pipeline", metric: "accuracy", value: pipeAccuracy.test, trainSeconds: featureSeconds + classifier.summary.wallSeconds,
                           parameters: pipelineParameters, extra: [("steps", .int(classifier.summary.steps)), ("held_out_voices_accuracy", .double(pipeAccuracy.shifted)),
                                                                  ("feature_seconds", .double(featureSeconds))]),
        ]
        let licence = speaker.source == "espeak-ng" ? "GPL-3.0-or-later (espeak-ng; the clips are synthesized by this run)" : nil
        let note = speaker.source == "espeak-ng" ? "words spoken by espeak-ng, resampled to 16 kHz, with noise drawn from the seed"
            : "espeak-ng missing (\(EspeakSynthesizer.installHint)): formant-synthesized words"
        return ApplicationResult(
            data: DataSource(source: speaker.source, train: train.count, test: test.count, licence: licence, note: note),
            results: results, dataEfficiency: efficiency, shift: shift, maintenance: maintenance,
            extra: [("held_out_voices", .array(VoiceVocabulary.heldOutVoices.map { .string($0) })), ("shifted_test", .int(shifted.count))],
            figures: [("learning-curves", learningCurves(net.summary, classifier.summary)),
                      ("data-efficiency", DataEfficiency.chart(efficiency, metric: "accuracy")),
                      ("shift", ShiftComparison.chart(shift, shift: "held-out voices"))],
            images: [("attributions.png", attributions.encoded())],
            models: models,
            setup: setup(speaker: speaker, plan: plan),
            notes: ["## Shift: held-out voices\n\n" + ShiftComparison.table(shift, shift: "held-out voices"),
                    "## Maintenance\n\n" + MaintenanceCost.table(maintenance),
                    "## Attributions\n\n`figures/attributions.png`: one row per test clip; the waveform tinted by the CNN's gradient × input, then by its integrated gradients (red raises the true class's score, blue lowers it), then the clip's MFCCs (time across, c0 at the bottom, each coefficient scaled to its own range)."])
    }

    func dataset(_ x: Tensor, _ labels: [Int]) throws -> TensorDataset { try TensorDataset(inputs: x, labels: IntTensor(labels)) }

    func seconds(since start: Double) -> Double { ProgressReporter.monotonicSeconds() - start }

    func format(_ v: Double) -> String { String(format: "%.3f", v) }

    /// Gradient × input and integrated gradients of the true class for the first clip of a
    /// few classes, beside the clips' MFCCs.
    func attributionImage(_ model: Module, test: VoiceCorpus.Clips, pipeline: VoicePipeline, plan: Plan) throws -> PNGImage {
        model.eval()
        let perClass = test.count / VoiceVocabulary.classCount
        let classes = [0, 4, 8, 2, 6].prefix(plan.attributionExamples)
        var rows: [(waveform: [Float], gradientTimesInput: [Float], integratedGradients: [Float], mfcc: [[Double]])] = []
        for c in classes {
            let x = test.waveforms.sliced(axis: 0, (c * perClass)..<(c * perClass + 1)).contiguous()
            let gxi = try Attribution.gradientTimesInput(model: { model($0) }, input: x, target: c)
            let ig = try Attribution.integratedGradients(model: { model($0) }, input: x, target: c, steps: plan.integratedGradientSteps)
            rows.append((x.scalars, gxi.scalars, ig.scalars, try pipeline.mfcc.coefficients(x.scalars)))
        }
        return try VoiceAttributionFigure.figure(rows)
    }

    /// Each trained network's config and checkpoint under `models/`, with the test inputs they
    /// read (waveforms; standardized features), so `e2e predict` runs on them from the report folder.
    func saveModels(_ context: ApplicationContext, network: (model: Module, trainer: Trainer, summary: TrainingSummary), networkConfig: String,
                    classifier: (model: Module, trainer: Trainer, summary: TrainingSummary), classifierConfig: String,
                    test: VoiceCorpus.Clips, testFeatures: TensorDataset) throws -> [SavedModel] {
        let dir = context.artifactsDirectory.appendingPathComponent("models")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try NPY.write(test.waveforms, to: dir.appendingPathComponent("voice-test-waveforms.npy"))
        try NPY.write(testFeatures.inputs, to: dir.appendingPathComponent("voice-test-features.npy"))
        try NPY.write(Tensor(shape: [test.count], scalars: test.labels.map(Float.init)), to: dir.appendingPathComponent("voice-test-labels.npy"))
        var saved: [SavedModel] = []
        for (approach, trained, config) in [("end-to-end", network, networkConfig), ("pipeline", classifier, classifierConfig)] {
            let stem = approach == "end-to-end" ? "voice-cnn" : "voice-mfcc-classifier"
            try Data(config.utf8).write(to: dir.appendingPathComponent(stem + ".json"), options: .atomic)
            try trained.trainer.saveCheckpoint(to: dir.appendingPathComponent(stem + ".safetensors"))
            saved.append(SavedModel(approach: approach, config: "models/\(stem).json", checkpoint: "models/\(stem).safetensors"))
        }
        return saved
    }

    /// Lines of code from this folder's files and the data layer's DSP the pipeline uses.
    func maintenanceCosts(networkParameters: Int, pipelineParameters: Int) throws -> [MaintenanceCost] {
        let here = SourceLines.directory(of: #filePath)
        let dsp = here.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("EndToEndData/Audio")
        let network = try MaintenanceCost.counted(approach: "end-to-end", stages: 1, handSetConstants: VoiceEndToEnd.handSetConstantCount,
                                                  sourceFiles: ["VoiceEndToEnd.swift"], in: here, parameters: networkParameters)
        var pipeline = try MaintenanceCost.counted(approach: "pipeline", stages: 4, handSetConstants: VoicePipeline.handSetConstantCount,
                                                   sourceFiles: ["VoicePipeline.swift", "MFCCSummary.swift"], in: here, parameters: pipelineParameters)
        pipeline.linesOfCode += try SourceLines.count(files: ["FFT.swift", "MelFilterbank.swift", "MFCC.swift"], in: dsp)
        return [network, pipeline]
    }

    func learningCurves(_ network: TrainingSummary, _ classifier: TrainingSummary) -> SVGChart {
        func series(_ name: String, _ s: TrainingSummary) -> SVGChart.Series {
            SVGChart.Series(name: name, xy: s.history.filter { $0.split == "train" }.compactMap { r in r.values["loss"].map { (Double(r.step), $0) } })
        }
        return SVGChart(title: "training loss (per epoch)", xLabel: "optimizer step", yLabel: "cross-entropy",
                        series: [series("end-to-end CNN", network), series("pipeline classifier", classifier)], showMarkers: true)
    }

    func setup(speaker: VoiceCorpus.Speaker, plan: Plan) -> String {
        """
        **Task**: recognize 12 classes in one-second 16 kHz clips: the commands \(VoiceVocabulary.commands.joined(separator: ", ")), \
        `unknown` (\(VoiceVocabulary.unknownWords.joined(separator: ", "))) and `silence`.

        **Data**: \(speaker.source == "espeak-ng" ? "words spoken by Debian's espeak-ng (GPL-3.0-or-later)" : "formant-synthesized words (espeak-ng missing: \(EspeakSynthesizer.installHint))") \
        in \(VoiceVocabulary.trainingVoices.count) training voices (accents \(VoiceVocabulary.trainingAccents.joined(separator: ", ")) × variants \(VoiceVocabulary.trainingVariants.joined(separator: ", "))), \
        speeds \(VoiceVocabulary.speeds.map(String.init).joined(separator: "/")) wpm and pitches \(VoiceVocabulary.pitches.map(String.init).joined(separator: "/")), \
        resampled to 16 kHz, trimmed, scaled, placed at a random offset and mixed with white/brown noise at 5–25 dB SNR. \
        \(plan.trainPerClass) training, \(plan.testPerClass) test and \(plan.shiftedPerClass) shifted clips per class; \
        the shifted set is spoken by held-out voices \(VoiceVocabulary.heldOutVoices.joined(separator: ", ")).

        **End-to-end**: a 1-D CNN (M5-style) from the 16,000 samples to the 12 scores, cross-entropy only, \(plan.networkSteps) Adam steps.

        **Pipeline**: MFCCs (25 ms Hann frames every 10 ms, 512-point FFT, 40 HTK mel bands 20–8000 Hz, log, DCT-II, 13 coefficients), \
        an energy-threshold speech span summarized by the mean of each third and the standard deviation (53 numbers), standardized, \
        then an MLP (\(VoicePipeline.hidden) hidden units) fitted by \(plan.classifierSteps) Adam steps.
        """
    }
}
