import Foundation
import XCTest

/// `e2e train` killed, interrupted and resumed, as a user would: the built command line in a
/// child process, on a small generated data set.
final class TrainResumeTests: XCTestCase {
    /// The `e2e` executable built beside the test bundle.
    static var e2e: URL { E2ECommand.executable }

    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-resume-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        // Mid-epoch checkpoints (25 steps an epoch), early stopping and a cosine schedule: every
        // piece of state a resume must restore.
        let config = """
            {"name": "spirals", "data": {"name": "spirals", "points": 300, "arms": 2, "validation": 0.2, "batch_size": 16},
             "model": {"architecture": "mlp", "hidden": [16], "activation": "tanh", "out": 2},
             "loss": "cross_entropy", "optimizer": {"type": "adam", "lr": 0.01},
             "schedule": {"type": "cosine", "min_lr": 0.0001}, "epochs": 8, "seed": 3, "threads": 1,
             "metrics": ["accuracy"], "early_stopping": {"monitor": "validation_loss", "patience": 20}}
            """
        try config.write(to: dir.appendingPathComponent("c.json"), atomically: true, encoding: .utf8)
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: Self.e2e.path), "e2e is not built at \(Self.e2e.path)")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// The unfinished-run folder of the default report `reports/spirals-<timestamp>`, if any.
    var defaultRun: String? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("reports").path)) ?? []
        return names.first { $0.hasPrefix(".spirals-") && $0.hasSuffix(".training") }.map { "reports/" + $0 }
    }

    /// Runs e2e in `dir`; `signal` is sent once `trigger` (a path in `dir`; `*` stands for the
    /// default report's unfinished-run folder) exists. A trigger `…/step-N.safetensors` fires on
    /// any checkpoint of step N or later in that folder: only the newest two are kept, so the
    /// one named may already be pruned when the poll looks (CI missed a 5-step window so).
    @discardableResult
    func e2e(_ args: [String], signal: Int32? = nil, when trigger: String? = nil) throws -> (status: Int32, out: String) {
        try E2ECommand.run(args, in: dir) { p in
            guard let signal, let trigger else { return }
            let deadline = Date().addingTimeInterval(120)
            func present() -> Bool {
                guard let path = trigger.hasPrefix("*") ? self.defaultRun.map({ $0 + trigger.dropFirst() }) : trigger else { return false }
                let url = self.dir.appendingPathComponent(path)
                let name = url.lastPathComponent
                if name.hasPrefix("step-"), name.hasSuffix(".safetensors"),
                   let step = Int(name.dropFirst(5).dropLast(".safetensors".count)) {
                    let names = (try? FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)) ?? []
                    return names.contains { n in
                        n.hasPrefix("step-") && n.hasSuffix(".safetensors")
                            && (Int(n.dropFirst(5).dropLast(".safetensors".count)) ?? -1) >= step
                    }
                }
                return FileManager.default.fileExists(atPath: url.path)
            }
            while !present(), p.isRunning, Date() < deadline {
                Thread.sleep(forTimeInterval: 0.002)
            }
            if p.isRunning { kill(p.processIdentifier, signal) }
        }
    }

    /// The model tensors of a checkpoint, as raw bytes by name (metadata such as wall times aside).
    func weights(_ path: String) throws -> [String: Data] {
        let data = try Data(contentsOf: dir.appendingPathComponent(path))
        struct Truncated: Error { let path: String }
        guard data.count >= 8 else { throw Truncated(path: path) }
        let n = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        guard n > 0, 8 + n <= data.count,
              let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + n))) as? [String: Any] else {
            throw Truncated(path: path)
        }
        var out: [String: Data] = [:]
        for (k, v) in header where k != "__metadata__" {
            guard let o = (v as? [String: Any])?["data_offsets"] as? [Int], o.count == 2, 8 + n + o[1] <= data.count else {
                throw Truncated(path: path)
            }
            if k.hasPrefix("model.") { out[k] = data.subdata(in: (8 + n + o[0])..<(8 + n + o[1])) }
        }
        return out
    }

    /// Every metrics record without its wall time.
    func metrics(_ report: String) throws -> [String] {
        try String(contentsOf: dir.appendingPathComponent(report + "/metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { line in
                var o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                o["wall_seconds"] = nil
                return String(decoding: try JSONSerialization.data(withJSONObject: o, options: .sortedKeys), as: UTF8.self)
            }
    }

    func testKilledTwiceAndInterruptedRunsResumeToTheUninterruptedWeightsAndMetrics() throws {
        let straight = try e2e(["train", "c.json", "--output", "straight", "--quiet"])
        XCTAssertEqual(straight.status, 0, straight.out)

        // SIGKILL once a mid-epoch checkpoint exists (step 30 of 25-step epochs), twice; the
        // first run writes the default report, reports/spirals-<timestamp>.
        let first = try e2e(["train", "c.json", "--checkpoint-every", "15", "--quiet"],
                            signal: SIGKILL, when: "*/run/step-0000000030.safetensors")
        XCTAssertEqual(first.status, SIGKILL, first.out)
        let folder = try XCTUnwrap(defaultRun)
        let r = "reports/" + folder.dropFirst("reports/.".count).dropLast(".training".count)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent(r + "/summary.md").path))
        // Resumed without naming the report: the config's latest unfinished run.
        let second = try e2e(["train", "c.json", "--resume", "--checkpoint-every", "15", "--quiet"],
                             signal: SIGKILL, when: folder + "/run/step-0000000075.safetensors")
        XCTAssertEqual(second.status, SIGKILL, second.out)
        // SIGINT: the step finishes, a checkpoint is written, the resume line is printed, exit 130.
        let third = try e2e(["train", "c.json", "--resume", r, "--checkpoint-every", "15", "--quiet"],
                            signal: SIGINT, when: folder + "/run/step-0000000120.safetensors")
        XCTAssertEqual(third.status, 130, third.out)
        XCTAssertTrue(third.out.contains("resume with: e2e train c.json --resume \(r)"), third.out)
        let last = try e2e(["train", "c.json", "--resume", r, "--checkpoint-every", "15", "--quiet"])
        XCTAssertEqual(last.status, 0, last.out)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent(folder).path))

        XCTAssertEqual(try weights(r + "/checkpoints/last.safetensors"), try weights("straight/checkpoints/last.safetensors"))
        XCTAssertEqual(try weights(r + "/checkpoints/best.safetensors"), try weights("straight/checkpoints/best.safetensors"))
        XCTAssertEqual(try metrics(r), try metrics("straight"))
        XCTAssertEqual(last.out.split(separator: "\n").last.map { $0.replacingOccurrences(of: #""wall_seconds": [0-9.]+"#, with: "", options: .regularExpression) },
                       straight.out.split(separator: "\n").last.map { $0.replacingOccurrences(of: #""wall_seconds": [0-9.]+"#, with: "", options: .regularExpression).replacingOccurrences(of: "\"straight\"", with: "\"\(r)\"") })
    }

    func testAFreshRunRefusesToOverwriteAnUnfinishedOneAndResumeNeedsOne() throws {
        // 400 epochs: a run that ends before the signal lands would exit 0.
        let interrupted = try e2e(["train", "c.json", "--output", "u", "--epochs", "400", "--checkpoint-every", "5", "--quiet"],
                                  signal: SIGTERM, when: ".u.training/run/step-0000000005.safetensors")
        XCTAssertEqual(interrupted.status, 143, interrupted.out)
        let again = try e2e(["train", "c.json", "--output", "u", "--quiet"])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.out.contains("has an unfinished run"), again.out)
        let nothing = try e2e(["train", "c.json", "--resume", "elsewhere", "--quiet"])
        XCTAssertEqual(nothing.status, 1)
        XCTAssertTrue(nothing.out.contains("has no unfinished run"), nothing.out)
    }

    /// Kills at random moments (also in the middle of writing a checkpoint): every file under a
    /// final name is always whole, and the run still resumes to the uninterrupted weights.
    func testKillsAtRandomMomentsLeaveOnlyWholeFilesAndTheRunStillResumes() throws {
        let straight = try e2e(["train", "c.json", "--output", "straight", "--epochs", "40", "--quiet"])
        XCTAssertEqual(straight.status, 0, straight.out)
        var rng = SystemRandomNumberGenerator()
        var killed = 0
        for attempt in 0..<12 {
            // Killed before its folder existed, the run starts afresh; else it resumes.
            let started = FileManager.default.fileExists(atPath: dir.appendingPathComponent(".k.training/run.json").path)
            let args = started ? ["train", "c.json", "--resume", "k", "--checkpoint-every", "3", "--epochs", "40", "--quiet"]
                               : ["train", "c.json", "--output", "k", "--checkpoint-every", "3", "--epochs", "40", "--quiet"]
            _ = attempt
            let p = Process()
            p.executableURL = Self.e2e
            p.arguments = args
            p.currentDirectoryURL = dir
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            Thread.sleep(forTimeInterval: Double.random(in: 0.02...0.35, using: &rng))
            if p.isRunning { kill(p.processIdentifier, SIGKILL); killed += 1 }
            p.waitUntilExit()
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("k/summary.md").path) { break }
            // Every checkpoint under its final name parses completely.
            let run = dir.appendingPathComponent(".k.training")
            let files = (FileManager.default.enumerator(atPath: run.path)?.allObjects as? [String] ?? [])
                .filter { $0.hasSuffix(".safetensors") && !($0 as NSString).lastPathComponent.hasPrefix(".") }
            for f in files { XCTAssertNoThrow(try weights(".k.training/" + f), "\(f) after kill \(attempt)") }
        }
        if !FileManager.default.fileExists(atPath: dir.appendingPathComponent("k/summary.md").path) {
            let started = FileManager.default.fileExists(atPath: dir.appendingPathComponent(".k.training/run.json").path)
            let last = try e2e(["train", "c.json", started ? "--resume" : "--output", "k", "--checkpoint-every", "3", "--epochs", "40", "--quiet"])
            XCTAssertEqual(last.status, 0, last.out)
        }
        XCTAssertGreaterThan(killed, 0)
        XCTAssertEqual(try weights("k/checkpoints/last.safetensors"), try weights("straight/checkpoints/last.safetensors"))
        XCTAssertEqual(try metrics("k"), try metrics("straight"))
    }
}
