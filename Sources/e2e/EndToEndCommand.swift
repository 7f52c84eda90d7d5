import ArgumentParser
import EndToEnd
import EndToEndKernels

/// The `e2e` command line: train, compare and check end-to-end learning systems.
@main
struct EndToEndCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "e2e",
        abstract: "EndToEnd: end-to-end learning, step-by-step training and ensembles, in Swift.",
        discussion: """
            Environment: E2E_BLAS=none forces the pure Swift GEMM; OPENBLAS_CORETYPE overrides \
            the OpenBLAS kernel choice (SkylakeX is chosen automatically on AVX-512 CPUs).
            """,
        subcommands: [TrainCommand.self, EvaluateCommand.self, PredictCommand.self, CompareCommand.self,
                      ExperimentCommand.self, AppCommand.self, DemoCommand.self, GradcheckCommand.self, BenchCommand.self]
    )
}

/// Options shared by commands that compute.
struct ThreadOptions: ParsableArguments {
    @Option(name: .long, help: "Worker threads for kernels (default: all cores).")
    var threads: Int?

    func apply() throws {
        if let threads {
            guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
            Threading.threadCount = threads
        }
    }
}
