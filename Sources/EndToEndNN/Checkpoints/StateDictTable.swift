import EndToEnd
import Foundation

/// Lines up a module's state-dict names with a file's, for loading files whose names carry
/// a prefix and for the one table a mismatch prints.
enum StateDictTable {
    /// The renaming that strips the shortest dotted prefix shared by every name in `names`
    /// (`model.`, `module.`, `model.module.`) under which they match `module`'s names
    /// exactly; without such a prefix, the one under which most names match (nil: keep).
    static func prefixRenaming(for names: [String], module: Module) -> ((String) -> String)? {
        let known = Set(module.stateDictTargets().map(\.name))
        func score(_ prefix: String) -> Int {
            names.reduce(0) { $0 + (known.contains(module.stateDictName(forSaved: String($1.dropFirst(prefix.count)))) ? 1 : 0) }
        }
        var best = (prefix: "", score: score(""))
        if best.score == names.count && names.count == known.count { return nil }
        for prefix in sharedPrefixes(names) {
            let s = score(prefix)
            if s == names.count && s == known.count { best = (prefix, s); break }
            if s > best.score { best = (prefix, s) }
        }
        guard !best.prefix.isEmpty else { return nil }
        let prefix = best.prefix
        return { $0.hasPrefix(prefix) ? String($0.dropFirst(prefix.count)) : $0 }
    }

    /// `a.`, `a.b.`, ...: each run of leading dotted components that every name shares and
    /// that leaves something after it.
    static func sharedPrefixes(_ names: [String]) -> [String] {
        guard let first = names.first else { return [] }
        var out: [String] = []
        var prefix = ""
        for component in first.split(separator: ".", omittingEmptySubsequences: false).dropLast() {
            prefix += component + "."
            guard names.allSatisfy({ $0.hasPrefix(prefix) && $0.count > prefix.count }) else { break }
            out.append(prefix)
        }
        return out
    }

    /// One table: each of the module's tensors beside the file's tensor for it (matched by
    /// the name after renaming), then the file's tensors that the module does not have.
    /// `file` holds each tensor's name in the file, its name after renaming, and its shape.
    static func render(model: [(name: String, shape: [Int])], file: [(saved: String, name: String, shape: [Int])]) -> String {
        let byName = Dictionary(file.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let modelNames = Set(model.map(\.name))
        var rows: [[String]] = [["", "model", "shape", "file", "shape"]]
        for m in model {
            if let f = byName[m.name] {
                rows.append([f.shape == m.shape ? "ok" : "SHAPE", m.name, shapeText(m.shape), f.saved, shapeText(f.shape)])
            } else {
                rows.append(["MISSING", m.name, shapeText(m.shape), "-", ""])
            }
        }
        for f in file.sorted(by: { $0.saved < $1.saved }) where !modelNames.contains(f.name) {
            rows.append(["UNEXPECTED", "-", "", f.saved, shapeText(f.shape)])
        }
        let widths = (0..<5).map { c in rows.map { $0[c].count }.max()! }
        return rows.map { row in
            row.enumerated().map { c, text in c == 4 ? text : text.padding(toLength: widths[c], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingTrailingSpaces()
        }.joined(separator: "\n")
    }
}

private extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
