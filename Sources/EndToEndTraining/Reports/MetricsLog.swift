import EndToEnd
import Foundation

/// One line of a run's metrics log: where in training it was taken, on which split, and the values.
///
/// Encoded as one JSON object per line, e.g.
/// `{"step":100,"epoch":1,"wall_seconds":12.3,"split":"train","accuracy":0.86,"loss":0.41}`.
/// Metric keys are written in sorted order so the file is deterministic. Non-finite values are
/// written as the JSON strings `"NaN"`, `"Infinity"` and `"-Infinity"` and read back as such.
public struct MetricsRecord: Sendable, Equatable, Codable {
    public var step: Int
    public var epoch: Int?
    public var wallSeconds: Double
    /// `"train"`, `"validation"`, `"test"`, ...
    public var split: String
    public var values: [String: Double]

    public init(step: Int, epoch: Int? = nil, wallSeconds: Double, split: String, values: [String: Double]) {
        self.step = step
        self.epoch = epoch
        self.wallSeconds = wallSeconds
        self.split = split
        self.values = values
    }

    public subscript(metric: String) -> Double? { values[metric] }

    /// Keys with a fixed meaning; every other key is a metric.
    public static let reservedKeys: Set<String> = ["step", "epoch", "wall_seconds", "split"]

    /// The JSON line, without the trailing newline.
    public func jsonLine() -> String {
        var parts = ["\"step\":\(step)"]
        if let epoch { parts.append("\"epoch\":\(epoch)") }
        parts.append("\"wall_seconds\":\(Self.jsonNumber(wallSeconds))")
        parts.append("\"split\":\(JSONText.quoted(split))")
        for key in values.keys.sorted() where !Self.reservedKeys.contains(key) {
            parts.append("\(JSONText.quoted(key)):\(Self.jsonNumber(values[key]!))")
        }
        return "{" + parts.joined(separator: ",") + "}"
    }

    static func jsonNumber(_ v: Double) -> String {
        if v.isNaN { return "\"NaN\"" }
        if v.isInfinite { return v > 0 ? "\"Infinity\"" : "\"-Infinity\"" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)" // shortest round-trip form; valid JSON (e.g. 0.1, 1e-05, 1.5e+20)
    }

    /// Parses one JSON line. Throws a description of the problem.
    public static func parse(jsonLine line: String) throws -> MetricsRecord {
        let obj: Any
        do {
            obj = try JSONSerialization.jsonObject(with: Data(line.utf8), options: [])
        } catch {
            throw MetricsLogError.invalidRecord("not valid JSON")
        }
        guard let dict = obj as? [String: Any] else { throw MetricsLogError.invalidRecord("not a JSON object") }
        guard let stepValue = dict["step"], let stepD = number(stepValue), stepD.isFinite,
              stepD == stepD.rounded(), abs(stepD) < 9e15 else {
            throw MetricsLogError.invalidRecord("missing or non-integer \"step\"")
        }
        var epoch: Int?
        if let e = dict["epoch"], !(e is NSNull) {
            guard let ed = number(e), ed.isFinite, ed == ed.rounded(), abs(ed) < 9e15 else {
                throw MetricsLogError.invalidRecord("non-integer \"epoch\"")
            }
            epoch = Int(ed)
        }
        var wall = 0.0
        if let w = dict["wall_seconds"], !(w is NSNull) {
            guard let wd = number(w) else { throw MetricsLogError.invalidRecord("non-numeric \"wall_seconds\"") }
            wall = wd
        }
        var split = ""
        if let s = dict["split"], !(s is NSNull) {
            guard let ss = s as? String else { throw MetricsLogError.invalidRecord("non-string \"split\"") }
            split = ss
        }
        var values: [String: Double] = [:]
        for (k, v) in dict where !reservedKeys.contains(k) {
            if let d = number(v) { values[k] = d } // other kinds of value (text, lists) are ignored
        }
        // Foundation's JSON numbers can be off in the last bit; read the digits again exactly, so
        // a log read back (a resumed run's history) holds the values that were written.
        let exact = exactNumbers(in: line)
        for k in values.keys { if let d = exact[k] { values[k] = d } }
        if let w = exact["wall_seconds"] { wall = w }
        return MetricsRecord(step: Int(stepD), epoch: epoch, wallSeconds: wall, split: split, values: values)
    }

