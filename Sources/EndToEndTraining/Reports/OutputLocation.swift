import Foundation

/// An output path that cannot be created, found before any work is done.
public struct OutputLocationError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}

/// Checks where a command will write, before it trains or predicts.
public enum OutputLocation {
    /// Throws when `url` (a file or folder to create) lies under a regular file, or is an
    /// existing folder where a file is expected (`expectFile`), naming the culprit. Folders
    /// that do not exist yet are fine: they will be created.
    public static func check(_ url: URL, expectFile: Bool = false) throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if expectFile, fm.fileExists(atPath: url.path, isDirectory: &isDir), isDir.boolValue {
            throw OutputLocationError(message: "\(url.path): is a folder, expected a file to write")
        }
        var parent = url.deletingLastPathComponent().standardizedFileURL
        while parent.path != "/" && !parent.path.isEmpty {
            if fm.fileExists(atPath: parent.path, isDirectory: &isDir) {
                if !isDir.boolValue {
                    throw OutputLocationError(message: "\(url.path): cannot be created because \(parent.path) is a file, not a folder")
                }
                return
            }
            parent = parent.deletingLastPathComponent().standardizedFileURL
        }
    }
}
