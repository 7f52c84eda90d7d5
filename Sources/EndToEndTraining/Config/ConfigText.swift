import Foundation

/// Reading a configuration file's text, with errors that name the file and say what is wrong.
public enum ConfigText {
    /// The file's text: an error for a missing file, a folder, an empty file (`/dev/null`)
    /// or bytes that are not UTF-8 (naming the first bad byte's offset and line).
    public static func read(_ url: URL) throws(ConfigError) -> String {
        let name = url.lastPathComponent
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) else {
            throw ConfigError(file: name, path: "", message: "no such file: \(url.path)")
        }
        if isDir.boolValue { throw ConfigError(file: name, path: "", message: "\(url.path) is a folder, expected a configuration file") }
        if let type = try? FileManager.default.attributesOfItem(atPath: url.path)[.type] as? FileAttributeType, type != .typeRegular {
            throw ConfigError(file: name, path: "", message: "\(url.path) is not a regular file (\(type.rawValue)), expected a configuration file")
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ConfigError(file: name, path: "", message: "cannot read \(url.path): \(error.localizedDescription)")
        }
        guard !data.isEmpty else { throw ConfigError(file: name, path: "", message: "\(url.path) is empty, expected a configuration") }
        let bytes = [UInt8](data)
        if let text = String(validating: bytes, as: UTF8.self) {
            if let nul = bytes.firstIndex(of: 0) {
                let line = bytes[..<nul].filter { $0 == UInt8(ascii: "\n") }.count + 1
                throw ConfigError(file: name, path: "", line: line, message: "NUL byte at byte \(nul): not a text file")
            }
            return text
        }
        // Find the first invalid sequence for the message.
        var offset = 0
        var it = bytes.makeIterator()
        var decoder = UTF8()
        loop: while true {
            switch decoder.decode(&it) {
            case .scalarValue(let s): offset += UTF8.width(s)
            case .emptyInput: break loop
            case .error: break loop
            }
        }
        let line = bytes[..<min(offset, bytes.count)].filter { $0 == UInt8(ascii: "\n") }.count + 1
        throw ConfigError(file: name, path: "", line: line,
                          message: String(format: "not UTF-8 text: invalid byte 0x%02x at byte %d; save the file as UTF-8", bytes[min(offset, bytes.count - 1)], offset))
    }
}
