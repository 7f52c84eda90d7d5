import Foundation
import XCTest

/// `e2e app` killed, interrupted and resumed: the finished parts (network fits, data-efficiency
/// points) are read back and the report equals an uninterrupted run's.
final class AppResumeTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-app-resume-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: TrainResumeTests.e2e.path), "e2e is not built")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func finishedParts(_ report: String) -> Int {
        let parts = dir.appendingPathComponent(".\(report).training/parts")
        return ((try? FileManager.default.contentsOfDirectory(atPath: parts.path)) ?? []).filter { $0.hasSuffix(".json") }.count
    }

    /// The children's temporary directory (TMPDIR), inside `dir`.
    var scratch: URL { dir.appendingPathComponent("tmp", isDirectory: true) }

    /// Scratch directories that runs of `e2e app` left in ``scratch``.
    func leftScratch() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: scratch.path)) ?? []).filter { $0.hasPrefix("e2e-app-") }
    }

    /// Runs e2e in `dir`; `signal` is sent once `report` has `parts` finished parts.
    func e2e(_ args: [String], signal: Int32? = nil, afterParts parts: Int = 0, of report: String = "") throws -> (status: Int32, out: String) {
        let p = Process()
        p.executableURL = TrainResumeTests.e2e
        p.arguments = args
        p.currentDirectoryURL = dir
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        p.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": scratch.path]) { $1 }
        let out = dir.appendingPathComponent("out-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        let handle = try FileHandle(forWritingTo: out)
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        if let signal {
            let deadline = Date().addingTimeInterval(120)
            while finishedParts(report) < parts, p.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
            if p.isRunning { kill(p.processIdentifier, signal) }
        }
        p.waitUntilExit()
        try handle.close()
        return (p.terminationStatus, try String(contentsOf: out, encoding: .utf8))
    }

    /// results.json without wall times and the report path, which differ from run to run.
    func results(_ report: String) throws -> NSDictionary {
        func strip(_ v: Any) -> Any {
            if let d = v as? [String: Any] {
                return d.filter { !$0.key.hasSuffix("seconds") && $0.key != "report" }.mapValues(strip)
            }
            if let a = v as? [Any] { return a.map(strip) }
            return v
        }
        let data = try Data(contentsOf: dir.appendingPathComponent(report).appendingPathComponent("results.json"))
        return strip(try JSONSerialization.jsonObject(with: data)) as! NSDictionary
    }

    func testKilledAndInterruptedAppRunsResumeToTheUninterruptedResults() throws {
        let whole = try e2e(["app", "diagnosis", "--smoke", "--output", "whole"])
        XCTAssertEqual(whole.status, 0, whole.out)

        let killed = try e2e(["app", "diagnosis", "--smoke", "--output", "cut"], signal: SIGKILL, afterParts: 2, of: "cut")
        XCTAssertEqual(killed.status, 9, "the run finished before it could be killed:\n" + killed.out)
        let fresh = try e2e(["app", "diagnosis", "--smoke", "--output", "cut"])
        XCTAssertEqual(fresh.status, 1)
        XCTAssertTrue(fresh.out.contains("e2e app diagnosis --resume cut"), fresh.out)

        let done = finishedParts("cut"), leftByTheKill = leftScratch()
        let interrupted = try e2e(["app", "diagnosis", "--resume", "cut"], signal: SIGINT, afterParts: done + 1, of: "cut")
        XCTAssertEqual(interrupted.status, 130, interrupted.out)
        XCTAssertTrue(interrupted.out.contains("resume with: e2e app diagnosis --resume cut"), interrupted.out)
        XCTAssertTrue(interrupted.out.contains("read back"), interrupted.out)
        // SIGKILL leaves its scratch behind; an interrupt must not.
        XCTAssertEqual(leftScratch(), leftByTheKill, "the interrupted run left its scratch directory")

        let resumed = try e2e(["app", "diagnosis", "--resume", "cut"])
        XCTAssertEqual(resumed.status, 0, resumed.out)
        XCTAssertTrue(resumed.out.contains("read back"), resumed.out)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent(".cut.training").path))
        XCTAssertEqual(try results("cut"), try results("whole"))
        for model in ["end-to-end", "end-to-end-table"] {
            let a = try Data(contentsOf: dir.appendingPathComponent("whole/models/\(model)/model.safetensors"))
            let b = try Data(contentsOf: dir.appendingPathComponent("cut/models/\(model)/model.safetensors"))
            XCTAssertEqual(a, b, "models/\(model) differs after the resume")
        }
        let again = try e2e(["app", "diagnosis", "--resume", "cut"])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.out.contains("finished"), again.out)
        let other = try e2e(["app", "voice", "--resume", "whole"])
        XCTAssertEqual(other.status, 1, other.out)
    }
}
