/// Checks run on a configuration's text before a parser sees it, for what the parsers
/// themselves handle badly: nesting deep enough to overflow the stack (Yams and the tree
/// conversion recurse), and JSON that Foundation accepts although it is not JSON (a
/// trailing comma).
enum ConfigPrescan {
    /// Throws when flow brackets (`[`, `{`) or block indentation nest deeper than
    /// `ConfigLimits.maxDepth`, naming the line.
    static func checkYAMLDepth(_ text: String, fileName: String) throws(ConfigError) {
        var flow = 0
        var indents: [Int] = []
        var line = 1
        var quote: UInt8? = nil
        var atLineStart = true, column = 0, inComment = false
        var compact = 0  // "- " markers opening nested block sequences on one line
        func tooDeep(_ depth: Int) -> ConfigError {
            ConfigError(file: fileName, path: "", line: line,
                        message: "nesting deeper than \(ConfigLimits.maxDepth) levels (\(depth) here); a configuration needs a handful")
        }
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\n") {
                line += 1; atLineStart = true; column = 0; inComment = false; compact = 0
                if quote == UInt8(ascii: "'") { quote = nil }  // single-quoted scalars may span lines; be lenient
                i += 1; continue
            }
            if inComment { i += 1; continue }
            if atLineStart {
                if c == UInt8(ascii: " ") { column += 1; i += 1; continue }
                atLineStart = false
                if flow == 0 && quote == nil && c != UInt8(ascii: "#") {
                    while let top = indents.last, top >= column { indents.removeLast() }
                    indents.append(column)
                }
            }
            if let q = quote {
                if c == UInt8(ascii: "\\") && q == UInt8(ascii: "\"") { i += 2; continue }
                if c == q { quote = nil }
                i += 1; continue
            }
            switch c {
            case UInt8(ascii: "\""), UInt8(ascii: "'"): quote = c
            case UInt8(ascii: "#"): inComment = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                flow += 1
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                flow = max(0, flow - 1)
            case UInt8(ascii: "-") where flow == 0 && (i + 1 == bytes.count || bytes[i + 1] == UInt8(ascii: " ")):
                compact += 1
            default: break
            }
            let depth = flow + indents.count + compact
            if depth > ConfigLimits.maxDepth { throw tooDeep(depth) }
            i += 1
        }
    }

    /// Throws on JSON nested deeper than `ConfigLimits.maxDepth` and on a trailing comma
    /// before `]` or `}`, naming line and column.
    static func checkJSON(_ text: String, fileName: String) throws(ConfigError) {
        var depth = 0, line = 1, lineStart = 0
        var inString = false, escaped = false
        var lastComma: (line: Int, column: Int)? = nil
        let bytes = Array(text.utf8)
        for (i, c) in bytes.enumerated() {
            if inString {
                if escaped { escaped = false } else if c == UInt8(ascii: "\\") { escaped = true } else if c == UInt8(ascii: "\"") { inString = false }
                if c == UInt8(ascii: "\n") { line += 1; lineStart = i + 1 }
                continue
            }
            switch c {
            case UInt8(ascii: "\n"): line += 1; lineStart = i + 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"): break
            case UInt8(ascii: "\""): inString = true; lastComma = nil
            case UInt8(ascii: ","): lastComma = (line, i - lineStart + 1)
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1; lastComma = nil
                if depth > ConfigLimits.maxDepth {
                    throw ConfigError(file: fileName, path: "", line: line,
                                      message: "invalid JSON: nesting deeper than \(ConfigLimits.maxDepth) levels at column \(i - lineStart + 1)")
                }
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                if let comma = lastComma {
                    throw ConfigError(file: fileName, path: "", line: comma.line,
                                      message: "invalid JSON: trailing comma at column \(comma.column) before '\(Character(Unicode.Scalar(c)))'")
                }
                depth -= 1
            default: lastComma = nil
            }
        }
    }
}

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
