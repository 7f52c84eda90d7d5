import EndToEnd
import EndToEndNN
import Foundation

/// Checkpoints of a whole ``TrainingRun``: the model's weights and the current stage's
/// optimizer state (``Checkpoint``), and in the metadata the run's position (stage, step in
/// it, epoch and batch), the schedule's step, the batch stream's and the process-wide random
/// generator's states, the clocks, and the history and diagnostics so far. Resuming rebuilds
/// the stage the run was in (its builder runs again) and continues from the same batch, so the
/// resumed run's weights equal those of an uninterrupted one (same thread count).
extension TrainingRun {
    static let keyPrefix = "run."

    /// Writes the run's state to `url` atomically. `model` must hold every parameter any stage
    /// trains (e.g. a container of all ensemble members and auxiliary heads).
    ///
    /// - Throws: ``TrainerError`` when the current stage's batch stream cannot be checkpointed.
    public func saveCheckpoint(to url: URL, model: Module, extra: [String: String] = [:]) throws {
        try dataParallel?.synchronizeOptimizerState(currentStage?.optimizer)
        var e = extra
        for (k, v) in try checkpointEntries(model: model) { e[k] = v }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Checkpoint.save(model: model, optimizer: currentStage?.optimizer, extra: e, to: url)
    }

    /// The run's state as checkpoint metadata entries (all under `run.`).
    func checkpointEntries(model: Module) throws -> [String: String] {
        let p = position
        var e: [String: String] = [
            "stage": String(p.stage), "stage_step": String(p.stageStep), "epoch": String(p.epoch),
            "batch_in_epoch": String(p.batchInEpoch), "step": String(p.step), "samples": String(p.samples),
            "train_seconds": "\(trainSeconds)", "evaluation_seconds": "\(evaluationSeconds)",
            "random": Random.state.map(String.init).joined(separator: ","),
            "history": MetricsLog.encode(history), "diagnostics": MetricsLog.encode(diagnostics),
            "stage_steps": stageSteps.map { "\($0.steps) \($0.name)" }.joined(separator: "\n"),
        ]
        for (k, v) in checkpointCounters() { e[k] = v }
        let ids = Dictionary(model.parameters().enumerated().map { (ObjectIdentifier($0.element), $0.offset) }, uniquingKeysWith: { a, _ in a })
        e["trained"] = trainedIdentifiers().compactMap { ids[$0].map(String.init) }.sorted().joined(separator: ",")
        if let stage = currentStage {
            guard let state = stage.batches.checkpointState() else {
                throw TrainerError("TrainingRun: stage '\(stage.name)' reads a batch stream that cannot be checkpointed")
            }
            for (k, v) in state { e["stream." + k] = v }
            if let scheduler = stage.scheduler { e["scheduler_step"] = String(scheduler.stepCount) }
        }
        return Dictionary(uniqueKeysWithValues: e.map { (Self.keyPrefix + $0.key, $0.value) })
    }

    /// Restores a run from a checkpoint written by ``saveCheckpoint(to:model:extra:)`` into a
    /// run built with the same stages; the next ``run()`` continues where it stopped. Returns
    /// the checkpoint's extra entries that are not the run's own.
    @discardableResult
    public func resume(from url: URL, model: Module) throws -> [String: String] {
        try resume(from: url) { _ in model }
    }

    /// ``resume(from:model:)`` with the module made once the checkpoint's stage is built (for
    /// runs whose stages create parameters, such as a stacking layer).
    @discardableResult
    public func resume(from url: URL, model makeModel: (TrainingStage?) -> Module) throws -> [String: String] {
        // The stage's optimizer is needed to restore its state: build the stage first.
        let extraProbe = try SafeTensors.readHeader(contentsOf: url).metadata
        func entry(_ key: String) -> String? { extraProbe["extra." + Self.keyPrefix + key] }
        func int(_ key: String) throws -> Int {
            guard let v = entry(key).flatMap(Int.init), v >= 0 else {
                throw TrainerError("TrainingRun.resume: checkpoint \(url.path) has no valid '\(Self.keyPrefix + key)' entry")
            }
            return v
        }
        let stageIndex = try int("stage")
        guard stageIndex <= stageBuilders.count else {
            throw TrainerError("TrainingRun.resume: checkpoint \(url.path) is at stage \(stageIndex), but the run has \(stageBuilders.count)")
        }
        let stage = stageIndex < stageBuilders.count ? try stageBuilders[stageIndex]() : nil
        let model = makeModel(stage)
        let extra = try Checkpoint.load(into: model, optimizer: stage?.optimizer, from: url)
        var restored = RunPosition()
        restored.stage = stageIndex
        restored.stageStep = try int("stage_step")
        restored.epoch = try int("epoch")
        restored.batchInEpoch = try int("batch_in_epoch")
        restored.step = try int("step")
        restored.samples = try int("samples")
        if let stage {
            var state: [String: String] = [:]
            for (k, v) in extra where k.hasPrefix(Self.keyPrefix + "stream.") { state[String(k.dropFirst((Self.keyPrefix + "stream.").count))] = v }
            try stage.batches.restore(checkpointState: state)
            if let scheduler = stage.scheduler, let n = entry("scheduler_step").flatMap(Int.init) { scheduler.set(stepCount: n) }
        }
        let words = (entry("random") ?? "").split(separator: ",").compactMap { UInt64($0) }
        if words.count == 4 { Random.state = words }
        do {
            let h = try MetricsLog.parse(entry("history") ?? "")
            let d = try MetricsLog.parse(entry("diagnostics") ?? "")
            let steps = (entry("stage_steps") ?? "").split(separator: "\n").compactMap { line -> (String, Int)? in
                guard let space = line.firstIndex(of: " "), let n = Int(line[..<space]) else { return nil }
                return (String(line[line.index(after: space)...]), n)
            }
            let parameters = model.parameters()
            let trainedIndices = (entry("trained") ?? "").split(separator: ",").compactMap { Int($0) }.filter { $0 < parameters.count }
            restore(position: restored, trainSeconds: entry("train_seconds").flatMap(Double.init) ?? 0,
                    evaluationSeconds: entry("evaluation_seconds").flatMap(Double.init) ?? 0,
                    history: h.records, diagnostics: d.records, stageSteps: steps.map { (name: $0.0, steps: $0.1) },
                    trained: trainedIndices.map { parameters[$0] }, counters: extraProbe)
        } catch let error as TrainerError {
            throw error
        } catch {
            throw TrainerError("TrainingRun.resume: checkpoint \(url.path) has a malformed history: \(error)")
        }
        pendingStage = stage
        return extra.filter { !$0.key.hasPrefix(Self.keyPrefix) }
    }
}
