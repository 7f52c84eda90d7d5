import Foundation

/// Writes files so that a crash, a kill or a full disk never leaves a half-written one under
/// the final name: the bytes go to a temporary file in the same folder, which is flushed to
/// disk (`fsync`) and renamed over the destination, and the folder is flushed so the rename
/// itself survives a power loss.
public enum AtomicFile {
    public struct WriteError: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "\(path): cannot write: \(reason)" }
    }

    /// Replaces (or creates) the file at `url` with `data`.
    public static func write(_ data: Data, to url: URL) throws {
        try data.withUnsafeBytes { try write(parts: [$0], to: url) }
    }

    /// Replaces (or creates) the file at `url` with `parts` one after another, written as they
    /// lie in memory (a header and a tensor's buffer, without joining them into one copy).
    public static func write(parts: [UnsafeRawBufferPointer], to url: URL) throws {
        let directory = url.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw WriteError(path: url.path, reason: "the folder \(directory.path) does not exist or is not a folder")
        }
        let temp = directory.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString.prefix(8)).tmp")
        let fd = open(temp.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw WriteError(path: url.path, reason: String(cString: strerror(errno))) }
        var ok = false
        defer { if !ok { unlink(temp.path) } }
        let written = parts.allSatisfy { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; return false }
                offset += n
            }
            return true
        }
        let reason = String(cString: strerror(errno))
        guard written, fsync(fd) == 0 else { close(fd); throw WriteError(path: url.path, reason: reason) }
        guard close(fd) == 0 else { throw WriteError(path: url.path, reason: String(cString: strerror(errno))) }
        guard rename(temp.path, url.path) == 0 else { throw WriteError(path: url.path, reason: String(cString: strerror(errno))) }
        ok = true
        syncDirectory(directory)
    }

    /// Flushes a folder's entries (after a rename into it). Best effort: some file systems
    /// refuse `fsync` on folders.
    public static func syncDirectory(_ directory: URL) {
        let fd = open(directory.path, O_RDONLY)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}
