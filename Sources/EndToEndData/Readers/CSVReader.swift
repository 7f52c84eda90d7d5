import EndToEnd
import Foundation

/// What a CSV target column is for.
public enum CSVTask: Sendable {
    /// Labels (strings or integers) become class indices; the class names are kept.
    case classification
    /// The target column is parsed as a float.
    case regression
}

/// How non-numeric feature columns become numbers. Categories are sorted, so the
/// encoding does not depend on row order.
public enum CategoricalEncoding: Sendable {
    /// One 0/1 feature per category, named `column=value`.
    case oneHot
    /// One feature holding the category's index.
    case index
}

/// What to do with empty fields in the columns a data set uses.
public enum MissingValuePolicy: Sendable {
    /// Throw a `DataError` naming the line and column (the default).
    case error
    /// Leave out rows with a missing value.
    case dropRows
}

/// A parsed CSV file: a header row and rows of string fields.
///
/// Supports quoted fields (`"a, b"`, with `""` for a quote inside quotes, and line
/// breaks inside quotes), a configurable one-character delimiter, LF and CRLF line
/// ends, a UTF-8 byte-order mark, and blank lines (skipped). Unquoted fields are trimmed
/// of surrounding spaces.
public struct CSVTable: Sendable {
    /// The file it came from.
    public let file: String
    /// Column names, from the header row.
    public let columnNames: [String]
    /// Data rows; each has `columnNames.count` fields.
    public let rows: [[String]]
    /// The (1-based) line on which each row starts.
    public let lineNumbers: [Int]

    /// Reads a CSV file with a header row.
    public static func read(_ url: URL, delimiter: Character = ",") throws -> CSVTable {
        try parse(DataFile.readBytes(url), file: url.path, delimiter: delimiter)
    }

    /// Parses CSV text already in memory; `file` names it in errors.
    public static func parse(_ text: String, file: String = "<memory>", delimiter: Character = ",") throws -> CSVTable {
        try parse(Array(text.utf8), file: file, delimiter: delimiter)
    }

    /// Parses CSV bytes (UTF-8); `file` names them in errors.
    public static func parse(_ bytes: [UInt8], file: String = "<memory>", delimiter: Character = ",") throws -> CSVTable {
        guard let d = delimiter.asciiValue, delimiter != "\"", delimiter != "\n", delimiter != "\r" else {
            throw DataError(file: file, message: "unsupported delimiter \(String(reflecting: delimiter)): use one ASCII character other than a quote or line break")
        }
        let quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r"), space = UInt8(ascii: " ")
        var records: [[String]] = []
        var lines: [Int] = []
        var field: [UInt8] = []
        var record: [String] = []
        var quoted = false, inQuotes = false, afterQuote = false
        var line = 1, lineStart = 0, recordLine = 1
        var quoteLine = 0, quoteColumn = 0
        let n = bytes.count
        var i = 0
        if n >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { i = 3; lineStart = 3 }

        func text(_ bytes: ArraySlice<UInt8>) throws -> String {
            guard let s = String(validating: bytes, as: UTF8.self) else {
                throw DataError(file: file, location: "line \(recordLine), field \(record.count + 1)", message: "the field is not valid UTF-8 text")
            }
            return s
        }
        func endField() throws {
            if quoted {
                record.append(try text(field[...]))
            } else {
                var s = field[...]
                while let f = s.first, f == space || (f == 9 && d != 9) { s = s.dropFirst() }
                while let l = s.last, l == space || (l == 9 && d != 9) { s = s.dropLast() }
                record.append(try text(s))
            }
            field.removeAll(keepingCapacity: true)
            quoted = false
            afterQuote = false
        }
        func endRecord() {
            if !(record.count == 1 && record[0].isEmpty && !quoted) {
                records.append(record)
                lines.append(recordLine)
            }
            record = []
        }
        while i < n {
            let c = bytes[i]
            if c == 0 {
                // A NUL is never text: a binary file, or a corrupt one.
                throw DataError(file: file, location: "line \(line), column \(i - lineStart + 1)", message: "NUL byte in the CSV text (a binary or corrupt file?)")
            }
            if inQuotes {
                if c == quote {
                    if i + 1 < n && bytes[i + 1] == quote {
                        field.append(quote)
                        i += 2
                    } else {
                        inQuotes = false
                        afterQuote = true
                        i += 1
                    }
                    continue
                }
                if c == lf { line += 1; lineStart = i + 1 }
                field.append(c)
                i += 1
                continue
            }
            if c == d {
                try endField()
                i += 1
                continue
            }
            if c == lf || c == cr {
                let wasQuoted = quoted
                try endField()
                quoted = wasQuoted  // lets endRecord keep a row holding one quoted empty field
                endRecord()
                quoted = false
                if c == cr && i + 1 < n && bytes[i + 1] == lf { i += 1 }
                i += 1
                line += 1
                lineStart = i
                recordLine = line
                continue
            }
            if afterQuote {
                if c == space || c == 9 { i += 1; continue }
                throw DataError(
                    file: file, location: "line \(line), column \(i - lineStart + 1)",
                    message: "unexpected character \(String(reflecting: String(decoding: [c], as: UTF8.self))) after a closing quote (expected the delimiter or a line end)")
            }
            if c == quote && !quoted && field.allSatisfy({ $0 == space }) {
                field.removeAll(keepingCapacity: true)
                inQuotes = true
                quoted = true
                quoteLine = line
                quoteColumn = i - lineStart + 1
                i += 1
                continue
            }
            field.append(c)
            i += 1
        }
        if inQuotes {
            throw DataError(
                file: file, location: "line \(quoteLine), column \(quoteColumn)",
                message: "unterminated quoted field: the quote opened here is never closed before the end of the file")
        }
        if !field.isEmpty || !record.isEmpty || quoted {
            let wasQuoted = quoted
            try endField()
            quoted = wasQuoted
            endRecord()
        }
        guard let header = records.first else {
            throw DataError(file: file, message: "empty file: expected a header row with column names")
        }
        var seen: [String: Int] = [:]
        for (k, name) in header.enumerated() {
            if let first = seen[name] {
                throw DataError(
                    file: file, location: "line \(lines[0]), column \(k + 1)",
                    message: "duplicate column name '\(name)' (also column \(first + 1))")
            }
            seen[name] = k
        }
        for (r, rec) in records.enumerated().dropFirst() where rec.count != header.count {
            throw DataError(
                file: file, location: "line \(lines[r])",
                message: "ragged row: expected \(header.count) fields (as in the header), found \(rec.count)")
        }
        return CSVTable(file: file, columnNames: header, rows: Array(records.dropFirst()), lineNumbers: Array(lines.dropFirst()),
                        columnIndices: seen)
    }

