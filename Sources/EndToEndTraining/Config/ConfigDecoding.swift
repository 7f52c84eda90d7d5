import Foundation
import Yams

/// A configuration problem, located by file, dotted path (`model.layers[2].type`) and, for
/// YAML input, line. Its description reads `config.yaml: model.layers[2].type: unknown layer ...`.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file name (or `<memory>`).
    public let file: String
    /// The dotted path of the offending value; empty for the whole document.
    public let path: String
    /// The 1-based line of the offending value, when known (YAML input).
    public let line: Int?
    public let message: String

    public init(file: String, path: String, line: Int? = nil, message: String) {
        self.file = file; self.path = path; self.line = line; self.message = message
    }

    public var description: String {
        var text = file + ": "
        if !path.isEmpty { text += path + ": " }
        text += message
        if let line { text += " (line \(line))" }
        return text
    }
}

/// A parsed JSON or YAML value with its source line (YAML only).
public struct ConfigNode: Sendable, Equatable {
    public indirect enum Value: Sendable, Equatable {
        case null
        case bool(Bool)
        case int(Int)
        case double(Double)
        case string(String)
        case list([ConfigNode])
        /// Keys in document order.
        case object([Entry])
    }
    public struct Entry: Sendable, Equatable {
        public let key: String
        public let value: ConfigNode
    }
    public var value: Value
    public var line: Int?

    public init(_ value: Value, line: Int? = nil) { self.value = value; self.line = line }

    /// A short description for error messages: strings quoted, containers named.
    public var shortDescription: String {
        switch value {
        case .null: return "null"
        case .bool(let b): return String(b)
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .string(let s): return "\"\(s)\""
        case .list: return "a list"
        case .object: return "an object"
        }
    }
}

/// The input syntax of a configuration file.
public enum ConfigFormat: Sendable, Equatable {
    case json, yaml

    /// By extension (`.json`, `.yaml`, `.yml`); otherwise sniffed: text starting with `{` is JSON.
    public static func detect(fileName: String, text: String) -> ConfigFormat {
        let lower = fileName.lowercased()
        if lower.hasSuffix(".json") { return .json }
        if lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") { return .yaml }
        let first = text.first { !$0.isWhitespace }
        return first == "{" ? .json : .yaml
    }
}

/// Parses JSON (Foundation's `JSONSerialization`) or YAML (Yams) into a ``ConfigNode`` tree.
public enum ConfigParser {
    public static func parse(_ text: String, fileName: String = "<memory>", format: ConfigFormat? = nil) throws(ConfigError) -> ConfigNode {
        let fmt = format ?? ConfigFormat.detect(fileName: fileName, text: text)
        switch fmt {
        case .json: return try parseJSON(text, fileName: fileName)
        case .yaml: return try parseYAML(text, fileName: fileName)
        }
    }

