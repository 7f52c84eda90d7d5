import Foundation

public enum ReportWriterError: Error, Equatable, CustomStringConvertible {
    case invalidFilename(String)
    case io(String)

    public var description: String {
        switch self {
        case .invalidFilename(let f): return "report: invalid figure file name \"\(f)\""
        case .io(let m): return "report: \(m)"
        }
    }
}

/// Writes a run's report folder:
///
/// ```
/// <directory>/
///   summary.md        title, final metrics table, wall time, figure links, extra sections
///   config.json       or config.yaml: the configuration text as given
///   metrics.jsonl     the metrics log
///   figures/<metric>_vs_step.svg, figures/<metric>_vs_time.svg, extra charts
/// ```
///
/// The folder is built in a hidden temporary sibling directory and renamed into place only when
/// complete. An existing report at `directory` is replaced only after the new one is complete; if
/// anything fails, the old report is left as it was and the temporary directory is removed.
public struct ReportWriter: Sendable {
    public let directory: URL
    /// Test hook: called with each file's relative path after it is written; throwing aborts.
    var afterFileWritten: (@Sendable (String) throws -> Void)?

    public init(directory: URL) {
        self.directory = directory
    }

    /// Writes the report and returns the URL of `summary.md`.
    ///
    /// - Parameters:
    ///   - configText: the configuration as given (JSON or the original YAML); nil writes none.
    ///     Saved as `config.json` when it looks like JSON, `config.yaml` otherwise, unless
    ///     `configFilename` says otherwise.
    ///   - log: the metrics records; written to `metrics.jsonl` unless `metricsFile` is given, in
    ///     which case that file is copied byte for byte (figures are still drawn from `log`).
    ///   - finalMetrics: the table in the summary, e.g. `["test/accuracy": 0.981]`.
    ///   - extraMarkdown: sections appended to the summary as given.
    ///   - extraCharts: more figures, written as `figures/<filename>` (".svg" added if missing)
    ///     and linked from the summary.
    ///   - extraFiles: more files by relative path (e.g. `figures/attributions.png`,
    ///     `models/end-to-end/config.yaml`); folders are created as needed. Each path
    ///     component must be a plain file name (letters, digits, `-`, `_`, `.`).
    ///   - copiedItems: files or folders copied into the report at the relative path given
    ///     (e.g. a `models/` folder of checkpoints written during the run).
    @discardableResult
    public func write(title: String, configText: String?, configFilename: String? = nil,
                      log: [MetricsRecord], metricsFile: URL? = nil,
                      finalMetrics: [String: Double], extraMarkdown: [String] = [],
                      extraCharts: [(filename: String, chart: SVGChart)] = [],
                      extraFiles: [(path: String, data: Data)] = [],
                      copiedItems: [(path: String, source: URL)] = []) throws -> URL {
        let fm = FileManager.default
        let dest = directory.standardizedFileURL
        let parent = dest.deletingLastPathComponent()
        let name = dest.lastPathComponent
        try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        let token = UUID().uuidString.prefix(8)
        let temp = parent.appendingPathComponent(".\(name).tmp-\(token)", isDirectory: true)
        let old = parent.appendingPathComponent(".\(name).old-\(token)", isDirectory: true)

        do {
            try fm.createDirectory(at: temp, withIntermediateDirectories: false)
            try fill(temp, title: title, configText: configText, configFilename: configFilename, log: log,
                     metricsFile: metricsFile, finalMetrics: finalMetrics, extraMarkdown: extraMarkdown,
                     extraCharts: extraCharts)
            try place(extraFiles: extraFiles, copiedItems: copiedItems, in: temp)
        } catch {
            try? fm.removeItem(at: temp)
            throw error
        }

        // Swap into place: move the old report aside, move the new one in, then delete the old one.
        var movedOld = false
        do {
            if fm.fileExists(atPath: dest.path) {
                try fm.moveItem(at: dest, to: old)
                movedOld = true
            }
            try fm.moveItem(at: temp, to: dest)
        } catch {
            if movedOld { try? fm.moveItem(at: old, to: dest) }
            try? fm.removeItem(at: temp)
            throw ReportWriterError.io("cannot move report into \(dest.path): \(error.localizedDescription)")
        }
        if movedOld { try? fm.removeItem(at: old) }
        return dest.appendingPathComponent("summary.md")
    }

