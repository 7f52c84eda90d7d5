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
