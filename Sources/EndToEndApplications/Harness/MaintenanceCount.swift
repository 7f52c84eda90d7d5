import Foundation

/// The article's "simpler, easier to maintain", counted: lines of application code are read
/// from the application's own source files, so the count follows the code.
public enum SourceLines {
    /// Lines that hold code: not blank, not only a `//` comment (documentation included),
    /// not inside a `/* ... */` block comment.
    public static func count(_ text: String) -> Int {
        var n = 0, inBlock = false
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if inBlock {
                if line.contains("*/") { inBlock = false }
                continue
            }
            if line.isEmpty || line.hasPrefix("//") { continue }
            if line.hasPrefix("/*") {
                if !line.contains("*/") { inBlock = true }
                continue
            }
            n += 1
        }
        return n
    }

    /// The folder holding the source file `filePath` (pass `#filePath` from an application's file).
    public static func directory(of filePath: String) -> URL {
        URL(fileURLWithPath: filePath).deletingLastPathComponent()
    }

    /// The code lines of `files` (names relative to `directory`), summed.
    ///
    /// - Throws: ``ApplicationError`` naming a file that cannot be read (the count needs the
    ///   source checkout the binary was built from).
    public static func count(files: [String], in directory: URL) throws -> Int {
        var total = 0
        for f in files {
            let url = directory.appendingPathComponent(f)
            guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                throw ApplicationError("maintenance count: cannot read the source file \(url.path); lines of code are counted from the source checkout the binary was built from")
            }
            total += count(text)
        }
        return total
    }
}

extension MaintenanceCost {
    /// A cost whose lines of code are counted from the approach's source files.
    ///
    /// - Parameters:
    ///   - stages: separately designed or fitted stages (1 for an end-to-end network).
    ///   - handSetConstants: constants a person chose (thresholds, window sizes, filter
    ///     counts); list them in the application's page.
    ///   - sourceFiles: the files that implement the approach, relative to `directory`.
    public static func counted(approach: String, stages: Int, handSetConstants: Int, sourceFiles: [String],
                               in directory: URL, parameters: Int) throws -> MaintenanceCost {
        MaintenanceCost(approach: approach, stages: stages, handSetConstants: handSetConstants,
                        linesOfCode: try SourceLines.count(files: sourceFiles, in: directory), parameters: parameters)
    }

    /// A Markdown table of the costs.
    public static func table(_ costs: [MaintenanceCost]) -> String {
        var md = "| approach | stages | hand-set constants | lines of application code | parameters |\n|---|---:|---:|---:|---:|\n"
        for c in costs { md += "| \(c.approach) | \(c.stages) | \(c.handSetConstants) | \(c.linesOfCode) | \(c.parameters) |\n" }
        return md
    }
}
