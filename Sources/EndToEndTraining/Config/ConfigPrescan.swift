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
