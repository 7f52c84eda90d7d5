import Foundation
import XCTest

/// Finds a Python that can import given modules (for the checks that run PyTorch or
/// TensorBoard); tests skip when there is none. Looked for: `$E2E_PYTHON`, the venv that
/// ../shared/peers/README.md installs (`/tmp/torch-venv`), then `python3` on the PATH.
enum PythonSupport {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func interpreter(importing modules: [String]) throws -> String {
        // PATH's python3 (pyenv, a venv) is the one `.ci/run` installs packages into.
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { String($0) + "/python3" }
        var candidates = ["/tmp/torch-venv/bin/python"] + path + ["/usr/bin/python3", "/usr/local/bin/python3"]
        if let env = ProcessInfo.processInfo.environment["E2E_PYTHON"] { candidates.insert(env, at: 0) }
        for python in candidates where FileManager.default.isExecutableFile(atPath: python) {
            if (try? run(python, ["-c", "import " + modules.joined(separator: ", ")]))?.status == 0 { return python }
        }
        throw XCTSkip("no Python that imports \(modules.joined(separator: ", ")) (set E2E_PYTHON)")
    }

    /// Runs `executable` with `arguments`; its exit status and standard output and error.
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
