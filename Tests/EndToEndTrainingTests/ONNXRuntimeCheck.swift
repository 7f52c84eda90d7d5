import XCTest
import Foundation
import EndToEnd
import EndToEndData

/// Runs exported ONNX models through onnxruntime with scripts/onnx_check.py (which also
/// runs `onnx.checker` with full checks) and compares the outputs with EndToEnd's.
/// Tests skip when `python3` cannot import onnx and onnxruntime (CI installs both).
enum ONNXRuntimeCheck {
    /// One model run: its ONNX file, an input batch and EndToEnd's outputs for it.
    struct Run {
        var name: String
        var model: URL
        var input: Tensor
        var expected: Tensor
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let script = repository.appendingPathComponent("scripts/onnx_check.py")

    /// `python3` and its arguments, via `env` so that PATH (CI's interpreter) decides.
    static func python(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [ProcessInfo.processInfo.environment["E2E_PYTHON"] ?? "python3"] + arguments
        let pipe = Pipe()   // one pipe for both streams: reading one while the other fills could block
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static let available: Bool = {
        (try? python(["-c", "import numpy, onnx, onnxruntime"]).status) == 0
    }()

    static func requireRuntime() throws {
        guard available else { throw XCTSkip("python3 cannot import onnx and onnxruntime (pip install onnx onnxruntime)") }
    }

    /// Runs every model in one Python process and checks each output against EndToEnd's to
    /// `tolerance` (absolute), naming the run on failure.
    static func assertMatches(_ runs: [Run], in dir: URL, tolerance: Float = 1e-4, file: StaticString = #filePath, line: UInt = #line) throws {
        var arguments = [script.path]
        for (i, run) in runs.enumerated() {
            let x = dir.appendingPathComponent("\(i)-input.npy")
            try NPY.write(run.input, to: x)
            arguments += [run.model.path, x.path, dir.appendingPathComponent("\(i)-output.npy").path]
        }
        let result = try python(arguments)
        guard result.status == 0 else {
            XCTFail("onnx_check.py failed (\(result.status)):\n\(result.output)", file: file, line: line)
            return
        }
        let reports = result.output.split(separator: "\n")
        XCTAssertEqual(reports.count, runs.count, "one report per model:\n\(result.output)", file: file, line: line)
        for report in reports {
            XCTAssertTrue(report.contains("\"opset\": 17") && report.contains("\"ir_version\": 8") && report.contains("\"declared_input\": [\"batch\""),
                          "opset 17, IR 8, symbolic batch: \(report)", file: file, line: line)
        }
        for (i, run) in runs.enumerated() {
            let got = try NPY.read(dir.appendingPathComponent("\(i)-output.npy"))
            let want = run.expected.contiguous()
            guard got.count == want.count, got.shape[0] == want.shape[0] else {
                XCTFail("\(run.name): onnxruntime gives shape \(got.shape), EndToEnd \(want.shape)", file: file, line: line)
                continue
            }
            let diff = zip(got.scalars, want.scalars).map { abs($0 - $1) }.max() ?? 0
            print("onnxruntime vs EndToEnd, \(run.name): max abs difference \(diff)")
            XCTAssertLessThanOrEqual(diff, tolerance, "\(run.name): max |onnxruntime − EndToEnd| = \(diff)", file: file, line: line)
            XCTAssertFalse(want.scalars.contains { !$0.isFinite }, "\(run.name): EndToEnd outputs are finite", file: file, line: line)
        }
    }
}
