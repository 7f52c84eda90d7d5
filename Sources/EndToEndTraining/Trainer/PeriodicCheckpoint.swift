import EndToEnd
import EndToEndNN
import Foundation

/// Writes a resumable mid-epoch checkpoint (``Trainer/saveCheckpoint(to:extra:)``) every
/// `everySteps` steps or `everySeconds` seconds, as `step-<global step>.safetensors` in
/// `directory`, and keeps the newest `keep` of them, so that a kill during a write still leaves
/// a good one (each write is atomic as well).
public final class PeriodicCheckpoint: TrainerCallback {
    public let directory: URL
    public let everySteps: Int?
    public let everySeconds: Double?
    public let keep: Int
    private var lastWrite = ProgressReporter.monotonicSeconds()

    public init(directory: URL, everySteps: Int? = nil, everySeconds: Double? = nil, keep: Int = 2) {
        precondition(everySteps.map { $0 > 0 } ?? true, "PeriodicCheckpoint: everySteps must be positive")
        precondition(everySeconds.map { $0 > 0 } ?? true, "PeriodicCheckpoint: everySeconds must be positive")
        precondition(keep >= 1, "PeriodicCheckpoint: keep at least one checkpoint")
        self.directory = directory
        self.everySteps = everySteps
        self.everySeconds = everySeconds
        self.keep = keep
    }

    public func onStepEnd(_ trainer: Trainer, step: Int, loss: Double) throws {
        let now = ProgressReporter.monotonicSeconds()
        let due = (everySteps.map { step % $0 == 0 } ?? false) || (everySeconds.map { now - lastWrite >= $0 } ?? false)
        if due { try write(trainer) }
    }

    /// Writes a checkpoint of the trainer's current state now and prunes older ones.
    @discardableResult
    public func write(_ trainer: Trainer) throws -> URL {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent(Self.filename(step: trainer.globalStep))
        try trainer.saveCheckpoint(to: url)
        lastWrite = ProgressReporter.monotonicSeconds()
        for old in Self.checkpoints(in: directory).dropLast(keep) { try? FileManager.default.removeItem(at: old.url) }
        return url
    }

    static func filename(step: Int) -> String { String(format: "step-%010d.safetensors", step) }

    /// The checkpoints in `directory`, oldest first (by step).
    public static func checkpoints(in directory: URL) -> [(step: Int, url: URL)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.compactMap { name -> (Int, URL)? in
            guard name.hasPrefix("step-"), name.hasSuffix(".safetensors"),
                  let n = Int(name.dropFirst(5).dropLast(".safetensors".count)) else { return nil }
            return (n, directory.appendingPathComponent(name))
        }.sorted { $0.0 < $1.0 }
    }
}
