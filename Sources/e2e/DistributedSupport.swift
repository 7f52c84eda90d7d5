import ArgumentParser
import EndToEndTraining
import Foundation
import Synchronization

/// How `train`, `compare`, `experiment` and `app` join an MPI job when `mpirun` started them.
enum DistributedSupport {
    /// Set on every rank but 0 of a job: they print nothing to standard output.
    static let silent = Atomic<Bool>(false)
    /// `rank R of N: `, put before every error line of a multi-rank job so it names its rank.
    static let errorPrefix = Mutex<String>("")

    /// The job's communicator (a single process outside `mpirun`). Ranks other than 0 are
    /// silenced. A launcher without a loadable MPI prints the reason and exits with status 1.
    static func join() throws -> Communicator {
        let c: Communicator
        do { c = try Distributed.detect() } catch {
            RunSupport.err("error: \(error)")
            throw ExitCode(1)
        }
        if !c.isRoot { silent.store(true, ordering: .relaxed) }
        if c.size > 1 { errorPrefix.withLock { $0 = "rank \(c.rank) of \(c.size): " } }
        return c
    }

    /// A private folder for what a rank other than 0 would write (its copy of the run's
    /// staging folder), removed by the caller at the end.
    static func scratchFolder(rank: Int) -> URL {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("e2e-rank\(rank)-\(ProcessInfo.processInfo.processIdentifier)", isDirectory: true)
    }

    /// How many processes ran and over what, for progress lines and reports.
    static func describe(_ c: Communicator) -> String {
        c.size > 1 ? "\(c.size) processes (\(c.transport))" : "1 process"
    }
}
