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

    /// Clips per class and training length for one run size.
    struct Plan {
        var trainPerClass: Int, testPerClass: Int, shiftedPerClass: Int
        var networkEpochs: Int, classifierEpochs: Int, integratedGradientSteps: Int, attributionExamples: Int

        static func of(_ size: ApplicationContext.Size) -> Plan {
            switch size {
            case .smoke: return Plan(trainPerClass: 2, testPerClass: 1, shiftedPerClass: 1, networkEpochs: 1, classifierEpochs: 4,
                                     integratedGradientSteps: 2, attributionExamples: 2)
            case .quick: return Plan(trainPerClass: 30, testPerClass: 10, shiftedPerClass: 10, networkEpochs: 10, classifierEpochs: 40,
                                     integratedGradientSteps: 8, attributionExamples: 3)
            case .full: return Plan(trainPerClass: 150, testPerClass: 40, shiftedPerClass: 40, networkEpochs: 12, classifierEpochs: 60,
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
        context.log("voice: \(train.count) training, \(test.count) test and \(shifted.count) held-out-voice clips from \(speaker.source) in \(format(seconds(since: clock))) s\(speaker.source == "espeak-ng" ? " (cache: \(cache.path))" : "")")

        // End-to-end: waveform to class scores, one loss.
        let wave = (train: try dataset(train.waveforms, train.labels), test: test.waveforms, shifted: shifted.waveforms)
        let net = try VoiceEndToEnd.network(seed: context.seed(2))
        let netSummary = try net.fit(wave.train, epochs: plan.networkEpochs, part: "end-to-end", in: context)
        let netAccuracy = (test: try accuracy(net, wave.test, test.labels), shifted: try accuracy(net, wave.shifted, shifted.labels))
        context.log("voice: end-to-end CNN \(net.parameterCount) parameters, \(netSummary.steps) steps in \(format(netSummary.wallSeconds)) s: test accuracy \(format(netAccuracy.test)), held-out voices \(format(netAccuracy.shifted))")

        // Pipeline: MFCC summary features, standardization, classifier.
        let pipeline = try VoicePipeline()
        clock = ProgressReporter.monotonicSeconds()
        let trainFeatures = try pipeline.features(train.waveforms)
        let featureSeconds = seconds(since: clock)
        let standardizer = VoicePipeline.fitStandardizer(trainFeatures)
        let feat = (train: try dataset(VoicePipeline.standardize(trainFeatures, standardizer), train.labels),
                    test: VoicePipeline.standardize(try pipeline.features(test.waveforms), standardizer),
                    shifted: VoicePipeline.standardize(try pipeline.features(shifted.waveforms), standardizer))
        let classifier = try pipeline.classifier(seed: context.seed(3))
        let classifierSummary = try classifier.fit(feat.train, epochs: plan.classifierEpochs, part: "pipeline", in: context)
        let pipeAccuracy = (test: try accuracy(classifier, feat.test, test.labels), shifted: try accuracy(classifier, feat.shifted, shifted.labels))
        let pipelineParameters = classifier.parameterCount + 2 * pipeline.featureCount
        context.log("voice: pipeline MFCC features in \(format(featureSeconds)) s, classifier \(classifierSummary.steps) steps in \(format(classifierSummary.wallSeconds)) s: test accuracy \(format(pipeAccuracy.test)), held-out voices \(format(pipeAccuracy.shifted))")

        // The article's "needs large amounts of data": both on nested subsets of the training
        // set, each with at least a quarter of the full run's steps (small sets get more epochs).
        let efficiency = try DataEfficiency.measure(approaches: ["end-to-end", "pipeline"], labels: train.labels, seed: context.seed(4),
                                                    context: context, log: context.log) { approach, fraction, indices in
            let e2eSide = approach == "end-to-end"
            if fraction == 1 { return e2eSide ? netAccuracy.test : pipeAccuracy.test }   // the runs above
            let fullSteps = e2eSide ? netSummary.steps : classifierSummary.steps
            let seed = context.seed(5, UInt64(indices.count))
            let model = e2eSide ? try VoiceEndToEnd.network(seed: seed) : try pipeline.classifier(seed: seed)
            try model.fit((e2eSide ? wave.train : feat.train).subset(indices), epochs: e2eSide ? plan.networkEpochs : plan.classifierEpochs,
                          minimumSteps: max(1, fullSteps / 4))
            return try accuracy(model, e2eSide ? wave.test : feat.test, test.labels)
        }

        let attributions = try attributionImage(net.model, test: test, pipeline: pipeline, plan: plan)
        let models = [try net.save(in: context, inputs: test.waveforms, labels: test.labels, epochs: plan.networkEpochs),
                      try classifier.save(in: context, inputs: feat.test, labels: test.labels, epochs: plan.classifierEpochs)]

        let shift = ShiftComparison.rows(metric: "accuracy", [("end-to-end", netAccuracy.test, netAccuracy.shifted),
                                                              ("pipeline", pipeAccuracy.test, pipeAccuracy.shifted)])
        let maintenance = try maintenanceCosts(networkParameters: net.parameterCount, pipelineParameters: pipelineParameters)
        let results = [
            ApproachResult(approach: "end-to-end", metric: "accuracy", value: netAccuracy.test, trainSeconds: netSummary.wallSeconds,
                           parameters: net.parameterCount, extra: [("steps", .int(netSummary.steps)), ("held_out_voices_accuracy", .double(netAccuracy.shifted))]),
            ApproachResult(approach: "pipeline", metric: "accuracy", value: pipeAccuracy.test, trainSeconds: featureSeconds + classifierSummary.wallSeconds,
                           parameters: pipelineParameters, extra: [("steps", .int(classifierSummary.steps)), ("held_out_voices_accuracy", .double(pipeAccuracy.shifted)),
                                                                  ("feature_seconds", .double(featureSeconds))]),
        ]
        let licence = speaker.source == "espeak-ng" ? "GPL-3.0-or-later (espeak-ng; the clips are synthesized by this run)" : nil
        let note = speaker.source == "espeak-ng" ? "words spoken by espeak-ng, resampled to 16 kHz, with noise drawn from the seed"
            : "espeak-ng missing (\(EspeakSynthesizer.installHint)): formant-synthesized words"
        var result = ApplicationResult(
            data: DataSource(source: speaker.source, train: train.count, test: test.count, licence: licence, note: note),
            results: results, dataEfficiency: efficiency, shift: shift, maintenance: maintenance,
            extra: [("held_out_voices", .array(VoiceVocabulary.heldOutVoices.map { .string($0) })), ("shifted_test", .int(shifted.count))],
            figures: [("shift", ShiftComparison.chart(shift, shift: "held-out voices"))],
            images: [("attributions.png", attributions.encoded())],
            models: models,
            setup: setup(speaker: speaker, plan: plan),
            notes: ["## Attributions\n\n`figures/attributions.png`: one row per test clip; the waveform tinted by the CNN's gradient × input, then by its integrated gradients (red raises the true class's score, blue lowers it), then the clip's MFCCs (time across, c0 at the bottom, each coefficient scaled to its own range)."])
        result.log = ApplicationResult.curves(netSummary.history, label: "end-to-end")
            + ApplicationResult.curves(classifierSummary.history, label: "pipeline")
        return result
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

    /// The share of `inputs` whose most probable class is the label.
    func accuracy(_ network: ConfiguredNetwork, _ inputs: Tensor, _ labels: [Int]) throws -> Double {
        let p = try network.probabilities(inputs).contiguous()
        let k = p.shape[1], scalars = p.scalars
        var right = 0
        for (i, y) in labels.enumerated() {
            let row = scalars[(i * k)..<((i + 1) * k)]
            if row.firstIndex(of: row.max()!)! - i * k == y { right += 1 }
        }
        return Double(right) / Double(max(labels.count, 1))
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

        **End-to-end**: a 1-D CNN (M5-style) from the 16,000 samples to the 12 scores, cross-entropy only, \(plan.networkEpochs) epochs of Adam.

        **Pipeline**: MFCCs (25 ms Hann frames every 10 ms, 512-point FFT, 40 HTK mel bands 20–8000 Hz, log, DCT-II, 13 coefficients), \
        an energy-threshold speech span summarized by the mean of each third and the standard deviation (53 numbers), standardized, \
        then an MLP (\(VoicePipeline.hidden) hidden units) fitted by \(plan.classifierEpochs) epochs of Adam.
        """
    }
}
