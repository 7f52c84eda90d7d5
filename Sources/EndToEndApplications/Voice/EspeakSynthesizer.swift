import EndToEndData
import Foundation

/// Speaks words with Debian's `espeak-ng` (GPL-3.0-or-later), caching each utterance as
/// the 22,050 Hz WAV file espeak-ng writes, and returns it resampled to 16 kHz.
///
/// espeak-ng is deterministic, so a cached file is the same as a fresh one; files are written
/// under a temporary name and renamed into place, so an interrupted run leaves no partial file.
public struct EspeakSynthesizer: Sendable {
    /// The `espeak-ng` executable.
    public let executable: URL
    /// Where utterances are cached.
    public let cacheDirectory: URL
    public static let installHint = "apt-get install espeak-ng"

    /// The synthesizer when `espeak-ng` is on `PATH` (or at `executable`), else nil.
    public init?(cacheDirectory: URL, executable: URL? = nil) {
        let found = executable ?? Self.findOnPath("espeak-ng")
        guard let found, FileManager.default.isExecutableFile(atPath: found.path) else { return nil }
        self.executable = found
        self.cacheDirectory = cacheDirectory
    }

    static func findOnPath(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let url = URL(fileURLWithPath: String(dir)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }

    /// The utterance at 16 kHz, from the cache or freshly synthesized.
    public func speak(_ w: SpokenWord) throws -> AudioClip {
        let url = cacheDirectory.appendingPathComponent(w.cacheName)
        if !FileManager.default.fileExists(atPath: url.path) { try synthesize(w, to: url) }
        return try Resampler.resample(try WAVReader.read(url), to: 16_000)
    }

    func synthesize(_ w: SpokenWord, to url: URL) throws {
        try FileManager.default.createDirectory(at: cacheDirectory, withIntermediateDirectories: true)
        let temporary = cacheDirectory.appendingPathComponent(".\(w.cacheName).\(UUID().uuidString).tmp")
        let p = Process()
        p.executableURL = executable
        p.arguments = ["-v", w.voice, "-s", String(w.speed), "-p", String(w.pitch), "-w", temporary.path, w.word]
        p.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        p.standardError = errors
        try p.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0, FileManager.default.fileExists(atPath: temporary.path) else {
            try? FileManager.default.removeItem(at: temporary)
            throw ApplicationError("voice: espeak-ng -v \(w.voice) failed on '\(w.word)' (status \(p.terminationStatus)): \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        let handle = try FileHandle(forUpdating: temporary)
        try handle.synchronize()
        try handle.close()
        // rename(2) replaces atomically; concurrent writers of the same word write the same bytes.
        guard rename(temporary.path, url.path) == 0 else {
            try? FileManager.default.removeItem(at: temporary)
            throw ApplicationError("voice: cannot move the synthesized \(w.cacheName) into the cache \(cacheDirectory.path) (errno \(errno))")
        }
    }
}
