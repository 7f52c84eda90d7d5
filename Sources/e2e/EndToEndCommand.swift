import ArgumentParser
import EndToEnd
import EndToEndKernels
import EndToEndTraining
import Foundation

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
        subcommands: [TrainCommand.self, EvaluateCommand.self, PredictCommand.self, ExportCommand.self, CompareCommand.self,
                      ExperimentCommand.self, AppCommand.self, DemoCommand.self, GradcheckCommand.self, BenchCommand.self]
    )

    /// ArgumentParser's `main`, plus the end of an MPI job: a successful rank finalises MPI;
    /// a failing one prints its error and aborts the whole job (`MPI_Abort`), so the other
    /// ranks exit instead of waiting for it in a collective.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
            MPICommunicator.finalizeIfActive()
        } catch {
            let code = exitCode(for: error)
            if code.isSuccess {
                MPICommunicator.finalizeIfActive()
            } else if MPICommunicator.isActive {
                let message = fullMessage(for: error)
                if !message.isEmpty { FileHandle.standardError.write(Data((message + "\n").utf8)) }
                MPICommunicator.abortIfActive(code: code.rawValue)
            }
            exit(withError: error)
        }
    }
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
