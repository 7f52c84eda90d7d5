import Foundation

/// An error from reading a data file: which file, where in it, and what is wrong.
///
/// `location` is human-readable, e.g. `"byte 16"`, `"line 3, column 2"`, or empty when
/// the problem concerns the whole file (a missing file, an empty file).
public struct DataError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file's path (or a name such as `"<memory>"` for in-memory data).
    public var file: String
    /// Where in the file, e.g. `"byte 16"` or `"line 3, column 2"`; empty if not applicable.
    public var location: String
    /// What is wrong.
    public var message: String

    public init(file: String, location: String = "", message: String) {
        self.file = file
        self.location = location
        self.message = message
    }

    public var description: String {
        location.isEmpty ? "\(file): \(message)" : "\(file): \(location): \(message)"
    }
}

extension DataError: LocalizedError {
    public var errorDescription: String? { description }
}

/// File helpers shared by the readers.
enum DataFile {
    /// The whole file as bytes, or a `DataError` naming the file.
    static func readBytes(_ url: URL) throws -> [UInt8] {
        let path = url.path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw DataError(file: path, message: "no such file")
        }
        if isDir.boolValue { throw DataError(file: path, message: "is a directory, expected a file") }
        do {
            let data = try Data(contentsOf: url, options: .mappedIfSafe)
            return [UInt8](data)
        } catch {
            throw DataError(file: path, message: "cannot read file: \(error.localizedDescription)")
        }
    }

    /// The file's bytes, gunzipped when they start with the gzip magic `1f 8b`.
    /// `compressed` tells whether a gzip layer was removed (for wording error locations).
    static func readMaybeGzip(_ url: URL) throws -> (bytes: [UInt8], compressed: Bool) {
        let raw = try readBytes(url)
        if Gzip.isGzip(raw) {
            return (try Gzip.decompress(raw, file: url.path), true)
        }
        return (raw, false)
    }
}
