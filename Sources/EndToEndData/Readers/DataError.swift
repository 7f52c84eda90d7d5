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
        // A device or pipe (/dev/null, /dev/zero) has no size to check and may never end.
        if let type = try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType, type != .typeRegular {
            throw DataError(file: path, message: "not a regular file (\(type.rawValue)), expected a data file")
        }
        do {
            let data = try Data(contentsOf: url, options: .mappedIfSafe)
            return [UInt8](data)
        } catch {
            throw DataError(file: path, message: "cannot read file: \(error.localizedDescription)")
        }
    }

    /// The file's bytes, gunzipped when they start with the gzip magic `1f 8b`.
    /// `compressed` tells whether a gzip layer was removed (for wording error locations).
    /// `declaredSize`, given the first `headerBytes` decompressed bytes, returns how many
    /// bytes the format's own header says the whole file has: decompression stops there,
    /// so a small file cannot claim gigabytes.
    static func readMaybeGzip(_ url: URL, headerBytes: Int, declaredSize: ([UInt8]) throws -> Int) throws -> (bytes: [UInt8], compressed: Bool) {
        let raw = try readBytes(url)
        guard Gzip.isGzip(raw) else { return (raw, false) }
        let head = try Gzip.decompressPrefix(raw, count: headerBytes, file: url.path)
        let size = try declaredSize(head), ratioCap = Gzip.defaultLimit(compressedCount: raw.count)
        let reason = size <= ratioCap ? "the size its header declares"
            : "at most \(Gzip.maxExpansionRatio) times the \(raw.count)-byte compressed file, plus \(Gzip.expansionAllowance >> 20) MiB; its header declares \(size)"
        return (try Gzip.decompress(raw, file: url.path, limit: min(size, ratioCap), limitReason: reason), true)
    }
}