    // MARK: - Contents

    private func put(_ text: String, _ relative: String, in root: URL) throws {
        let url = root.appendingPathComponent(relative)
        try Data(text.utf8).write(to: url)
        try afterFileWritten?(relative)
    }

    /// A file name safe on every file system: letters, digits, '-', '_' and '.'.
    static func sanitize(_ s: String) -> String {
        var out = String(s.unicodeScalars.map { u -> Character in
            let ok = (u.value < 128 && (CharacterSet.alphanumerics.contains(u))) || u == "-" || u == "_" || u == "."
            return ok ? Character(u) : "_"
        })
        while out.hasPrefix(".") { out.removeFirst() }
        return out.isEmpty ? "metric" : out
    }

    /// Writes `extraFiles` and copies `copiedItems` under `root`, creating folders; every
    /// path component must survive ``sanitize(_:)`` unchanged (no `..`, no absolute paths).
    private func place(extraFiles: [(path: String, data: Data)], copiedItems: [(path: String, source: URL)], in root: URL) throws {
        let fm = FileManager.default
        func target(_ relative: String) throws -> URL {
            let parts = relative.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard !parts.isEmpty, parts.allSatisfy({ !$0.isEmpty && Self.sanitize($0) == $0 }) else {
                throw ReportWriterError.invalidFilename(relative)
            }
            let url = parts.reduce(root) { $0.appendingPathComponent($1) }
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            return url
        }
        for (relative, data) in extraFiles {
            try data.write(to: try target(relative))
            try afterFileWritten?(relative)
        }
        for (relative, source) in copiedItems {
            let url = try target(relative)
            do { try fm.copyItem(at: source, to: url) } catch {
                throw ReportWriterError.io("cannot copy \(source.path) into the report as \(relative): \(error.localizedDescription)")
            }
            try afterFileWritten?(relative)
        }
    }

    static func looksLikeJSON(_ text: String) -> Bool {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard t.hasPrefix("{") || t.hasPrefix("[") else { return false }
        return (try? JSONSerialization.jsonObject(with: Data(t.utf8))) != nil
    }

