import EndToEnd
import EndToEndNN
import Foundation

/// Where `e2e train` keeps a run until it has finished: a hidden folder beside the report,
/// `.<report name>.training/`, holding the metrics log, the epoch checkpoints
/// (`checkpoints/`), the periodic and interrupt checkpoints (`run/`) and `run.json` (how the
/// run was started). When the run finishes its report is written into place and the folder is
/// removed; after a kill, a crash or Ctrl-C it stays, and `e2e train CONFIG --resume` continues
/// from its newest checkpoint.
public struct UnfinishedRun: Sendable {
    /// The report folder the run will write.
    public let report: URL

    public init(report: URL) { self.report = report.standardizedFileURL }

    public var directory: URL {
        report.deletingLastPathComponent().appendingPathComponent(".\(report.lastPathComponent).training", isDirectory: true)
    }
    public var metricsLog: URL { directory.appendingPathComponent("metrics.jsonl") }
    public var epochCheckpoints: URL { directory.appendingPathComponent("checkpoints", isDirectory: true) }
    public var runCheckpoints: URL { directory.appendingPathComponent("run", isDirectory: true) }
    public var manifest: URL { directory.appendingPathComponent("run.json") }

    public var exists: Bool { FileManager.default.fileExists(atPath: directory.path) }

    /// Creates the folder and writes the manifest (atomically).
    public func create(manifest entries: [String: String]) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let data = try JSONSerialization.data(withJSONObject: entries, options: [.sortedKeys, .prettyPrinted])
        try AtomicFile.write(data, to: manifest)
    }

    /// The manifest's entries.
    public func readManifest() throws -> [String: String] {
        guard let data = FileManager.default.contents(atPath: manifest.path) else {
            throw TrainerError("\(manifest.path): missing; \(directory.path) is not an unfinished training run")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: String] else {
            throw TrainerError("\(manifest.path): not a JSON object of strings")
        }
        return object
    }

    /// The checkpoint with the most steps among the periodic ones and the epoch `last`, with
    /// its step; nil when there is none.
    public func newestCheckpoint() -> (url: URL, step: Int)? {
        var candidates = PeriodicCheckpoint.checkpoints(in: runCheckpoints).map { (url: $0.url, step: $0.step) }
        let last = epochCheckpoints.appendingPathComponent("last.safetensors")
        if let header = try? SafeTensors.readHeader(contentsOf: last), let s = header.metadata["extra.global_step"].flatMap(Int.init) {
            candidates.append((last, s))
        }
        return candidates.max { $0.step < $1.step }
    }

    /// Keeps the first `count` records of the metrics log (those written before the
    /// checkpoint the run resumes from), rewriting it atomically.
    public func truncateLog(keeping count: Int) throws {
        guard FileManager.default.fileExists(atPath: metricsLog.path) else { return }
        let records = try MetricsLog.read(from: metricsLog, lenient: true).records
        guard records.count > count else { return }
        try AtomicFile.write(Data(MetricsLog.encode(Array(records.prefix(count))).utf8), to: metricsLog)
    }

    /// The newest unfinished run among `<parent>/.<prefix>*.training` folders (by
    /// modification time), for `--resume` without a report folder.
    public static func latest(in parent: URL, namePrefix prefix: String) -> UnfinishedRun? {
        let fm = FileManager.default
        let names = (try? fm.contentsOfDirectory(atPath: parent.path)) ?? []
        let found = names.filter { $0.hasPrefix("." + prefix) && $0.hasSuffix(".training") }.compactMap { name -> (Date, UnfinishedRun)? in
            let url = parent.appendingPathComponent(name)
            let reportName = String(name.dropFirst().dropLast(".training".count))
            let date = (try? fm.attributesOfItem(atPath: url.path)[.modificationDate] as? Date) ?? .distantPast
            return (date, UnfinishedRun(report: parent.appendingPathComponent(reportName)))
        }
        return found.max { $0.0 < $1.0 }?.1
    }

    /// Removes the folder.
    public func remove() { try? FileManager.default.removeItem(at: directory) }
}
