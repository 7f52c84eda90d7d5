import ArgumentParser
import EndToEndTraining
import Foundation

/// The unfinished-run folder beside a report, as `train`, `compare` and `experiment` use it.
extension RunSupport {
    /// Checks before any work: with `resuming`, the unfinished run must exist, and its manifest
    /// is returned (after a warning when `configText` differs from the one it was started
    /// with); without, a fresh start refuses to replace one. `what` names the run in messages.
    static func checkUnfinished(_ run: UnfinishedRun, path: String, resuming: Bool, what: String, resumeCommand: String,
                                config: String? = nil, configText: String? = nil) throws -> [String: String]? {
        guard resuming else {
            if run.exists {
                err("error: \(path) has an unfinished \(what) (\(run.directory.path)); continue it with '\(resumeCommand)' or remove that folder")
                throw ExitCode(1)
            }
            return nil
        }
        guard run.exists else {
            let done = FileManager.default.fileExists(atPath: run.report.appendingPathComponent("summary.md").path)
            err("error: --resume: \(path) " + (done ? "is a finished \(what); there is nothing to resume" : "has no unfinished \(what) (no \(run.directory.path))"))
            throw ExitCode(1)
        }
        let manifest: [String: String]
        do { manifest = try run.readManifest() } catch {
            err("error: --resume: \(error)")
            throw ExitCode(1)
        }
        if let config, let configText, manifest["config_sha"] != TrainCommand.digest(configText) {
            err("warning: \(config) differs from the configuration the \(what) in \(path) was started with")
        }
        return manifest
    }

    /// Creates the folder and manifest of a fresh run, once everything before training has succeeded.
    static func createUnfinished(_ run: UnfinishedRun, manifest: [String: String]) throws {
        do { try run.create(manifest: manifest) } catch {
            err("error: cannot create \(run.directory.path): \(error)")
            throw ExitCode(1)
        }
    }
}