    private func fill(_ root: URL, title: String, configText: String?, configFilename: String?,
                      log: [MetricsRecord], metricsFile: URL?, finalMetrics: [String: Double],
                      extraMarkdown: [String], extraCharts: [(filename: String, chart: SVGChart)]) throws {
        let fm = FileManager.default
        var files: [String] = []

        if let configText {
            let n = configFilename ?? (Self.looksLikeJSON(configText) ? "config.json" : "config.yaml")
            guard Self.sanitize(n) == n else { throw ReportWriterError.invalidFilename(n) }
            try put(configText, n, in: root)
            files.append(n)
        }

        if let metricsFile {
            try fm.copyItem(at: metricsFile, to: root.appendingPathComponent("metrics.jsonl"))
            try afterFileWritten?("metrics.jsonl")
        } else {
            try put(MetricsLog.encode(log), "metrics.jsonl", in: root)
        }
        files.append("metrics.jsonl")

        // Learning curves: every metric against step and against wall time, one series per split.
        try fm.createDirectory(at: root.appendingPathComponent("figures"), withIntermediateDirectories: false)
        var used = Set<String>()
        func unique(_ base: String) -> String {
            var n = base, k = 2
            while used.contains(n.lowercased()) {
                n = base.hasSuffix(".svg") ? String(base.dropLast(4)) + "_\(k).svg" : base + "_\(k)"
                k += 1
            }
            used.insert(n.lowercased())
            return n
        }
        var curves: [(metric: String, step: String, time: String)] = []
        for metric in log.metricNames {
            let base = Self.sanitize(metric)
            let stepFile = unique("\(base)_vs_step.svg")
            let timeFile = unique("\(base)_vs_time.svg")
            try put(log.chart(metric, against: .step).render(), "figures/" + stepFile, in: root)
            try put(log.chart(metric, against: .wallSeconds).render(), "figures/" + timeFile, in: root)
            curves.append((metric, stepFile, timeFile))
        }
        var extras: [(title: String, file: String)] = []
        for (filename, chart) in extraCharts {
            let f = filename.hasSuffix(".svg") ? filename : filename + ".svg"
            guard !f.isEmpty, Self.sanitize(f) == f, f != ".svg" else { throw ReportWriterError.invalidFilename(filename) }
            let n = unique(f)
            try put(chart.render(), "figures/" + n, in: root)
            extras.append((chart.title.isEmpty ? n : chart.title, n))
        }

        // summary.md
        var md = "# \(Self.mdInline(title.isEmpty ? "Training report" : title))\n\n"
        let wall = log.map(\.wallSeconds).filter(\.isFinite).max()
        let steps = log.map(\.step).max()
        let epochs = log.compactMap(\.epoch).max()
        var facts: [String] = []
        if let wall { facts.append("**Wall time:** \(Self.duration(wall))") }
        if let steps { facts.append("**Steps:** \(steps)") }
        if let epochs { facts.append("**Epochs:** \(epochs)") }
        if !log.isEmpty { facts.append("**Log records:** \(log.count)") }
        if !facts.isEmpty { md += facts.joined(separator: " · ") + "\n\n" }

        md += "## Final metrics\n\n"
        if finalMetrics.isEmpty {
            md += "_No final metrics recorded._\n\n"
        } else {
            md += "| metric | value |\n|---|---:|\n"
            for k in finalMetrics.keys.sorted() {
                md += "| \(Self.mdCell(k)) | \(Self.formatValue(finalMetrics[k]!)) |\n"
            }
            md += "\n"
        }

        if !curves.isEmpty || !extras.isEmpty {
            md += "## Figures\n\n"
            for c in curves {
                let m = Self.mdInline(c.metric)
                md += "### \(m)\n\n"
                md += "![\(m) vs step](\(Self.mdLink("figures/" + c.step)))\n"
                md += "![\(m) vs wall time](\(Self.mdLink("figures/" + c.time)))\n\n"
            }
            for e in extras {
                md += "### \(Self.mdInline(e.title))\n\n![\(Self.mdInline(e.title))](\(Self.mdLink("figures/" + e.file)))\n\n"
            }
        }

        for section in extraMarkdown {
            md += section.hasSuffix("\n") ? section : section + "\n"
            md += "\n"
        }

        md += "## Files\n\n"
        for f in files { md += "- [\(f)](\(Self.mdLink(f)))\n" }
        try put(md, "summary.md", in: root)
    }

    // MARK: - Markdown helpers

    static func mdInline(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "\n", "\r": out += " "
            case "\\", "`", "*", "_", "[", "]", "<", ">", "|", "#": out += "\\\(ch)"
            default: out.append(ch)
            }
        }
        return out
    }

    static func mdCell(_ s: String) -> String { mdInline(s) }

    static func mdLink(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "()"))) ?? s
    }

    /// Up to 6 significant digits, no trailing zeros; NaN/inf spelled out.
    static func formatValue(_ v: Double) -> String {
        SVGChart.formatNumber(SVGChart.roundSig(v, 6))
    }

    /// "12.3 s", "3 min 4.5 s", "1 h 02 min 03 s".
    static func duration(_ s: Double) -> String {
        guard s.isFinite, s >= 0 else { return SVGChart.formatNumber(s) + " s" }
        if s < 60 { return String(format: "%.1f s", s) }
        if s < 3600 {
            let m = Int(s / 60)
            return String(format: "%.1f s (%d min %.1f s)", s, m, s - Double(m) * 60)
        }
        let total = Int(s.rounded())
        return String(format: "%.0f s (%d h %02d min %02d s)", s, total / 3600, (total % 3600) / 60, total % 60)
    }
}
