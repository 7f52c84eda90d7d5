import Foundation

/// A column of a data.frame / tibble.
///
/// Missing values are `nil`; for doubles, every NaN counts as missing, as R's `is.na` does.
public enum RColumn: Sendable {
    case double([Double?]), integer([Int?]), logical([Bool?]), string([String?])
    /// A factor: 0-based codes into `levels`, nil = NA.
    case factor(codes: [Int?], levels: [String])   // codes 0-based, nil = NA

    /// The number of rows.
    public var count: Int {
        switch self {
        case .double(let v): return v.count
        case .integer(let v): return v.count
        case .logical(let v): return v.count
        case .string(let v): return v.count
        case .factor(let c, _): return c.count
        }
    }

    /// The number of missing values (R's `sum(is.na(x))`).
    public var missingCount: Int {
        switch self {
        case .double(let v): return v.lazy.filter { $0 == nil }.count
        case .integer(let v): return v.lazy.filter { $0 == nil }.count
        case .logical(let v): return v.lazy.filter { $0 == nil }.count
        case .string(let v): return v.lazy.filter { $0 == nil }.count
        case .factor(let c, _): return c.lazy.filter { $0 == nil }.count
        }
    }

    /// R's name for the column's type, for error messages.
    public var typeName: String {
        switch self {
        case .double: return "double"
        case .integer: return "integer"
        case .logical: return "logical"
        case .string: return "character"
        case .factor: return "factor"
        }
    }

    /// Numbers: doubles/integers/logicals as Double (NA → nil); throws for string/factor.
    public func doubles() throws -> [Double?] {
        switch self {
        case .double(let v): return v
        case .integer(let v): return v.map { $0.map(Double.init) }
        case .logical(let v): return v.map { $0.map { $0 ? 1 : 0 } }
        case .string, .factor:
            throw DataError(file: "<R column>", message: "a \(typeName) column has no numeric values")
        }
    }

    /// Text: strings, or factor levels (NA → nil); throws for numeric columns.
    public func strings() throws -> [String?] {
        switch self {
        case .string(let v): return v
        case .factor(let codes, let levels): return codes.map { $0.map { levels[$0] } }
        case .double, .integer, .logical:
            throw DataError(file: "<R column>", message: "a \(typeName) column has no text values")
        }
    }

    /// The column an R vector makes: factors (integer with "levels"), numbers, logicals, strings.
    init(_ object: RObject, name: String, frame: String) throws {
        func fail(_ message: String) -> DataError {
            DataError(file: frame, location: "column \"\(name)\"", message: message)
        }
        switch object.payload {
        case .integer(let v):
            if object.classNames.contains("factor") {
                guard case .string(let lv)? = object.attribute("levels")?.payload else {
                    throw fail("factor without a character \"levels\" attribute")
                }
                let levels = lv.map { $0 ?? "NA" }
                var codes = [Int?]()
                codes.reserveCapacity(v.count)
                for (i, c) in v.enumerated() {
                    if c == Int32.min { codes.append(nil); continue }
                    guard c >= 1, Int(c) <= levels.count else {
                        throw fail("factor code \(c) in row \(i + 1) is outside 1...\(levels.count)")
                    }
                    codes.append(Int(c) - 1)
                }
                self = .factor(codes: codes, levels: levels)
            } else {
                self = .integer(v.map { $0 == Int32.min ? nil : Int($0) })
            }
        case .logical(let v): self = .logical(v.map { $0 == Int32.min ? nil : $0 != 0 })
        case .double(let v): self = .double(v.map { $0.isNaN ? nil : $0 })
        case .string(let v): self = .string(v)
        default:
            throw fail("\(object.typeName) columns are unsupported (numbers, logicals, strings and factors are read)")
        }
    }
}

/// A data.frame or tibble, decoded column by column.
public struct RDataFrame: Sendable {
    /// The frame's name, for error messages.
    public let name: String          // for error messages
    /// The number of rows (from "row.names", compact or not).
    public let rowCount: Int
    /// The column names in order.
    public let columnNames: [String]
    /// The R class vector, e.g. ["tbl_df", "tbl", "data.frame"].
    public let classNames: [String]
    private let columns: [String: RColumn]
    /// Columns of types `RColumn` cannot hold (list columns), with why.
    private let unsupported: [String: String]

    /// The column called `name`.
    public func column(_ name: String) throws -> RColumn {
        if let c = columns[name] { return c }
        if let why = unsupported[name] { throw DataError(file: self.name, location: "column \"\(name)\"", message: why) }
        throw DataError(file: self.name, message: "no column \"\(name)\"; the columns are \(columnNames.map { "\"\($0)\"" }.joined(separator: ", "))")
    }

    /// Checks class data.frame, equal column lengths, handles compact row.names.
    public init(_ object: RObject, name: String) throws {
        self.name = name
        classNames = object.classNames
        guard classNames.contains("data.frame") else {
            throw DataError(file: name, message: "not a data.frame: class \(classNames.isEmpty ? object.typeName : classNames.joined(separator: "/"))")
        }
        guard case .list(let values) = object.payload else {
            throw DataError(file: name, message: "a data.frame must be a list, found \(object.typeName)")
        }
        let names = object.names ?? []
        guard names.count == values.count else {
            throw DataError(file: name, message: "a data.frame's \"names\" (\(names.count)) must match its \(values.count) columns")
        }
        // row.names: compact c(NA, -n) or c(NA, n), or an explicit integer/character vector.
        let rows: Int
        switch object.attribute("row.names")?.payload {
        case .integer(let v)? where v.count == 2 && v[0] == Int32.min:
            rows = Int(v[1].magnitude)
        case .some:
            rows = object.attribute("row.names")?.count ?? 0
        case nil:
            rows = values.first?.count ?? 0
        }
        var columns = [String: RColumn](), unsupported = [String: String]()
        for (col, value) in zip(names, values) {
            guard value.count == rows else {
                throw DataError(file: name, location: "column \"\(col)\"", message: "has \(value.count) values, the frame has \(rows) rows")
            }
            do { columns[col] = try RColumn(value, name: col, frame: name) } catch let e as DataError {
                unsupported[col] = e.message
            }
        }
        rowCount = rows
        columnNames = names
        self.columns = columns
        self.unsupported = unsupported
    }
}