    /// The top-level `"key": number` pairs of a one-line JSON object, each number parsed by
    /// `Double(String)` (correctly rounded); other values are skipped.
    static func exactNumbers(in line: String) -> [String: Double] {
        let u = Array(line.utf8)
        var out: [String: Double] = [:]
        var i = 0, depth = 0
        func skipString() -> Int? {  // i at the opening quote; returns the index after the closing one
            var j = i + 1
            while j < u.count {
                if u[j] == UInt8(ascii: "\\") { j += 2; continue }
                if u[j] == UInt8(ascii: "\"") { return j + 1 }
                j += 1
            }
            return nil
        }
        while i < u.count {
            let c = u[i]
            if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") { depth += 1; i += 1; continue }
            if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") { depth -= 1; i += 1; continue }
            guard c == UInt8(ascii: "\"") else { i += 1; continue }
            guard let end = skipString() else { break }
            let keyBytes = Array(u[i..<end])
            i = end
            guard depth == 1 else { continue }
            var j = i
            while j < u.count, u[j] == UInt8(ascii: " ") { j += 1 }
            guard j < u.count, u[j] == UInt8(ascii: ":") else { continue }  // a string value, not a key
            j += 1
            while j < u.count, u[j] == UInt8(ascii: " ") { j += 1 }
            var k = j
            while k < u.count, let ch = Optional(u[k]), ch == UInt8(ascii: "-") || ch == UInt8(ascii: "+") || ch == UInt8(ascii: ".")
                    || ch == UInt8(ascii: "e") || ch == UInt8(ascii: "E") || (ch >= UInt8(ascii: "0") && ch <= UInt8(ascii: "9")) { k += 1 }
            guard k > j, let value = Double(String(decoding: u[j..<k], as: UTF8.self)),
                  let key = try? JSONSerialization.jsonObject(with: Data(keyBytes), options: .fragmentsAllowed) as? String
            else { i = j; continue }
            out[key] = value
            i = k
        }
        return out
    }

    /// A JSON number (not a boolean), or one of the strings used for non-finite values.
    static func number(_ v: Any) -> Double? {
        if let s = v as? String {
            switch s {
            case "NaN", "nan": return .nan
            case "Infinity", "inf", "+Infinity": return .infinity
            case "-Infinity", "-inf": return -.infinity
            default: return nil
            }
        }
        if let n = v as? NSNumber {
            #if canImport(Darwin)
            if CFGetTypeID(n) == CFBooleanGetTypeID() { return nil }
            #endif
            return n.doubleValue
        }
        if let d = v as? Double { return d }
        if let i = v as? Int { return Double(i) }
        return nil
    }
}

public enum MetricsLogError: Error, Equatable, CustomStringConvertible {
    case invalidRecord(String)
    /// A line other than a truncated last one could not be parsed. Line numbers start at 1.
    case malformedLine(lineNumber: Int, reason: String)
    case io(String)

    public var description: String {
        switch self {
        case .invalidRecord(let r): return "invalid metrics record: \(r)"
        case .malformedLine(let n, let r): return "metrics log line \(n): \(r)"
        case .io(let m): return "metrics log: \(m)"
        }
    }
}

/// Reading and writing JSONL metrics logs.
public enum MetricsLog {
    /// The result of reading a log.
    public struct Contents: Sendable, Equatable {
        public var records: [MetricsRecord]
        /// The last line had no newline and did not parse (the writer was interrupted); it was dropped.
        public var truncatedLastLine: Bool
        /// Malformed lines that were skipped (only in lenient mode). Line numbers start at 1.
        public var skipped: [(lineNumber: Int, reason: String)]

