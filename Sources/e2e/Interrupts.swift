import Dispatch
import Foundation
import Synchronization

/// SIGINT and SIGTERM during training: the first asks the run to stop after the step in
/// progress (it then writes a checkpoint and says how to resume); a second aborts at once,
/// which leaves no half-written file because every file is written under a temporary name
/// and renamed into place. (Unchecked: the sources are set once, in `init`, and only cancelled after.)
final class InterruptHandler: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]
    private let count = Atomic<Int>(0)
    private let last = Atomic<Int32>(0)

    /// The first signal received (0: none).
    var signal: Int32 { last.load(ordering: .relaxed) }

    /// The exit status for the signal received: 130 for SIGINT, 143 for SIGTERM.
    var exitStatus: Int32 { 128 + signal }

    convenience init(abortAtOnce: Bool = false, onInterrupt: @escaping @Sendable () -> Void) {
        self.init(stopping: "stopping after this step (again to abort)", abortAtOnce: abortAtOnce) { _ in onInterrupt() }
    }

    /// `stopping` ends the line printed on the first signal; `onInterrupt` gets the signal.
    /// - Parameter abortAtOnce: end the process on the first signal (a data-parallel rank:
    ///   ranks cannot agree on a step to stop at, so `mpirun`, which forwards the signal to
    ///   every rank, ends the whole job instead).
    init(stopping: String, abortAtOnce: Bool = false, onInterrupt: @escaping @Sendable (Int32) -> Void) {
        var sources: [any DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            Foundation.signal(sig, SIG_IGN)  // delivered to the dispatch source instead
            sources.append(DispatchSource.makeSignalSource(signal: sig, queue: .global()))
        }
        self.sources = sources
        for (s, sig) in zip(sources, [SIGINT, SIGTERM]) {
            s.setEventHandler { [self] in
                if abortAtOnce || count.add(1, ordering: .relaxed).newValue > 1 {
                    FileHandle.standardError.write(Data("\n\(abortAtOnce ? "signal" : "second signal"): aborting now\n".utf8))
                    _exit(128 + sig)
                }
                last.store(sig, ordering: .relaxed)
                FileHandle.standardError.write(Data("\nsignal \(sig): \(stopping)\n".utf8))
                onInterrupt(sig)
            }
            s.resume()
        }
    }

    /// Restores the default handling.
    func uninstall() {
        for s in sources { s.cancel() }
        for sig in [SIGINT, SIGTERM] { Foundation.signal(sig, SIG_DFL) }
    }
}
