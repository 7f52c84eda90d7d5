import EndToEnd
import EndToEndNN
import EndToEndTraining
import Foundation

/// Makes strategy runs resumable: each strategy's run writes a checkpoint of itself every
/// `everySteps` steps into `directory` (and when interrupted), a finished strategy leaves its
/// result there, and a comparison started again over the same directory skips the finished
/// strategies and continues the unfinished one from its checkpoint — to the same numbers an
/// uninterrupted comparison gives (same thread count).
public struct StrategyCheckpointing: Sendable {
    public var directory: URL
    public var everySteps: Int
    /// Set from a signal handler to stop after the current step with a checkpoint.
    public var interrupt: InterruptFlag?

    public init(directory: URL, everySteps: Int = 100, interrupt: InterruptFlag? = nil) {
        precondition(everySteps >= 1, "StrategyCheckpointing: everySteps must be at least 1")
        self.directory = directory
        self.everySteps = everySteps
        self.interrupt = interrupt
    }

    /// The same checkpointing for one part of a larger run (e.g. one setting of an
    /// experiment's grid), in its own subfolder.
    public func scoped(_ part: String) -> StrategyCheckpointing {
        var c = self
        c.directory = directory.appendingPathComponent(Self.fileName(part), isDirectory: true)
        return c
    }

    static func fileName(_ strategy: String) -> String {
        String(strategy.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_" })
    }

    /// The run checkpoint of the strategy in progress.
    func runCheckpoint(_ strategy: String) -> URL { directory.appendingPathComponent(Self.fileName(strategy) + ".run.safetensors") }
    /// A finished strategy's result.
    func resultFile(_ strategy: String) -> URL { directory.appendingPathComponent(Self.fileName(strategy) + ".result.json") }
}

/// A strategy run stopped by ``StrategyCheckpointing/interrupt``; its checkpoint is written.
public struct StrategyInterrupted: Error, CustomStringConvertible {
    public var strategy: String
    public var step: Int
    public var description: String { "strategy '\(strategy)' interrupted at step \(step); its checkpoint is written" }
}

/// Every module a strategy trains, plus a stage's parameters that belong to none of them (a
/// stacking layer), as one module for run checkpoints.
final class StrategyState: Module {
    let members: [Module]
    let extra: [Parameter]

    init(members: [Module], stage: TrainingStage?) {
        self.members = members
        let known = Set(members.flatMap { $0.parameters() }.map(ObjectIdentifier.init))
        extra = (stage?.parameters ?? []).filter { !known.contains(ObjectIdentifier($0)) }
        super.init()
    }
}

/// Writes the strategy's run checkpoint every N steps and turns an interrupt request into one.
final class StrategyCheckpointObserver: TrainingRunObserver {
    let checkpointing: StrategyCheckpointing
    let url: URL
    let members: [Module]
    let streams: [String: BatchStream]

    init(_ checkpointing: StrategyCheckpointing, url: URL, members: [Module], streams: [String: BatchStream]) {
        self.checkpointing = checkpointing
        self.url = url
        self.members = members
        self.streams = streams
    }

    func save(_ run: TrainingRun) throws {
        var extra: [String: String] = [:]
        for (key, stream) in streams {
            guard let state = stream.checkpointState() else { throw StrategyError("stream '\(key)' cannot be checkpointed") }
            for (k, v) in state { extra["stream.\(key).\(k)"] = v }
        }
        try FileManager.default.createDirectory(at: checkpointing.directory, withIntermediateDirectories: true)
        try run.saveCheckpoint(to: url, model: StrategyState(members: members, stage: run.currentStage), extra: extra)
    }

    func stepDidEnd(_ run: TrainingRun, stage: TrainingStage, loss: Double) throws {
        if checkpointing.interrupt?.take() == true { run.requestInterrupt() }
        if run.position.step % checkpointing.everySteps == 0 { try save(run) }
    }
}

extension StrategyResult {
    /// The result as one JSON object (curves and diagnostics as metrics-log lines, numbers in
    /// their shortest round-trip form), for a resumable comparison's finished strategies and
    /// for results sent between the ranks of an MPI job.
    public func encoded() throws -> Data {
        let object: [String: Any] = [
            "strategy": strategy, "metrics": metrics.mapValues { "\($0)" }, "wall_seconds": "\(wallSeconds)", "steps": steps,
            "samples": samplesSeen, "parameters": parameterCount, "stages": stages.map { [$0.name, String($0.steps)] },
            "curve": MetricsLog.encode(curve), "diagnostics": MetricsLog.encode(diagnostics),
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    /// Reads what ``encoded()`` wrote; `file` names the source in errors.
    public init(decoding data: Data, file: URL) throws {
        func fail() -> StrategyError {
            StrategyError("\(file.path): not a strategy result written by a comparison; delete it to train the strategy again")
        }
        func records(_ text: String, _ field: String) throws -> [MetricsRecord] {
            let contents: MetricsLog.Contents
            do { contents = try MetricsLog.parse(text) } catch {
                throw StrategyError("\(file.path): field '\(field)': \(error); delete the file to train the strategy again")
            }
            // The file was written whole, so a cut-off last line means damage, not a run in progress.
            if contents.truncatedLastLine {
                throw StrategyError("\(file.path): field '\(field)' ends in a cut-off line; delete the file to train the strategy again")
            }
            return contents.records
        }
        guard let o = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let strategy = o["strategy"] as? String, let metrics = o["metrics"] as? [String: String],
              let wall = (o["wall_seconds"] as? String).flatMap(Double.init), let steps = o["steps"] as? Int,
              let samples = o["samples"] as? Int, let parameters = o["parameters"] as? Int,
              let stages = o["stages"] as? [[String]], let curve = o["curve"] as? String,
              let diagnostics = o["diagnostics"] as? String else { throw fail() }
        var m: [String: Double] = [:]
        for (k, v) in metrics { guard let d = Double(v) else { throw fail() }; m[k] = d }
        let stageList = try stages.map { s -> (name: String, steps: Int) in
            guard s.count == 2, let n = Int(s[1]) else { throw fail() }
            return (s[0], n)
        }
        self.init(strategy: strategy, metrics: m, wallSeconds: wall, steps: steps, samplesSeen: samples,
                  parameterCount: parameters, stages: stageList, curve: try records(curve, "curve"),
                  diagnostics: try records(diagnostics, "diagnostics"))
    }
}

extension StrategySetup {
    /// Runs `strategy` on this setup; with ``checkpointing``, a strategy that finished earlier
    /// is read back instead of trained again, and a finished one leaves its result for next time.
    public func run(_ strategy: any Strategy) throws -> StrategyResult {
        guard let c = checkpointing else { return try strategy.run(self) }
        let file = c.resultFile(strategy.name)
        if let data = FileManager.default.contents(atPath: file.path) {
            log?("[\(strategy.name)] finished earlier (\(file.lastPathComponent))")
            return try StrategyResult(decoding: data, file: file)
        }
        let r = try strategy.run(self)
        try FileManager.default.createDirectory(at: c.directory, withIntermediateDirectories: true)
        try AtomicFile.write(try r.encoded(), to: file)
        try? FileManager.default.removeItem(at: c.runCheckpoint(strategy.name))
        return r
    }
}
