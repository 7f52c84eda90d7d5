import Foundation

/// A JSON value with ordered object keys, so that results encode the same way every time.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.int(x), .int(y)): return x == y
        case let (.double(x), .double(y)): return x == y || (x.isNaN && y.isNaN)
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)): return x.map(\.0) == y.map(\.0) && x.map(\.1) == y.map(\.1)
        default: return false
        }
    }

    /// One line of JSON. Non-finite numbers become `null` (JSON has no NaN or infinity);
    /// doubles keep up to 6 significant digits, enough for accuracies and seconds.
    public var encoded: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return Self.number(d)
        case .string(let s): return JSONText.quoted(s)
        case .array(let a): return "[" + a.map(\.encoded).joined(separator: ", ") + "]"
        case .object(let o): return "{" + o.map { JSONText.quoted($0.0) + ": " + $0.1.encoded }.joined(separator: ", ") + "}"
        }
    }

    /// The value as Markdown table text.
    public var text: String {
        switch self {
        case .null: return "–"
        case .string(let s): return s
        case .double(let d): return Self.number(d)
        default: return encoded
        }
    }

    static func number(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d == d.rounded() && abs(d) < 1e15 { return String(Int(d)) }
        let s = String(format: "%.6g", d)
        // "%g" may write exponents like 1e-05, which JSON accepts.
        return s
    }
}

extension JSONValue: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral,
    ExpressibleByBooleanLiteral {
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

/// `Codable` for caches that must read back exactly what was written: object keys keep their
/// order (an object is `{"object": [[key, value], ...]}`), integers and doubles stay apart
/// (`{"int": n}`, `{"double": x}`, non-finite doubles as `"nan"`, `"inf"`, `"-inf"`), and
/// doubles keep every bit (unlike ``encoded``, which rounds for display).
extension JSONValue: Codable {
    private enum Tag: String, CodingKey { case int, double, object }

    public init(from decoder: Decoder) throws {
        if let single = try? decoder.singleValueContainer() {
            if single.decodeNil() { self = .null; return }
            if let b = try? single.decode(Bool.self) { self = .bool(b); return }
            if let s = try? single.decode(String.self) { self = .string(s); return }
            if let a = try? single.decode([JSONValue].self) { self = .array(a); return }
        }
        let c = try decoder.container(keyedBy: Tag.self)
        if let i = try c.decodeIfPresent(Int.self, forKey: .int) { self = .int(i); return }
        if c.contains(.double) {
            if let d = try? c.decode(Double.self, forKey: .double) { self = .double(d); return }
            let s = try c.decode(String.self, forKey: .double)
            switch s {
            case "nan": self = .double(.nan)
            case "inf": self = .double(.infinity)
            case "-inf": self = .double(-.infinity)
            default: throw DecodingError.dataCorruptedError(forKey: .double, in: c, debugDescription: "not a number: \(s)")
            }
            return
        }
        var pairs = try c.nestedUnkeyedContainer(forKey: .object)
        var members: [(String, JSONValue)] = []
        while !pairs.isAtEnd {
            var pair = try pairs.nestedUnkeyedContainer()
            members.append((try pair.decode(String.self), try pair.decode(JSONValue.self)))
            guard pair.isAtEnd else {
                throw DecodingError.dataCorrupted(.init(codingPath: pair.codingPath, debugDescription: "an object member is [key, value]"))
            }
        }
        self = .object(members)
    }

    public func encode(to encoder: Encoder) throws {
        switch self {
        case .null: var s = encoder.singleValueContainer(); try s.encodeNil()
        case .bool(let b): var s = encoder.singleValueContainer(); try s.encode(b)
        case .string(let v): var s = encoder.singleValueContainer(); try s.encode(v)
        case .array(let a): var s = encoder.singleValueContainer(); try s.encode(a)
        case .int(let i): var c = encoder.container(keyedBy: Tag.self); try c.encode(i, forKey: .int)
        case .double(let d):
            var c = encoder.container(keyedBy: Tag.self)
            if d.isFinite { try c.encode(d, forKey: .double) } else { try c.encode(d.isNaN ? "nan" : d > 0 ? "inf" : "-inf", forKey: .double) }
        case .object(let members):
            var c = encoder.container(keyedBy: Tag.self)
            var pairs = c.nestedUnkeyedContainer(forKey: .object)
            for (k, v) in members {
                var pair = pairs.nestedUnkeyedContainer()
                try pair.encode(k)
                try pair.encode(v)
            }
        }
    }
}
