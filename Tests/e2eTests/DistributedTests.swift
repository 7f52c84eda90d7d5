import Foundation
import XCTest

/// `e2e` under `mpirun -np 2` on loopback, against the same command in one process: the built
/// command line in child processes, as a user would run it. Skips without Open MPI.
final class DistributedTests: XCTestCase {
    var dir: URL!

    /// `mpirun` on PATH, if any.
    static let mpirun: URL? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let url = URL(fileURLWithPath: String(folder)).appendingPathComponent("mpirun")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }()

    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: TrainResumeTests.e2e.path), "e2e is not built")
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-mpi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        // 160 training examples in batches of 17: ranks take 9 and 8, and the last batch of each
        // epoch (7) splits 4 and 3, so unequal slices are weighted on every step.
        let config = """
            {"name": "spirals", "data": {"name": "spirals", "points": 100, "arms": 2, "validation": 0.2, "batch_size": 17},
             "model": {"architecture": "mlp", "hidden": [32, 32], "activation": "tanh", "out": 2},
             "loss": "cross_entropy", "optimizer": {"type": "sgd", "lr": 0.1, "momentum": 0.9},
             "steps": 100, "seed": 5, "threads": 1, "metrics": ["accuracy"]}
            """
        try config.write(to: dir.appendingPathComponent("c.json"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { if let dir { try? FileManager.default.removeItem(at: dir) } }

    /// Runs `e2e args` in `dir`, under `mpirun -np ranks` when `ranks` is given.
    func run(_ args: [String], ranks: Int? = nil, environment: [String: String] = [:],
             whileRunning: ((Process) -> Void)? = nil) throws -> (status: Int32, out: String, seconds: Double) {
        let p = Process()
        if let ranks {
            guard let mpirun = Self.mpirun else { throw XCTSkip("mpirun is not installed (Debian: apt-get install openmpi-bin libopenmpi-dev)") }
            p.executableURL = mpirun
            // Loopback TCP (no shared-memory segment needed), more ranks than cores allowed.
            p.arguments = ["-np", String(ranks), "--oversubscribe", "--mca", "btl", "self,tcp",
                           "--mca", "btl_tcp_if_include", "lo", TrainResumeTests.e2e.path] + args
        } else {
            p.executableURL = TrainResumeTests.e2e
            p.arguments = args
        }
        var env = ProcessInfo.processInfo.environment
        env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        env.merge(environment) { $1 }
        p.environment = env
        p.currentDirectoryURL = dir
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        let start = Date()
        try p.run()
        whileRunning?(p)
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self), Date().timeIntervalSince(start))
    }

    /// The last line of `out` as a JSON object.
    func summary(_ out: String) throws -> [String: Any] {
        let line = try XCTUnwrap(out.split(separator: "\n").last, out)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], out)
    }

    /// The model tensors (or those whose names start with `prefix`) of a safetensors file as
    /// Float arrays by name.
    func tensors(_ path: String, prefix: String = "model.") throws -> [String: [Float]] {
        let data = try Data(contentsOf: dir.appendingPathComponent(path))
        let n = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        let header = try XCTUnwrap(try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + n))) as? [String: Any])
        var out: [String: [Float]] = [:]
        for (k, v) in header where k.hasPrefix(prefix) {
            let o = try XCTUnwrap((v as? [String: Any])?["data_offsets"] as? [Int])
            out[k] = data.subdata(in: (8 + n + o[0])..<(8 + n + o[1])).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        }
        return out
    }

    /// Every metrics record of a report: its split, step, epoch and values (no wall time).
    func records(_ report: String) throws -> [(key: String, values: [String: Double])] {
        try String(contentsOf: dir.appendingPathComponent(report + "/metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { line in
                let o = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                var values: [String: Double] = [:]
                for (k, v) in o where !["split", "step", "epoch", "wall_seconds"].contains(k) { values[k] = (v as? NSNumber)?.doubleValue }
                return ("\(o["split"] ?? "") step \(o["step"] ?? "") epoch \(o["epoch"] ?? "")", values)
            }
    }

    /// Relative tolerance of the two-rank run against one process after 100 steps: the ranks'
    /// partial gradients sum in another order than one process's, and the slices' GEMMs round
    /// differently; measured differences are about 3e-7 (weights) and 4e-8 (metrics).
    static let tolerance = 1e-5

    func testTwoRanksTrainLikeOneProcessWithTheSameGlobalBatch() throws {
        let single = try run(["train", "c.json", "--output", "single", "--quiet"])
        XCTAssertEqual(single.status, 0, single.out)
        let multi = try run(["train", "c.json", "--output", "multi", "--quiet"], ranks: 2)
        XCTAssertEqual(multi.status, 0, multi.out)
        let s = try summary(single.out), m = try summary(multi.out)
        XCTAssertEqual(s["world_size"] as? Int, 1)
        XCTAssertEqual(m["world_size"] as? Int, 2)
        XCTAssertEqual(m["steps"] as? Int, 100)
        // Only rank 0 prints: one JSON summary line, one report line.
        XCTAssertEqual(multi.out.components(separatedBy: "\"command\": \"train\"").count, 2, multi.out)

        // The loss curve (train loss and accuracy of every epoch, validation after every epoch, test).
        let a = try records("single"), b = try records("multi")
        XCTAssertEqual(a.map(\.key), b.map(\.key))
        XCTAssertGreaterThan(a.count, 15)
        for (x, y) in zip(a, b) {
            XCTAssertEqual(Set(x.values.keys), Set(y.values.keys), x.key)
            for (k, v) in x.values {
                let w = try XCTUnwrap(y.values[k])
                XCTAssertLessThanOrEqual(abs(v - w), Self.tolerance * max(abs(v), 1e-3), "\(x.key) \(k): \(v) vs \(w)")
            }
        }
        // The final weights.
        let wa = try tensors("single/checkpoints/last.safetensors"), wb = try tensors("multi/checkpoints/last.safetensors")
        XCTAssertEqual(Set(wa.keys), Set(wb.keys))
        XCTAssertGreaterThanOrEqual(wa.count, 6)
        for (k, x) in wa {
            let y = try XCTUnwrap(wb[k])
            XCTAssertEqual(x.count, y.count, k)
            for (u, v) in zip(x, y) {
                XCTAssertLessThanOrEqual(Double(abs(u - v)), Self.tolerance * max(Double(abs(u)), 1), "\(k): \(u) vs \(v)")
            }
        }
        // Rank 1 wrote nothing beside rank 0's report.
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        XCTAssertEqual(names, ["c.json", "multi", "single"])
    }

    /// A model with a 256 × 256 weight (256 KiB: reduced in its own storage, so its optimizer
    /// step is sharded over the two ranks through MPI_Reduce_scatter and MPI_Allgatherv, as
    /// `E2E_SHARD_OPTIMIZER=1` asks): the
    /// final weights and the checkpoint's optimizer state (momentum, gathered before the
    /// checkpoint is written) match one process's.
    func testAShardedOptimizerStepTrainsAndCheckpointsLikeOneProcess() throws {
        let config = """
            {"name": "wide", "data": {"name": "spirals", "points": 100, "arms": 2, "batch_size": 20},
             "model": {"architecture": "mlp", "hidden": [256, 256], "activation": "tanh", "out": 2},
             "loss": "cross_entropy", "optimizer": {"type": "sgd", "lr": 0.05, "momentum": 0.9},
             "steps": 30, "seed": 3, "threads": 1, "metrics": ["accuracy"]}
            """
        try config.write(to: dir.appendingPathComponent("w.json"), atomically: true, encoding: .utf8)
        let single = try run(["train", "w.json", "--output", "single", "--quiet"])
        XCTAssertEqual(single.status, 0, single.out)
        let multi = try run(["train", "w.json", "--output", "multi", "--quiet"], ranks: 2, environment: ["E2E_SHARD_OPTIMIZER": "1"])
        XCTAssertEqual(multi.status, 0, multi.out)
        XCTAssertEqual(try summary(multi.out)["world_size"] as? Int, 2)
        XCTAssertEqual(try summary(multi.out)["sharded_steps"] as? Int, 30, multi.out)
        for prefix in ["model.", "optimizer."] {
            let a = try tensors("single/checkpoints/last.safetensors", prefix: prefix)
            let b = try tensors("multi/checkpoints/last.safetensors", prefix: prefix)
            XCTAssertEqual(Set(a.keys), Set(b.keys), prefix)
            XCTAssertGreaterThanOrEqual(a.count, 3, prefix)
            for (k, x) in a {
                let y = try XCTUnwrap(b[k])
                XCTAssertEqual(x.count, y.count, k)
                var worst = 0.0
                for (u, v) in zip(x, y) { worst = max(worst, Double(abs(u - v)) / max(Double(abs(u)), 1)) }
                XCTAssertLessThanOrEqual(worst, Self.tolerance, k)
            }
        }
    }

    /// Strategies run whole on one rank each; an independent ensemble's members (3 over 2 ranks:
    /// 0 and 2 on rank 0, 1 on rank 1) train on their ranks, exchanged before each evaluation.
    func testCompareSpreadsItsStrategiesAndEnsembleMembersOverTheRanksWithTheSingleProcessResults() throws {
        try """
            name: tiny
            data: {name: parity-lines, k: 2, train: 100, test: 40}
            model: parity-lines
            optimizer: {type: adam, lr: 0.001}
            batch_size: 8
            steps: 8
            evaluate_every: 4
            seed: 1
            threads: 1
            strategies: [end-to-end, step-by-step, ensemble, ensemble-bagging]
            ensemble: {members: 3}
            diagnostics: {snr_examples: 4}
            """.write(to: dir.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
        let single = try run(["compare", "tiny.yaml", "--output", "single"])
        XCTAssertEqual(single.status, 0, single.out)
        let multi = try run(["compare", "tiny.yaml", "--output", "multi"], ranks: 2)
        XCTAssertEqual(multi.status, 0, multi.out)
        let s = try summary(single.out), m = try summary(multi.out)
        XCTAssertEqual(s["world_size"] as? Int, 1)
        XCTAssertEqual(m["world_size"] as? Int, 2)
        // Every number but the timings is equal to the last digit.
        func untimed(_ o: [String: Any]) -> [NSDictionary] {
            ((o["results"] as? [[String: Any]]) ?? []).map { r in
                var r = r
                r["wall_seconds"] = nil
                return r as NSDictionary
            }
        }
        XCTAssertEqual(untimed(s).count, 4)
        XCTAssertTrue(multi.out.contains("== ensemble (members spread over 2 processes)"), multi.out)
        XCTAssertTrue(multi.out.contains("== ensemble-bagging (members spread over 2 processes)"), multi.out)
        XCTAssertEqual(untimed(s), untimed(m))
        // The learning curves in the reports too.
        func curves(_ report: String) throws -> [String] {
            try String(contentsOf: dir.appendingPathComponent(report + "/metrics.jsonl"), encoding: .utf8)
                .split(separator: "\n").map { $0.replacingOccurrences(of: #""wall_seconds":[0-9.e+-]+,"#, with: "", options: .regularExpression) }
        }
        XCTAssertEqual(try curves("single"), try curves("multi"))
        XCTAssertFalse(try curves("single").isEmpty)
    }

    func testALaunchWithoutALoadableMPIGivesAClearError() throws {
        // What a launcher sets, with a library that does not exist.
        let r = try run(["train", "c.json", "--output", "x", "--quiet"],
                        environment: ["OMPI_COMM_WORLD_RANK": "0", "OMPI_COMM_WORLD_SIZE": "2", "E2E_MPI_LIBRARY": "libmpi-absent.so.40"])
        XCTAssertEqual(r.status, 1, r.out)
        XCTAssertTrue(r.out.contains("cannot load Open MPI's library libmpi-absent.so.40"), r.out)
        XCTAssertTrue(r.out.contains("apt-get install openmpi-bin libopenmpi-dev"), r.out)
        let mpich = try run(["train", "c.json", "--output", "x", "--quiet"], environment: ["PMI_RANK": "0", "PMI_SIZE": "2"])
        XCTAssertEqual(mpich.status, 1, mpich.out)
        XCTAssertTrue(mpich.out.contains("MPICH"), mpich.out)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("x").path))
    }

    func testARankThatDiesEndsTheJobNamingIt() throws {
        // A long run; rank 1 is killed once both ranks train: once rank 0 has logged an epoch,
        // which needs every rank's gradients. Killing a rank earlier, inside MPI_Init, can crash
        // Open MPI's own PMIx server in mpirun (seen in CI), which then names no one.
        let log = dir.appendingPathComponent(".k.training/metrics.jsonl")
        let r = try run(["train", "c.json", "--output", "k", "--quiet", "--epochs", "100000"], ranks: 2) { mpirun in
            let deadline = Date().addingTimeInterval(30)
            var ranks: [Int32] = []
            while Date() < deadline {
                Thread.sleep(forTimeInterval: 0.2)
                ranks = Self.children(of: mpirun.processIdentifier)
                let logged = ((try? FileManager.default.attributesOfItem(atPath: log.path)[.size]) as? Int ?? 0) > 0
                if ranks.count >= 2 && logged { break }
            }
            Thread.sleep(forTimeInterval: 0.5)
            if let victim = ranks.max() { kill(victim, SIGKILL) }
        }
        XCTAssertNotEqual(r.status, 0, r.out)
        XCTAssertLessThan(r.seconds, 60, "the job outlived its dead rank: \(r.out)")
        XCTAssertTrue(r.out.contains("rank") && r.out.contains("signal 9"), r.out)
    }

    func testARankThatFailsWithAnErrorAbortsTheJobNamingIt() throws {
        // Rank 1 (its own command line, MPMD style) cannot load its data while rank 0 waits
        // for it in the first broadcast.
        try """
            {"name": "bad", "data": {"name": "fashion-mnist", "path": "/nonexistent", "batch_size": 17},
             "model": {"architecture": "mlp", "hidden": [8], "out": 10}, "loss": "cross_entropy",
             "optimizer": {"type": "sgd", "lr": 0.1}, "steps": 10}
            """.write(to: dir.appendingPathComponent("bad.json"), atomically: true, encoding: .utf8)
        let r = try run(["train", "c.json", "--output", "a", "--quiet", "--epochs", "100000", ":", "-np", "1",
                         TrainResumeTests.e2e.path, "train", "bad.json", "--output", "b", "--quiet"], ranks: 1)
        XCTAssertEqual(r.status, 1, r.out)
        XCTAssertLessThan(r.seconds, 60, r.out)
        XCTAssertTrue(r.out.contains("rank 1 of 2: error: cannot load data 'fashion-mnist'"), r.out)
        // mpirun's own notice ("MPI_ABORT was invoked on rank 1 ...") is sometimes lost while
        // it tears the job down (ORTE_ERROR_LOG in show_help), so the rank's line is what names it.
    }

    /// The processes whose parent is `pid` (from /proc).
    static func children(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { child in
            guard let stat = try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && Int32(fields[1]) == pid
        }
    }
}
