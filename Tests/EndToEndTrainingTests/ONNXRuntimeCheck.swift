import XCTest
import Foundation
import EndToEnd
import EndToEndData

/// Runs exported ONNX models through onnxruntime with scripts/onnx_check.py (which also
/// runs `onnx.checker` with full checks) and compares the outputs with EndToEnd's.
/// Tests skip when no Python imports onnx and onnxruntime (``PythonSupport``; CI installs both).
enum ONNXRuntimeCheck {
    /// One model run: its ONNX file, an input batch and EndToEnd's outputs for it.
    struct Run {
        var name: String
        var model: URL
        var input: Tensor
        var expected: Tensor
    }

    static let script = PythonSupport.repository.appendingPathComponent("scripts/onnx_check.py")

    /// Looked for once: each look starts Python and imports the modules (about a second).
    static let interpreter: String? = try? PythonSupport.interpreter(importing: ["numpy", "onnx", "onnxruntime"])

    /// A Python that imports numpy, onnx and onnxruntime, else an XCTSkip.
    static func python() throws -> String {
        guard let interpreter else { throw XCTSkip("no Python that imports numpy, onnx and onnxruntime (pip install onnx onnxruntime, or set E2E_PYTHON)") }
        return interpreter
    }

    /// Runs every model in one Python process and checks each output against EndToEnd's to
    /// `tolerance` (absolute), naming the run on failure.
    static func assertMatches(_ runs: [Run], in dir: URL, tolerance: Float = 1e-4, file: StaticString = #filePath, line: UInt = #line) throws {
        let python = try python()
        var arguments = [script.path]
        for (i, run) in runs.enumerated() {
            let x = dir.appendingPathComponent("\(i)-input.npy")
            try NPY.write(run.input, to: x)
            arguments += [run.model.path, x.path, dir.appendingPathComponent("\(i)-output.npy").path]
        }
        let result = try PythonSupport.run(python, arguments)
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
