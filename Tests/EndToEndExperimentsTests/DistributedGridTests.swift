import EndToEndData
import EndToEndTraining
import Foundation
import XCTest
@testable import EndToEndExperiments

/// Every experiment's grid spread over the two ranks of `mpirun -np 2` gives, on both ranks,
/// the single process's rows, curves and summary fields exactly (wall times aside).
///
/// The test bundle runs itself under `mpirun`: ``testGridsSpreadOverTwoRanksEqualOneProcess``
/// starts this executable on two ranks with only ``testWorker`` selected, each rank writes
/// what it got, and the test compares that with the same experiments run here in one process.
/// Skips without Open MPI.
final class DistributedGridTests: XCTestCase {
    /// Set by the launching test: the folder a worker rank writes its results into.
    static let workerVariable = "E2E_TEST_GRID_WORKER_OUTPUT"

    /// Small settings of every experiment (as in their own tests), each a grid of several cells.
    static func experiments() -> [(name: String, experiment: any Experiment)] {
        var parityLines = ParityLinesExperiment(ks: [1, 2], endToEndSteps: 6, decompositionSteps: 6,
                                                labelledStrategies: ["decomposition"], batchSize: 8, trainCount: 48, testCount: 24)
        parityLines.snrImages = 8
        parityLines.snrWarmSteps = 2
        parityLines.snrKs = [1, 2]
        parityLines.snrInitializations = 2
        var local = LocalLossesExperiment(hidden: [8, 8], epochs: 1)
        local.data = FashionExperimentsTests.blobs()
        local.batchSize = 60
        var ensembles = EnsembleVsEndToEndExperiment(configurations: [(2, 8), (1, 16)], epochs: 1)
        ensembles.data = FashionExperimentsTests.blobs()
        ensembles.lambdas = [0, 1]
        ensembles.batchSize = 60
        var dataSize = DataSizeExperiment(sizes: [8, 16], tasks: ["parity-lines"], endToEndSteps: 2, labelledSteps: 2, testCount: 16)
        dataSize.batchSize = 4
        return [
            ("parity-lines", parityLines),
            ("parity-bits", ParityBitsExperiment(dimensions: [3, 4, 5], steps: 40, evaluateEvery: 20, testCount: 64)),
            ("stocks", StocksExperiment(ks: [2, 3], steps: 30, evaluateEvery: 15, d: 8)),
            ("module-chain", ModuleChainExperiment(lengths: [1, 2], stageSteps: 20, width: 6, evaluateEvery: 10)),
            ("local-losses", local),
            ("ensemble-vs-e2e", ensembles),
            ("data-size", dataSize),
        ]
    }

    /// Everything but wall times, every number to the bit.
    static func fingerprint(_ r: ExperimentResult) -> [String] {
        r.rows.map { row in var x = row; x.wallSeconds = 0; return x.json.encoded }
            + r.curves.map { c in c.label + "/" + c.metric + ":" + c.points.map { "\($0.step)=\($0.value.bitPattern)" }.joined(separator: ",") }
            + r.summaryFields.map { $0.0 + "=" + $0.1.encoded }
    }

    /// Runs every experiment (two seeds each, through ``SeedRuns`` as `e2e experiment` does) on `communicator`.
    static func runAll(_ communicator: any Communicator, directory: URL) throws -> [String: [String]] {
        var out: [String: [String]] = [:]
        for (name, e) in experiments() {
            let context = ExperimentContext(quick: true, seed: 3, outputDirectory: directory, communicator: communicator)
            out[name] = fingerprint(try SeedRuns.run(e, context, seeds: 2))
        }
        return out
    }

    static var mpirun: URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent("mpirun") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    func testGridsSpreadOverTwoRanksEqualOneProcess() throws {
        guard ProcessInfo.processInfo.environment[Self.workerVariable] == nil else { throw XCTSkip("inside a worker") }
        guard let mpirun = Self.mpirun else { throw XCTSkip("mpirun is not installed (Debian: apt-get install openmpi-bin libopenmpi-dev)") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("grid-mpi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        let p = Process()
        p.executableURL = mpirun
        p.arguments = ["-np", "2", "--oversubscribe", "--mca", "btl", "self,tcp", "--mca", "btl_tcp_if_include", "lo",
                       URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path,
                       "EndToEndExperimentsTests.DistributedGridTests/testWorker"]
        var env = ProcessInfo.processInfo.environment
        env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        env[Self.workerVariable] = dir.path
        p.environment = env
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let log = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, log)

        let reference = try Self.runAll(LocalCommunicator(), directory: dir)
        XCTAssertEqual(reference.count, 7)
        for rank in 0..<2 {
            let data = try Data(contentsOf: dir.appendingPathComponent("rank-\(rank).json"))
            let got = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: [String]], log)
            for (name, expected) in reference {
                XCTAssertFalse(expected.isEmpty, name)
                XCTAssertEqual(got[name], expected, "rank \(rank), \(name)")
            }
        }
    }

    /// One rank of the job above (skipped when run on its own).
    func testWorker() throws {
        guard let out = ProcessInfo.processInfo.environment[Self.workerVariable] else {
            throw XCTSkip("a rank of testGridsSpreadOverTwoRanksEqualOneProcess's mpirun job")
        }
        let communicator = try Distributed.detect()
        XCTAssertEqual(communicator.size, 2)
        let results = try Self.runAll(communicator, directory: URL(fileURLWithPath: out))
        let data = try JSONSerialization.data(withJSONObject: results, options: [.sortedKeys])
        try data.write(to: URL(fileURLWithPath: out).appendingPathComponent("rank-\(communicator.rank).json"))
        MPICommunicator.finalizeIfActive()
    }
}
