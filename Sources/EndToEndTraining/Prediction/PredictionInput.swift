import EndToEnd
import EndToEndData
import Foundation

/// The input file formats of ``PredictionInput``.
public enum PredictionInputFormat: String, Sendable, CaseIterable {
    case npy, idx, csv

    /// The format implied by a file name: `.npy`, `.csv`, or IDX (`.idx`, `…-ubyte`,
    /// `.idx3-ubyte`), each optionally followed by `.gz` for IDX; nil when unclear.
    public static func infer(from url: URL) -> PredictionInputFormat? {
        var name = url.lastPathComponent.lowercased()
        if name.hasSuffix(".gz") { name = String(name.dropLast(3)) }
        if name.hasSuffix(".npy") { return .npy }
        if name.hasSuffix(".csv") { return .csv }
        if name.hasSuffix(".idx") || name.hasSuffix("ubyte") { return .idx }
        return nil
    }
}

/// Reads the examples to predict from a file, as a tensor `[N, ...]` shaped like the
/// model's input.
///
/// - NPY: float or integer arrays `[N, ...]`; `uint8` arrays are scaled by 1/255 when
///   `scaleBytes` (the training data were bytes scaled that way, as Fashion-MNIST is).
/// - IDX (optionally gzipped): `ubyte` data scaled by 1/255 under the same rule.
/// - CSV with a header row: every column is a numeric feature, except the columns named
///   in `dropColumns` (a training file's label column) when present.
///
/// Each example may come flattened: an array `[N, 784]` feeds a `[1, 28, 28]` model and
/// `[N, 28, 28]` one that expects `[784]`; what must agree is the number of values per
/// example. A mismatch is a ``PredictionError`` naming the file, its shape and the
/// expected shape.
public enum PredictionInput {
    public static func read(_ url: URL, format: PredictionInputFormat? = nil, expectedShape: [Int]?,
                            scaleBytes: Bool, dropColumns: [String] = []) throws -> Tensor {
        guard let format = format ?? PredictionInputFormat.infer(from: url) else {
            throw PredictionError("\(url.path): cannot tell the input format from the file name; expected .npy, .csv or an IDX file (.idx, *-ubyte, optionally .gz)")
        }
        let x: Tensor
        switch format {
        case .npy:
            let header = try NPY.readHeader(url)
            let raw = try NPY.read(url)
            // Division (not multiplication by 1/255) gives the same floats as the IDX reader.
            x = header.descr == "|u1" && scaleBytes ? raw / 255 : raw
        case .idx:
            let a = try IDX.read(contentsOf: url)
            x = a.tensor(scale: a.dataType == .ubyte && scaleBytes ? 1 / 255 : 1)
        case .csv:
            x = try csv(url, dropColumns: dropColumns)
        }
        return try conform(x, to: expectedShape, file: url.path)
    }

    static func csv(_ url: URL, dropColumns: [String]) throws -> Tensor {
        let table = try CSVTable.read(url)
        let keep = table.columnNames.indices.filter { !dropColumns.contains(table.columnNames[$0]) }
        guard !keep.isEmpty else { throw PredictionError("\(url.path): no feature columns") }
        guard !table.rows.isEmpty else { throw PredictionError("\(url.path): no data rows after the header") }
        var values: [Float] = []
        values.reserveCapacity(table.rows.count * keep.count)
        for (r, row) in table.rows.enumerated() {
            for k in keep {
                guard let v = Float(row[k]), v.isFinite else {
                    throw DataError(file: url.path, location: "line \(table.lineNumbers[r]), column \(k + 1)",
                                    message: "column '\(table.columnNames[k])' holds '\(row[k])', expected a finite number")
                }
                values.append(v)
            }
        }
        return Tensor(shape: [table.rows.count, keep.count], scalars: values)
    }

    /// `x` reshaped to `[N] + expected`, or an error naming the file and both shapes.
    public static func conform(_ x: Tensor, to expected: [Int]?, file: String) throws -> Tensor {
        guard x.rank >= 1, x.shape[0] > 0 else {
            throw PredictionError("\(file): shape \(x.shape) holds no examples; expected [N, ...] with N > 0")
        }
        let n = x.shape[0]
        guard let expected else {
            guard x.rank >= 2 else {
                throw PredictionError("\(file): shape \(x.shape) has no feature dimension; expected [N, features]")
            }
            return x
        }
        let perExample = expected.reduce(1, *)
        guard x.count == n * perExample else {
            let alternatives = expected.count > 1 ? " (or [N, \(perExample)])" : ""
            throw PredictionError("\(file): shape \(x.shape) does not match the model input: expected [N, \(expected.map(String.init).joined(separator: ", "))]\(alternatives); the file has \(x.count / n) values per example, the model needs \(perExample)")
        }
        return Array(x.shape) == [n] + expected ? x : x.reshaped([n] + expected)
    }
}
