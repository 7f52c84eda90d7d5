import Foundation

/// One decoded R object (SEXP) with its attributes.
///
/// Vectors keep R's own representation of missing values (`Int32.min` for integer and
/// logical NA, a NaN for `NA_real_`, `nil` for `NA_character_`); `RDataFrame` and `RColumn`
/// turn them into optionals.
public struct RObject: Sendable {
    /// The object's contents, by R type.
    public enum Payload: Sendable {
        /// `NULL` (also R's other singletons: environments such as `.GlobalEnv`, the missing argument).
        case null
        /// LGLSXP: 0, 1 or `Int32.min` (NA).
        case logical([Int32])        // R's NA is Int32.min
        /// INTSXP (factors are integer vectors with a "levels" attribute); NA is `Int32.min`.
        case integer([Int32])        // NA is Int32.min
        /// REALSXP; `NA_real_` is a NaN with payload 1954, kept as NaN.
        case double([Double])        // NA_real_ is a NaN (payload 1954); keep as NaN
        /// CPLXSXP as (real, imaginary) pairs.
        case complex([(Double, Double)])
        /// STRSXP; nil is `NA_character_`.
        case string([String?])       // nil = NA_character_
        /// VECSXP and EXPRSXP; also pairlists (LISTSXP), whose tags become the "names" attribute.
        case list([RObject])         // VECSXP (also EXPRSXP)
        /// SYMSXP.
        case symbol(String)
        /// Closures, environments, bytecode, external pointers, raw vectors...: decoded far
        /// enough to skip; `type` is R's SEXPTYPE number (4 for an environment).
        case other(type: Int)        // closures, environments, bytecode...: decoded far enough to skip
    }

    /// The contents.
    public var payload: Payload
    /// R attributes in order, e.g. "names", "class", "levels", "row.names".
    public var attributes: [(name: String, value: RObject)]
    /// For an environment (`.other(type: 4)`): its variables (frame and hash table), in the
    /// order serialized; empty for every other object.
    public var bindings: [(name: String, value: RObject)] = []

    /// An object with the given contents and attributes.
    public init(_ payload: Payload, attributes: [(name: String, value: RObject)] = []) {
        self.payload = payload
        self.attributes = attributes
    }

    /// `NULL`.
    public static let null = RObject(.null)

    /// The attribute called `name`, if present.
    public func attribute(_ name: String) -> RObject? {
        attributes.first(where: { $0.name == name })?.value
    }

    /// The "names" attribute (NA names become empty strings), or nil if there is none.
    public var names: [String]? {
        guard case .string(let s)? = attribute("names")?.payload else { return nil }
        return s.map { $0 ?? "" }
    }

    /// The "class" attribute, `[]` if none.
    public var classNames: [String] {
        guard case .string(let s)? = attribute("class")?.payload else { return [] }
        return s.compactMap { $0 }
    }

    /// The number of elements of a vector, list or string vector; 0 for `NULL`, 1 for a symbol or other object.
    public var count: Int {
        switch payload {
        case .null: return 0
        case .logical(let v), .integer(let v): return v.count
        case .double(let v): return v.count
        case .complex(let v): return v.count
        case .string(let v): return v.count
        case .list(let v): return v.count
        case .symbol, .other: return 1
        }
    }

    /// R's name for the payload's type, for error messages.
    public var typeName: String {
        switch payload {
        case .null: return "NULL"
        case .logical: return "logical"
        case .integer: return classNames.contains("factor") ? "factor" : "integer"
        case .double: return "double"
        case .complex: return "complex"
        case .string: return "character"
        case .list: return classNames.contains("data.frame") ? "data.frame" : "list"
        case .symbol: return "symbol"
        case .other(let t): return RObject.sexpTypeName(t)
        }
    }

    static func sexpTypeName(_ t: Int) -> String {
        switch t {
        case 3: return "closure"
        case 4: return "environment"
        case 5: return "promise"
        case 6: return "language"
        case 7, 8: return "builtin"
        case 21: return "bytecode"
        case 22: return "external pointer"
        case 23: return "weak reference"
        case 24: return "raw"
        case 25: return "S4 object"
        case 238: return "ALTREP object"
        case 247: return "persistent reference"
        default: return "SEXP type \(t)"
        }
    }
}
