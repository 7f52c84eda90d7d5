import Foundation
import XCTest

/// `e2e bench transformer` and `e2e bench conv1d` run as a user (or scripts/side_by_side.py)
/// would: a couple of steps, one JSON object as the last line. Throughput is printed, never
/// asserted.
final class BenchWorkloadTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: TrainResumeTests.e2e.path),
                          "e2e is not built at \(TrainResumeTests.e2e.path)")
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { if let dir { try? FileManager.default.removeItem(at: dir) } }

    func e2e(_ args: [String]) throws -> (status: Int32, out: String) { try E2ECommand.run(args) }

    /// The last line of `out`, parsed as a JSON object.
    func lastJSON(_ out: String) throws -> [String: Any] {
        let line = try XCTUnwrap(out.split(separator: "\n").last, "no output")
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
        return try XCTUnwrap(object as? [String: Any], "last line is not a JSON object: \(line)")
    }

    func checkCommonFields(_ j: [String: Any], workload: String, rate: String) throws {
        XCTAssertEqual(j["workload"] as? String, workload)
        XCTAssertEqual(j["threads"] as? Int, 1)
        XCTAssertEqual(j["steps"] as? Int, 1)
        XCTAssertEqual(j["seed"] as? Int, 3)
        XCTAssertGreaterThan(try XCTUnwrap(j[rate] as? Double, "\(rate) missing"), 0)
        XCTAssertGreaterThan(try XCTUnwrap(j["peak_rss_mib"] as? Double, "peak_rss_mib missing"), 0)
        XCTAssertTrue(try XCTUnwrap(j["loss"] as? Double, "loss missing").isFinite)
    }

    /// Two steps (one warm-up, one timed) on a small text file; the first loss is near
    /// ln 98 ≈ 4.58, what a freshly initialized model over 98 symbols gives.
    func testTransformerRunsAndPrintsJSON() throws {
        let text = dir.appendingPathComponent("text.txt")
        try String(repeating: "It is a truth universally acknowledged, that a single man in possession of a good fortune...\n", count: 20)
            .write(to: text, atomically: true, encoding: .utf8)
        let r = try e2e(["bench", "transformer", "--steps", "1", "--warmup", "1", "--threads", "1", "--seed", "3", "--json",
                         "--text-file", text.path])
        XCTAssertEqual(r.status, 0, r.out)
        let j = try lastJSON(r.out)
        try checkCommonFields(j, workload: "transformer", rate: "tokens_per_s")
        XCTAssertEqual(j["text_bytes"] as? Int, 20 * 93)
        let first = try XCTUnwrap(j["first_losses"] as? [Double])
        XCTAssertEqual(first.count, 1)
        XCTAssertEqual(first[0], log(98), accuracy: 0.6)
    }

    /// `--dump-text` writes the bytes the workload trains on.
    func testTransformerDumpsItsText() throws {
        let text = dir.appendingPathComponent("in.txt"), dumped = dir.appendingPathComponent("out.txt")
        try "Emma Woodhouse, handsome, clever, and rich\n".write(to: text, atomically: true, encoding: .utf8)
        let r = try e2e(["bench", "transformer", "--text-file", text.path, "--dump-text", dumped.path])
        XCTAssertEqual(r.status, 0, r.out)
        XCTAssertEqual(try Data(contentsOf: dumped), try Data(contentsOf: text))
    }

    /// Two steps; the first loss is near ln 12 ≈ 2.48 (12 classes).
    func testConv1dRunsAndPrintsJSON() throws {
        let r = try e2e(["bench", "conv1d", "--steps", "1", "--warmup", "1", "--threads", "1", "--seed", "3", "--json"])
        XCTAssertEqual(r.status, 0, r.out)
        let j = try lastJSON(r.out)
        try checkCommonFields(j, workload: "conv1d", rate: "samples_per_s")
        let first = try XCTUnwrap(j["first_losses"] as? [Double])
        XCTAssertEqual(first.count, 1)
        XCTAssertEqual(first[0], log(12), accuracy: 0.7)
    }

    func testBadInputIsRefusedByName() throws {
        let missing = dir.appendingPathComponent("missing.txt").path
        let r = try e2e(["bench", "transformer", "--steps", "1", "--text-file", missing])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.out.contains(missing), r.out)
        let w = try e2e(["bench", "mlp", "--warmup", "2"])
        XCTAssertNotEqual(w.status, 0)
        XCTAssertTrue(w.out.contains("--warmup"), w.out)
    }
}
