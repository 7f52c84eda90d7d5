import EndToEnd

/// A matrix stored by rows, each row the sorted column indices of its non-zero entries and
/// their values (compressed sparse rows): a bag-of-words or TF-IDF document-term matrix,
/// where a dense `[documents, terms]` tensor would be almost all zeros.
public struct SparseRows: Sendable, Equatable {
    /// Number of columns (terms).
    public let columns: Int
    /// `rowStarts[i]..<rowStarts[i + 1]` indexes row `i`'s entries; `rowStarts.count == rows + 1`.
    public private(set) var rowStarts: [Int]
    /// Column of each entry, ascending within a row.
    public private(set) var indices: [Int32]
    public private(set) var values: [Float]

    /// An empty matrix of `columns` columns.
    public init(columns: Int) {
        self.columns = columns
        rowStarts = [0]
        indices = []
        values = []
    }

    public var rows: Int { rowStarts.count - 1 }
    /// Stored (non-zero) entries.
    public var nonZeroCount: Int { indices.count }

    /// Appends a row from `(column, value)` pairs in ascending column order.
    ///
    /// - Throws: ``DataError`` when a column is out of range or the columns are not ascending.
    public mutating func append(row entries: [(column: Int, value: Float)]) throws {
        var previous = -1
        for (c, _) in entries {
            guard c > previous, c < columns else {
                throw DataError(file: "SparseRows", location: "row \(rows)",
                                message: "column \(c) is out of order or outside 0..<\(columns)")
            }
            previous = c
        }
        indices += entries.map { Int32($0.column) }
        values += entries.map(\.value)
        rowStarts.append(indices.count)
    }

    /// Row `i`'s entries.
    public func row(_ i: Int) -> (indices: ArraySlice<Int32>, values: ArraySlice<Float>) {
        let r = rowStarts[i]..<rowStarts[i + 1]
        return (indices[r], values[r])
    }

    /// The rows at `rowIndices`, in that order.
    public func selecting(_ rowIndices: [Int]) -> SparseRows {
        var out = SparseRows(columns: columns)
        for i in rowIndices {
            let r = rowStarts[i]..<rowStarts[i + 1]
            out.indices += indices[r]
            out.values += values[r]
            out.rowStarts.append(out.indices.count)
        }
        return out
    }

    /// The dense `[rows, columns]` tensor (for small matrices and tests).
    public func dense() -> Tensor {
        var out = [Float](repeating: 0, count: rows * columns)
        for i in 0..<rows {
            for k in rowStarts[i]..<rowStarts[i + 1] { out[i * columns + Int(indices[k])] = values[k] }
        }
        return Tensor(shape: [rows, columns], scalars: out)
    }
}
