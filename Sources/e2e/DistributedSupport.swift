import ArgumentParser
import EndToEndTraining
import Foundation
import Synchronization

/// How `train`, `compare`, `experiment` and `app` join an MPI job when `mpirun` started them.
enum DistributedSupport {
    /// Set on every rank but 0 of a job: they print nothing to standard output.
    static let silent = Atomic<Bool>(false)

    /// The job's communicator (a single process outside `mpirun`). Ranks other than 0 are
    /// silenced. A launcher without a loadable MPI prints the reason and exits with status 1.
    static func join() throws -> Communicator {
        let c: Communicator
        do { c = try Distributed.detect() } catch {
            RunSupport.err("error: \(error)")
            throw ExitCode(1)
        }
        if !c.isRoot { silent.store(true, ordering: .relaxed) }
        return c
    }

    /// A private folder for what a rank other than 0 would write (its copy of the run's
    /// staging folder), removed by the caller at the end.
    static func scratchFolder(rank: Int) -> URL {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("e2e-rank\(rank)-\(ProcessInfo.processInfo.processIdentifier)", isDirectory: true)
    }

    /// `, world_size N` facts for a report: empty for one process.
    static func describe(_ c: Communicator) -> String {
        c.size > 1 ? "\(c.size) processes (\(c.transport))" : "1 process"
    }
}
