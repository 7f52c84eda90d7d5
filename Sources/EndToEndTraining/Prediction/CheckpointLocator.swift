import Foundation

/// Finds the checkpoint of a configuration's latest run, for commands that use trained
/// weights without being told where they are.
///
/// `e2e train` writes `<report>/checkpoints/{best,last}.safetensors`, where the report is
/// `output.directory`, or `<output.directory>-<timestamp>` when that directory is the default
/// `reports/<name>`. The search looks in the directory itself, then in its timestamped
/// siblings, newest first, and takes `best` before `last`.
public enum CheckpointLocator {
    public static let fileNames = ["best.safetensors", "last.safetensors"]

    /// The checkpoint for `config`'s report directory; an error listing where it looked.
    public static func find(for config: TrainingConfig) throws -> URL {
        guard let directory = config.output.directory else {
            throw PredictionError("\(config.file): no output.directory to look for a checkpoint in; pass --checkpoint")
        }
        return try find(reportDirectory: URL(fileURLWithPath: directory))
    }

    public static func find(reportDirectory: URL) throws -> URL {
        let fm = FileManager.default
        let parent = reportDirectory.deletingLastPathComponent()
        let base = reportDirectory.lastPathComponent
        let siblings = ((try? fm.contentsOfDirectory(atPath: parent.path)) ?? [])
            .filter { $0.hasPrefix(base + "-") && !$0.hasPrefix(".") }
            .sorted(by: >)  // timestamps yyyyMMdd-HHmmss sort as text
            .map { parent.appendingPathComponent($0) }
        for dir in [reportDirectory] + siblings {
            for name in fileNames {
                let url = dir.appendingPathComponent("checkpoints").appendingPathComponent(name)
                if fm.fileExists(atPath: url.path) { return url }
            }
        }
        throw PredictionError("no checkpoint in \(reportDirectory.path)/checkpoints or \(reportDirectory.path)-<timestamp>/checkpoints; train first (e2e train) or pass --checkpoint")
    }
}