        public static func == (a: Contents, b: Contents) -> Bool {
            a.records == b.records && a.truncatedLastLine == b.truncatedLastLine
                && a.skipped.map(\.lineNumber) == b.skipped.map(\.lineNumber)
                && a.skipped.map(\.reason) == b.skipped.map(\.reason)
        }
    }

    /// Encodes records as JSONL (each line ends with a newline).
    public static func encode(_ records: [MetricsRecord]) -> String {
        records.map { $0.jsonLine() + "\n" }.joined()
    }

    /// Parses JSONL text. Blank lines are ignored. A last line without a trailing newline that does
    /// not parse is treated as truncated and dropped. Any other malformed line throws
    /// `MetricsLogError.malformedLine` with its 1-based number, or, when `lenient`, is skipped and
    /// listed in `skipped`.
    public static func parse(_ text: String, lenient: Bool = false) throws -> Contents {
        // "\r\n" is a single Character in Swift, so both separators are matched explicitly.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        let endsWithNewline = text.last == "\n" || text.last == "\r\n"
        if endsWithNewline { lines.removeLast() } // the empty string after the final newline
        var contents = Contents(records: [], truncatedLastLine: false, skipped: [])
        for (i, raw) in lines.enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            do {
                contents.records.append(try MetricsRecord.parse(jsonLine: String(line)))
            } catch {
                let isLast = i == lines.count - 1
                if isLast && !endsWithNewline {
                    contents.truncatedLastLine = true
                    continue
                }
                let reason = (error as? MetricsLogError).map { e -> String in
                    if case .invalidRecord(let r) = e { return r }
                    return e.description
                } ?? "\(error)"
                if lenient {
                    contents.skipped.append((i + 1, reason))
                } else {
                    throw MetricsLogError.malformedLine(lineNumber: i + 1, reason: reason)
                }
            }
        }
        return contents
    }

    /// Reads and parses a log file (see `parse`).
    public static func read(from url: URL, lenient: Bool = false) throws -> Contents {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw MetricsLogError.io("cannot read \(url.path): \(error.localizedDescription)")
        }
        return try parse(String(decoding: data, as: UTF8.self), lenient: lenient)
    }

    /// Writes a whole log at once (atomically).
    public static func write(_ records: [MetricsRecord], to url: URL) throws {
        try AtomicFile.write(Data(encode(records).utf8), to: url)
    }
}

/// Append-only JSONL writer. Each `append` issues one `write` of the complete line (with its
/// newline) straight to the file descriptor, with no user-space buffering, so a crash of the
/// process loses at most the line being written. Set `syncEachLine` to also `fsync` each line
/// (survives power loss too, at a cost).
///
/// If the file already ends with a partial line (an earlier run was interrupted), a newline is
/// written first so new records start on a line of their own.
public final class MetricsLogWriter: @unchecked Sendable {
    public let url: URL
    public let syncEachLine: Bool
    private var handle: FileHandle?
    private let lock = NSLock()

    public init(url: URL, syncEachLine: Bool = false) throws {
        self.url = url
        self.syncEachLine = syncEachLine
        let fm = FileManager.default
        try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if !fm.fileExists(atPath: url.path) {
            guard fm.createFile(atPath: url.path, contents: nil) else {
                throw MetricsLogError.io("cannot create \(url.path)")
            }
        }
        let h: FileHandle
        do { h = try FileHandle(forUpdating: url) } catch {
            throw MetricsLogError.io("cannot open \(url.path): \(error.localizedDescription)")
        }
        let end = try h.seekToEnd()
        if end > 0 {
            try h.seek(toOffset: end - 1)
            let last = try h.read(upToCount: 1)
            try h.seekToEnd()
            if last != Data("\n".utf8) { try h.write(contentsOf: Data("\n".utf8)) }
        }
        handle = h
    }

    deinit {
        try? handle?.close()
    }