    static func parseJSON(_ text: String, fileName: String) throws(ConfigError) -> ConfigNode {
        try ConfigPrescan.checkJSON(text, fileName: fileName)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
            throw ConfigError(file: fileName, path: "", message: "invalid JSON: \(detail)")
        }
        return convertJSON(object)
    }

    static func convertJSON(_ value: Any) -> ConfigNode {
        switch value {
        case is NSNull: return ConfigNode(.null)
        case let s as String: return ConfigNode(.string(s))
        case let n as NSNumber:
            if String(cString: n.objCType) == "c" { return ConfigNode(.bool(n.boolValue)) }
            let d = n.doubleValue
            if d == d.rounded(), abs(d) < 9e15, !"\(n)".contains(".") && !"\(n)".lowercased().contains("e") {
                return ConfigNode(.int(n.intValue))
            }
            return ConfigNode(.double(d))
        case let a as [Any]: return ConfigNode(.list(a.map(convertJSON)))
        case let o as [String: Any]:
            // JSONSerialization does not keep key order; sort for deterministic messages.
            return ConfigNode(.object(o.keys.sorted().map { ConfigNode.Entry(key: $0, value: convertJSON(o[$0]!)) }))
        default: return ConfigNode(.string("\(value)"))
        }
    }

    static func parseYAML(_ text: String, fileName: String) throws(ConfigError) -> ConfigNode {
        try ConfigPrescan.checkYAMLDepth(text, fileName: fileName)
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            switch error {
            case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
                 .composer(let context, let problem, let mark, _):
                var message = "invalid YAML at line \(mark.line), column \(mark.column): \(problem)"
                if let context { message += " (\(context.text) at line \(context.mark.line))" }
                throw ConfigError(file: fileName, path: "", message: message)
            default:
                throw ConfigError(file: fileName, path: "", message: "invalid YAML: \(error)")
            }
        } catch {
            throw ConfigError(file: fileName, path: "", message: "invalid YAML: \(error)")
        }
        guard let node else { return ConfigNode(.object([])) }
        var budget = ConfigLimits.maxNodes
        return try convertYAML(node, fileName: fileName, path: "", budget: &budget)
    }

    /// `budget` counts the values left to convert: aliases share one node in Yams's tree
    /// but are copied here, so a billion-laughs document would otherwise expand without bound.
    static func convertYAML(_ node: Node, fileName: String, path: String, budget: inout Int) throws(ConfigError) -> ConfigNode {
        let line = node.mark?.line
        budget -= 1
        if budget < 0 {
            throw ConfigError(file: fileName, path: path, line: line,
                              message: "the document expands to more than \(ConfigLimits.maxNodes) values (a YAML alias bomb?)")
        }
        switch node {
        case .scalar(let scalar):
            let s = scalar.string
            if scalar.style != .plain && scalar.style != .any { return ConfigNode(.string(s), line: line) }
            if s.isEmpty || s == "~" || s == "null" || s == "Null" || s == "NULL" { return ConfigNode(.null, line: line) }
            if ["true", "True", "TRUE"].contains(s) { return ConfigNode(.bool(true), line: line) }
            if ["false", "False", "FALSE"].contains(s) { return ConfigNode(.bool(false), line: line) }
            let digits = s.replacingOccurrences(of: "_", with: "")
            if let i = Int(digits) { return ConfigNode(.int(i), line: line) }
            if let d = Double(digits), d.isFinite {
                return ConfigNode(.double(d), line: line)
            }
            return ConfigNode(.string(s), line: line)
        case .sequence(let seq):
            var items: [ConfigNode] = []
            for (i, item) in seq.enumerated() { items.append(try convertYAML(item, fileName: fileName, path: "\(path)[\(i)]", budget: &budget)) }
            return ConfigNode(.list(items), line: line)
        case .mapping(let mapping):
            var entries: [ConfigNode.Entry] = []
            var seen = Set<String>()
            for (k, v) in mapping {
                guard case .scalar(let ks) = k else {
                    throw ConfigError(file: fileName, path: path, line: k.mark?.line, message: "keys must be plain strings")
                }
                let childPath = path.isEmpty ? ks.string : path + "." + ks.string
                guard seen.insert(ks.string).inserted else {
                    throw ConfigError(file: fileName, path: childPath, line: k.mark?.line, message: "duplicate key '\(ks.string)'")
                }
                entries.append(.init(key: ks.string, value: try convertYAML(v, fileName: fileName, path: childPath, budget: &budget)))
            }
            return ConfigNode(.object(entries), line: line)
        }
    }
}

/// Walks a ``ConfigNode`` tree, carrying the path of each value for error messages.
public struct ConfigReader {
    public let node: ConfigNode
    public let path: String
    public let file: String

    public init(_ node: ConfigNode, path: String = "", file: String) {
        self.node = node; self.path = path; self.file = file
    }

    public func error(_ message: String) -> ConfigError {
        ConfigError(file: file, path: path, line: node.line, message: message)
    }

    public func child(_ key: String) -> ConfigReader? {
        guard case .object(let entries) = node.value, let e = entries.first(where: { $0.key == key }) else { return nil }
        if e.value.value == .null { return nil }
        return ConfigReader(e.value, path: path.isEmpty ? key : path + "." + key, file: file)
    }

    public func has(_ key: String) -> Bool { child(key) != nil }

    public var keys: [String] {
        guard case .object(let entries) = node.value else { return [] }
        return entries.map(\.key)
    }

    /// Requires an object whose keys are all in `allowed`; otherwise the error names the
    /// unknown key and suggests the closest allowed one.
    public func object(allowed: [String]) throws(ConfigError) {
        guard case .object(let entries) = node.value else {
            throw error("expected an object, got \(node.shortDescription)")
        }
        for e in entries where !allowed.contains(e.key) {
            let childPath = path.isEmpty ? e.key : path + "." + e.key
            var message = "unknown key '\(e.key)'"
            if let s = Self.suggestion(for: e.key, among: allowed) { message += "; did you mean '\(s)'?" }
            else { message += "; expected one of \(allowed.joined(separator: ", "))" }
            throw ConfigError(file: file, path: childPath, line: e.value.line, message: message)
        }
    }

    public func required(_ key: String) throws(ConfigError) -> ConfigReader {
        guard let c = child(key) else { throw error("missing required field '\(key)'") }
        return c
    }

    public func string() throws(ConfigError) -> String {
        guard case .string(let s) = node.value else { throw error("expected a string, got \(node.shortDescription)") }
        return s
    }

    public func bool() throws(ConfigError) -> Bool {
        guard case .bool(let b) = node.value else { throw error("expected true or false, got \(node.shortDescription)") }
        return b
    }

