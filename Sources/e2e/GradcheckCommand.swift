import ArgumentParser
import EndToEnd
import Foundation

/// `e2e gradcheck`: every differentiable op against central finite differences.
struct GradcheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradcheck",
        abstract: "Check the gradient of every differentiable op against central finite differences.",
        discussion: "Prints one line per case, then 'N passed, M failed'. Exits non-zero on any failure."
    )

    @Option(help: "Seed for the random shapes' values.")
    var seed: UInt64 = 0

    @Option(help: "Only run cases whose op name contains this text.")
    var filter: String?

    @Flag(help: "Print only failures and the summary.")
    var quiet = false

    @OptionGroup var threads: ThreadOptions

    func run() throws {
        try threads.apply()
        let cases = GradCheckCatalog.all(seed: seed).filter { c in filter.map { c.op.contains($0) } ?? true }
        guard !cases.isEmpty else { throw ValidationError("no gradcheck case matches --filter \(filter ?? "")") }
        var ops: [String] = []
        for c in cases where !ops.contains(c.op) { ops.append(c.op) }
        print("checking \(cases.count) cases over \(ops.count) ops: \(ops.joined(separator: ", "))")
        var passed = 0, failed = 0
        for c in cases {
            let r = GradCheck.run(c)
            if r.passed { passed += 1 } else { failed += 1 }
            if !r.passed || !quiet {
                let status = r.passed ? "ok  " : "FAIL"
                print("\(status) \(c.name)  max|err| \(String(format: "%.2e", r.maxAbsoluteError))  (\(r.checkedElements) elements)\(r.passed ? "" : "  " + r.detail)")
            }
        }
        print("\(passed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode.failure }
    }
}
