import ArgumentParser
import EndToEnd
import EndToEndKernels
import Foundation

/// `e2e bench WORKLOAD`: throughput benchmarks with the recipes of the PyTorch peers.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a benchmark workload and print its throughput.",
        discussion: "Workloads: gemm (square float32 matmul, n = 256..2048, GFLOP/s)."
    )

    @Argument(help: "Workload: gemm.")
    var workload: String

    @OptionGroup var threads: ThreadOptions

    @Option(help: "GEMM backend: auto (OpenBLAS when installed), blas, or swift.")
    var backend: String = "auto"

    @Option(help: "Comma-separated matrix sizes for gemm.")
    var sizes: String = "256,512,1024,2048"

    @Flag(help: "Print one JSON object as the last line.")
    var json = false

    func run() throws {
        try threads.apply()
        switch workload {
        case "gemm": try runGEMM()
        default: throw ValidationError("unknown workload '\(workload)'; available: gemm")
        }
    }

    func runGEMM() throws {
        let ns = try sizes.split(separator: ",").map { s -> Int in
            guard let n = Int(s.trimmingCharacters(in: .whitespaces)), n > 0 else {
                throw ValidationError("--sizes: '\(s)' is not a positive integer")
            }
            return n
        }
        let preference: GEMM.BackendPreference
        switch backend {
        case "auto": preference = .automatic
        case "blas": preference = .blas
        case "swift": preference = .swift
        default: throw ValidationError("--backend must be auto, blas or swift, got '\(backend)'")
        }
        if preference == .blas && !BLAS.isAvailable {
            throw ValidationError("--backend blas: no BLAS library could be loaded (\(BLAS.loadFailureReason ?? "unknown reason")); install Debian's libopenblas0-pthread")
        }
        let results = benchmarkGEMM(sizes: ns, threads: Threading.threadCount, backend: preference)
        let used = GEMM.withBackend(preference) { GEMM.effectiveBackend.description }
        for r in results {
            print("gemm n=\(r.n) threads=\(Threading.threadCount) backend=\(used): \(String(format: "%.1f", r.gflops)) GFLOP/s")
        }
        if json {
            let g = results.map { "\"\($0.n)\": \(String(format: "%.1f", $0.gflops))" }.joined(separator: ", ")
            print("{\"gflops\": {\(g)}, \"backend\": \"\(used)\", \"threads\": \(Threading.threadCount)}")
        }
    }
}