    public func number(_ what: String = "a number") throws(ConfigError) -> Double {
        switch node.value {
        case .int(let i): return Double(i)
        // Everything is computed in Float: a value past its range would be infinite there.
        case .double(let d) where d.isFinite && abs(d) <= Double(Float.greatestFiniteMagnitude): return d
        case .double(let d) where d.isFinite:
            throw error("expected \(what), got \(node.shortDescription), beyond the range of Float (about 3.4e38)")
        default: throw error("expected \(what), got \(node.shortDescription)")
        }
    }

    public func positiveNumber() throws(ConfigError) -> Double {
        let d = try number("a positive number")
        guard d > 0 else { throw error("expected a positive number, got \(node.shortDescription)") }
        return d
    }

    public func nonNegativeNumber() throws(ConfigError) -> Double {
        let d = try number("a non-negative number")
        guard d >= 0 else { throw error("expected a non-negative number, got \(node.shortDescription)") }
        return d
    }

    /// A number in `range`, described as e.g. "a number in [0, 1)".
    public func number(in range: ClosedRange<Double>, upperOpen: Bool = false) throws(ConfigError) -> Double {
        let what = "a number in [\(Self.fmt(range.lowerBound)), \(Self.fmt(range.upperBound))\(upperOpen ? ")" : "]")"
        let d = try number(what)
        guard range.contains(d), !(upperOpen && d == range.upperBound) else { throw error("expected \(what), got \(node.shortDescription)") }
        return d
    }

    public func int(_ what: String = "an integer") throws(ConfigError) -> Int {
        switch node.value {
        case .int(let i): return i
        case .double(let d) where d == d.rounded() && abs(d) < 1e15: return Int(d)
        default: throw error("expected \(what), got \(node.shortDescription)")
        }
    }

    /// A positive integer at most `ConfigLimits.maxInteger`.
    public func positiveInt() throws(ConfigError) -> Int {
        let i = try int("a positive integer")
        guard i > 0 else { throw error("expected a positive integer, got \(node.shortDescription)") }
        guard i <= ConfigLimits.maxInteger else { throw error("expected a positive integer at most \(ConfigLimits.maxInteger), got \(node.shortDescription)") }
        return i
    }

    /// A non-negative integer at most `ConfigLimits.maxInteger`.
    public func nonNegativeInt() throws(ConfigError) -> Int {
        let i = try int("a non-negative integer")
        guard i >= 0 else { throw error("expected a non-negative integer, got \(node.shortDescription)") }
        guard i <= ConfigLimits.maxInteger else { throw error("expected a non-negative integer at most \(ConfigLimits.maxInteger), got \(node.shortDescription)") }
        return i
    }

    public func list() throws(ConfigError) -> [ConfigReader] {
        guard case .list(let items) = node.value else { throw error("expected a list, got \(node.shortDescription)") }
        return items.enumerated().map { ConfigReader($0.element, path: "\(path)[\($0.offset)]", file: file) }
    }

    /// One of `options` (case-insensitive, `-` read as `_`); the error says "unknown `what`".
    public func choice(_ options: [String], what: String) throws(ConfigError) -> String {
        let raw: String
        do { raw = try string() } catch { throw self.error("expected a \(what) name (one of \(options.joined(separator: ", "))), got \(node.shortDescription)") }
        let key = Self.normalize(raw)
        if let match = options.first(where: { Self.normalize($0) == key }) { return match }
        var message = "unknown \(what) '\(raw)'; expected one of \(options.joined(separator: ", "))"
        if let s = Self.suggestion(for: raw, among: options) { message += " (did you mean '\(s)'?)" }
        throw error(message)
    }

    static func normalize(_ s: String) -> String { s.lowercased().replacingOccurrences(of: "-", with: "_") }

    static func fmt(_ d: Double) -> String { d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d) }

    /// The closest candidate within edit distance max(2, length/3), if any.
    public static func suggestion(for word: String, among candidates: [String]) -> String? {
        let w = normalize(word)
        var best: (String, Int)?
        for c in candidates {
            let d = editDistance(w, normalize(c))
            if d <= max(2, w.count / 3), best == nil || d < best!.1 { best = (c, d) }
        }
        return best?.0
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count)
        for i in 1...a.count {
            var cur = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            prev = cur
        }
        return prev[b.count]
    }

    // Optional-field helpers: nil when absent.
    public func optNumber(_ key: String, _ read: (ConfigReader) throws(ConfigError) -> Double) throws(ConfigError) -> Double? {
        guard let c = child(key) else { return nil }
        return try read(c)
    }
    public func optInt(_ key: String, _ read: (ConfigReader) throws(ConfigError) -> Int) throws(ConfigError) -> Int? {
        guard let c = child(key) else { return nil }
        return try read(c)
    }
    public func optBool(_ key: String) throws(ConfigError) -> Bool? {
        guard let c = child(key) else { return nil }
        return try c.bool()
    }
    public func optString(_ key: String) throws(ConfigError) -> String? {
        guard let c = child(key) else { return nil }
        return try c.string()
    }
}
