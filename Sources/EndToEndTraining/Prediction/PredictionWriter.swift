import EndToEnd
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The output formats of ``PredictionWriter``.
public enum PredictionFormat: String, Sendable, CaseIterable {
    case csv, jsonl

    /// `.jsonl` / `.ndjson` files are JSON Lines, everything else CSV.
    public static func infer(from url: URL) -> PredictionFormat {
        ["jsonl", "ndjson"].contains(url.pathExtension.lowercased()) ? .jsonl : .csv
    }
}

/// Writes ``Predictions`` one row per example, atomically (a temporary file in the same
/// directory, then a rename), so a reader never sees half a file.
///
/// Classification, CSV: `index,class[,class_name],prob_0,…,prob_{K-1}`;
/// JSON Lines: `{"index": 0, "class": 3, "class_name": "Dress", "probabilities": [...]}`.
/// Regression, CSV: `index,output_0,…`; JSON Lines: `{"index": 0, "output": [...]}`.
/// Numbers are written in the shortest form that reads back to the same `Float`.
public enum PredictionWriter {
    public static func write(_ p: Predictions, format: PredictionFormat, to url: URL, classNames: [String]? = nil) throws {
        let text = render(p, format: format, classNames: classNames)
        let dir = url.deletingLastPathComponent()
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else {
            throw PredictionError("\(url.path): the directory \(dir.path) does not exist")
        }
        do { try AtomicFile.write(Data(text.utf8), to: url) } catch let e as AtomicFile.WriteError {
            throw PredictionError("\(url.path): cannot write: \(e.reason)")
        }
    }

    /// The whole file's text.
    public static func render(_ p: Predictions, format: PredictionFormat, classNames: [String]? = nil) -> String {
        let n = p.count
        let values = (p.probabilities ?? p.outputs).scalars
        let k = n > 0 ? values.count / n : 0
        // Names only when they cover every output.
        let names = classNames.flatMap { $0.count == k ? $0 : nil }
        func row(_ i: Int) -> ArraySlice<Float> { values[(i * k)..<((i + 1) * k)] }
        var lines: [String] = []
        lines.reserveCapacity(n + 1)
        switch (format, p.classes) {
        case (.csv, let classes?):
            lines.append((["index", "class"] + (names != nil ? ["class_name"] : []) + (0..<k).map { "prob_\($0)" }).joined(separator: ","))
            for i in 0..<n {
                var fields = [String(i), String(classes[i])]
                if let names { fields.append(csvField(names[classes[i]])) }
                lines.append((fields + row(i).map { "\($0)" }).joined(separator: ","))
            }
        case (.csv, nil):
            lines.append((["index"] + (0..<k).map { "output_\($0)" }).joined(separator: ","))
            for i in 0..<n { lines.append(([String(i)] + row(i).map { "\($0)" }).joined(separator: ",")) }
        case (.jsonl, let classes?):
            for i in 0..<n {
                let name = names.map { ", \"class_name\": \(JSONText.quoted($0[classes[i]]))" } ?? ""
                lines.append("{\"index\": \(i), \"class\": \(classes[i])\(name), \"probabilities\": [\(row(i).map { json($0) }.joined(separator: ", "))]}")
            }
        case (.jsonl, nil):
            for i in 0..<n { lines.append("{\"index\": \(i), \"output\": [\(row(i).map { json($0) }.joined(separator: ", "))]}") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// JSON has no NaN or infinity; a diverged model's outputs are written as null.
    static func json(_ x: Float) -> String { x.isFinite ? "\(x)" : "null" }


    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
