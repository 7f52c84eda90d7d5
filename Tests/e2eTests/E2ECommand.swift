import Foundation

/// The built `e2e` command run as a child process, as a user would run it.
enum E2ECommand {
    /// The `e2e` executable built beside the test bundle.
    static var executable: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("e2e")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/e2e")
    }

    /// Runs `e2e args` in `directory` (the current one when nil) and returns its exit status and
    /// standard output and error together. `whileRunning` is called once the process has
    /// started, before its output is read (to signal it, for one).
    static func run(_ args: [String], in directory: URL? = nil,
                    whileRunning: ((Process) -> Void)? = nil) throws -> (status: Int32, out: String) {
        let p = Process()
        p.executableURL = executable
        p.arguments = args
        if let directory { p.currentDirectoryURL = directory }
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        whileRunning?(p)
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