    /// Each column name's index, so that looking up every column of a wide file is linear.
    let columnIndices: [String: Int]

    init(file: String, columnNames: [String], rows: [[String]], lineNumbers: [Int], columnIndices: [String: Int]? = nil) {
        self.file = file
        self.columnNames = columnNames
        self.rows = rows
        self.lineNumbers = lineNumbers
        self.columnIndices = columnIndices ?? Dictionary(columnNames.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The most one-hot features one categorical column may become: past it, a column of
    /// free text (or a numeric column with one stray cell) would allocate rows × categories.
    public static let maxOneHotCategories = 1024

    /// The index of the column called `name`, or a `DataError` listing the available names.
    public func columnIndex(_ name: String) throws -> Int {
        guard let k = columnIndices[name] else {
            let shown = columnNames.count > 20 ? columnNames.prefix(20).joined(separator: ", ") + ", … (\(columnNames.count) in all)" : columnNames.joined(separator: ", ")
            throw DataError(
                file: file, location: "line 1",
                message: "unknown column '\(name)'; available columns: \(shown)")
        }
        return k
    }

    /// The values of one column.
    public func column(_ name: String) throws -> [String] {
        let k = try columnIndex(name)
        return rows.map { $0[k] }
    }

    /// Turns the table into tensors: `target` is the column to predict, `features` the
    /// input columns (default: all others). A feature column is numeric when every value
    /// parses as a `Float`; otherwise it is categorical and encoded as `categorical` says.
    public func dataset(
        target: String, task: CSVTask, categorical: CategoricalEncoding = .oneHot,
        missing: MissingValuePolicy = .error, features: [String]? = nil
    ) throws -> CSVDataset {
        let targetIndex: Int
        do { targetIndex = try columnIndex(target) } catch let e as DataError {
            throw DataError(file: e.file, location: e.location, message: e.message.replacingOccurrences(of: "unknown column", with: "unknown target column"))
        }
        let featureIndices = try (features ?? columnNames.filter { $0 != target }).map { try columnIndex($0) }
        let used = featureIndices + [targetIndex]
        // Missing values.
        var keep: [Int] = []
        keep.reserveCapacity(rows.count)
        rowLoop: for (r, row) in rows.enumerated() {
            for k in used where row[k].isEmpty {
                if missing == .dropRows { continue rowLoop }
                throw DataError(
                    file: file, location: "line \(lineNumbers[r]), column \(k + 1)",
                    message: "missing value in column '\(columnNames[k])' (pass missing: .dropRows to skip such rows)")
            }
            keep.append(r)
        }
        guard !keep.isEmpty else {
            throw DataError(file: file, message: rows.isEmpty ? "no data rows after the header" : "no rows left after dropping rows with missing values")
        }
        // Feature columns.
        var columnsOut: [[Float]] = []
        var names: [String] = []
        var categories: [String: [String]] = [:]
        for k in featureIndices {
            let values = keep.map { rows[$0][k] }
            let parsed = values.map { Float($0) }
            if parsed.allSatisfy({ $0 != nil }) {
                columnsOut.append(parsed.map { $0! })
                names.append(columnNames[k])
                continue
            }
            let cats = Array(Set(values)).sorted()
            if categorical == .oneHot && cats.count > CSVTable.maxOneHotCategories {
                let r = keep[parsed.firstIndex { $0 == nil }!]
                throw DataError(
                    file: file, location: "line \(lineNumbers[r]), column \(k + 1)",
                    message: "column '\(columnNames[k])' is not numeric (e.g. '\(rows[r][k])' here) and has \(cats.count) distinct values, more than the \(CSVTable.maxOneHotCategories) one-hot features allowed; fix the value, use index encoding, or leave the column out")
            }
            categories[columnNames[k]] = cats
            let lookup = Dictionary(uniqueKeysWithValues: cats.enumerated().map { ($1, $0) })
            switch categorical {
            case .index:
                columnsOut.append(values.map { Float(lookup[$0]!) })
                names.append(columnNames[k])
            case .oneHot:
                for (ci, cat) in cats.enumerated() {
                    columnsOut.append(values.map { lookup[$0]! == ci ? 1 : 0 })
                    names.append("\(columnNames[k])=\(cat)")
                }
            }
        }
        let rowsN = keep.count, f = columnsOut.count
        let featureTensor = Tensor(shape: [rowsN, f]) { p, _ in
            for (j, col) in columnsOut.enumerated() {
                for i in 0..<rowsN { p[i * f + j] = col[i] }
            }
        }
        // Target.
        let targetValues = keep.map { rows[$0][targetIndex] }
        switch task {
        case .classification:
            let unique = Array(Set(targetValues))
            let classNames: [String]
            if unique.allSatisfy({ Int($0) != nil }) {
                classNames = unique.sorted { (Int($0)!, $0) < (Int($1)!, $1) }
            } else {
                classNames = unique.sorted()
            }
            let lookup = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { ($1, Int32($0)) })
            let labels = IntTensor(shape: [rowsN], scalars: targetValues.map { lookup[$0]! })
            return CSVDataset(
                features: featureTensor, labels: labels, targets: nil, featureNames: names,
                classNames: classNames, targetName: target, categories: categories)
        case .regression:
            var t: [Float] = []
            t.reserveCapacity(rowsN)
            for (i, v) in targetValues.enumerated() {
                guard let x = Float(v) else {
                    throw DataError(
                        file: file, location: "line \(lineNumbers[keep[i]]), column \(targetIndex + 1)",
                        message: "regression target '\(target)' is not a number: '\(v)'")
                }
                t.append(x)
            }
            return CSVDataset(
                features: featureTensor, labels: nil, targets: Tensor(shape: [rowsN], scalars: t),
                featureNames: names, classNames: [], targetName: target, categories: categories)
        }
    }
}

/// Tensors made from a CSV table: features `[N, F]` and either class labels or float
/// targets. Also a map-style `Dataset` (one row per example).
public struct CSVDataset: Dataset {
    /// The inputs, `[N, F]`.
    public let features: Tensor
    /// Class indices `[N]`, for classification.
    public let labels: IntTensor?
    /// Float targets `[N]`, for regression.
    public let targets: Tensor?
    /// The name of each of the `F` feature columns (`column=value` for one-hot features).
    public let featureNames: [String]
    /// The class names, index order (classification), else empty.
    public let classNames: [String]
    /// The target column's name.
    public let targetName: String
    /// The sorted categories of each categorical feature column.
    public let categories: [String: [String]]

    public var count: Int { features.shape[0] }

    public func example(at index: Int) -> Example {
        let f = features.shape[1]
        let row = features.withContiguousData { p in Tensor(shape: [f]) { q, _ in q.update(from: p + index * f, count: f) } }
        return Example(
            input: row, label: labels.map { $0.scalars[index] },
            target: targets.map { t in Tensor([t.withContiguousData { $0[index] }]) })
    }
}