    /// Appends one record as one line.
    public func append(_ record: MetricsRecord) throws {
        let data = Data((record.jsonLine() + "\n").utf8)
        lock.lock()
        defer { lock.unlock() }
        guard let handle else { throw MetricsLogError.io("writer for \(url.path) is closed") }
        try handle.write(contentsOf: data)
        if syncEachLine { try handle.synchronize() }
    }

    /// Convenience: append a record built from its parts.
    public func append(step: Int, epoch: Int? = nil, wallSeconds: Double, split: String,
                       _ values: [String: Double]) throws {
        try append(MetricsRecord(step: step, epoch: epoch, wallSeconds: wallSeconds, split: split, values: values))
    }

    public func close() throws {
        lock.lock()
        defer { lock.unlock() }
        if let h = handle {
            handle = nil
            try h.close()
        }
    }
}

/// What to plot a metric against.
public enum MetricsAxis: Sendable, Equatable {
    case step
    case wallSeconds
    case epoch

    /// Axis label with units.
    public var label: String {
        switch self {
        case .step: return "step"
        case .wallSeconds: return "wall time (s)"
        case .epoch: return "epoch"
        }
    }
}

extension Array where Element == MetricsRecord {
    /// Splits in order of first appearance.
    public var splits: [String] {
        var seen = Set<String>(), out: [String] = []
        for r in self where seen.insert(r.split).inserted { out.append(r.split) }
        return out
    }

    /// All metric names, sorted.
    public var metricNames: [String] {
        Set(flatMap { $0.values.keys }).sorted()
    }

    /// `metric` against `axis` for the records of `split` (all splits when nil), in log order.
    /// Records without the metric (or without an epoch, for `.epoch`) are left out.
    public func series(_ metric: String, split: String? = nil, against axis: MetricsAxis = .step) -> [SVGChart.Point] {
        compactMap { r -> SVGChart.Point? in
            if let split, r.split != split { return nil }
            guard let v = r.values[metric] else { return nil }
            switch axis {
            case .step: return SVGChart.Point(x: Double(r.step), y: v)
            case .wallSeconds: return SVGChart.Point(x: r.wallSeconds, y: v)
            case .epoch:
                guard let e = r.epoch else { return nil }
                return SVGChart.Point(x: Double(e), y: v)
            }
        }
    }

    /// The last value of `metric` on `split`, if any.
    public func last(_ metric: String, split: String) -> Double? {
        last { $0.split == split && $0.values[metric] != nil }?.values[metric]
    }

    /// A line chart of `metric` against `axis` with one series per split that has it.
    public func chart(_ metric: String, against axis: MetricsAxis = .step, title: String? = nil) -> SVGChart {
        let series = splits.compactMap { split -> SVGChart.Series? in
            let pts = self.series(metric, split: split, against: axis)
            guard !pts.isEmpty else { return nil }
            return SVGChart.Series(name: split, points: pts, showMarkers: pts.count <= 30)
        }
        let yLabel = metric.replacingOccurrences(of: "_", with: " ")
        let ys = series.flatMap { $0.points.map(\.y) }.filter(\.isFinite)
        // Losses spanning several orders of magnitude read better on a log axis.
        var logY = false
        if metric.lowercased().contains("loss"), let mn = ys.min(), let mx = ys.max(), mn > 0, mx / mn > 100 {
            logY = true
        }
        var yRange: ClosedRange<Double>?
        let lower = metric.lowercased()
        if (lower.contains("accuracy") || lower == "acc" || lower.hasSuffix("_acc")),
           let mn = ys.min(), let mx = ys.max(), mn >= 0, mx <= 1, mx - mn > 0.2 {
            yRange = 0...1
        }
        return SVGChart(title: title ?? "\(yLabel) vs \(axis == .wallSeconds ? "wall time" : axis.label)",
                        xLabel: axis.label, yLabel: yLabel + (logY ? " (log scale)" : ""),
                        series: series, logY: logY, yRange: yRange)
    }
}
