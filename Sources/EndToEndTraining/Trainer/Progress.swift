import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Training progress output.
///
/// On a terminal (``isTerminal``) it keeps one updating line (rewritten with `\r`) with a
/// bar, the rate in samples per second, the epoch's ETA and the running loss, at most
/// every ``minInterval`` seconds (0.1 by default, so at most 10 updates per second); each
/// epoch ends with a final line and a newline.
///
/// Otherwise (a log file, a CI console) it writes plain lines: a progress line at most every
/// ``minInterval`` seconds (5 by default) and one line per epoch.
///
/// All output goes through ``sink``, and time is read from ``clock``, so that tests can
/// capture the output and drive the throttle.
public final class ProgressReporter {
    /// Receives every piece of output (already including `\r` / `\n`).
    public let sink: (String) -> Void
    /// Whether output goes to a terminal (single updating line) or not (plain lines).
    public let isTerminal: Bool
    /// Minimum seconds between two progress updates within an epoch.
    public let minInterval: Double
    /// Monotonic time in seconds.
    public let clock: () -> Double
    /// Width of the bar in characters (terminal mode).
    public let barWidth: Int

    private var epoch = 0
    private var totalEpochs: Int?
    private var batches = 0
    private var batchIndex = 0
    private var samples = 0
    private var stepsDone = 0
    private var epochStart = 0.0
    private var lastEmit = -Double.infinity
    private var lastLength = 0
    private let runningLoss = RunningMean()

    /// - Parameters:
    ///   - isTerminal: defaults to `isatty(1)`.
    ///   - minInterval: defaults to 0.1 s on a terminal and 5 s otherwise.
    ///   - sink: defaults to writing to standard output, unbuffered.
    public init(isTerminal: Bool? = nil, minInterval: Double? = nil, barWidth: Int = 24,
                clock: (() -> Double)? = nil, sink: ((String) -> Void)? = nil) {
        let terminal = isTerminal ?? (isatty(1) != 0)
        self.isTerminal = terminal
        self.minInterval = minInterval ?? (terminal ? 0.1 : 5)
        self.barWidth = max(1, barWidth)
        self.clock = clock ?? ProgressReporter.monotonicSeconds
        self.sink = sink ?? { FileHandle.standardOutput.write(Data($0.utf8)) }
    }

    /// Seconds from a monotonic clock.
    public static func monotonicSeconds() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }

    /// Called when epoch `epoch` (0-based) starts with `batches` batches.
    public func epochBegin(epoch: Int, totalEpochs: Int?, batches: Int, startBatch: Int = 0) {
        self.epoch = epoch
        self.totalEpochs = totalEpochs
        self.batches = batches
        batchIndex = startBatch
        samples = 0
        stepsDone = 0
        runningLoss.reset()
        epochStart = clock()
        lastEmit = epochStart
        lastLength = 0
    }

    /// Called after each training step with the batch's size and mean loss.
    public func step(samples n: Int, loss: Double) {
        batchIndex += 1
        stepsDone += 1
        samples += n
        if loss.isFinite { runningLoss.update(loss, weight: Double(n)) }
        let now = clock()
        guard now - lastEmit >= minInterval else { return }
        lastEmit = now
        let line = progressLine(now: now)
        if isTerminal {
            emitTerminal(line)
        } else {
            sink(line + "\n")
        }
    }

    /// Called at the end of an epoch with the metrics computed for it.
    public func epochEnd(epoch: Int, metrics: [String: Double]) {
        let now = clock()
        let elapsed = now - epochStart
        let values = metrics.keys.sorted().map { "\($0)=\(Self.format($0, metrics[$0]!))" }.joined(separator: " ")
        if isTerminal {
            let line = "\(epochLabel) \(bar(fraction: 1)) \(batchIndex)/\(batches) \(Self.duration(elapsed)) - \(values)"
            emitTerminal(line)
            sink("\n")
            lastLength = 0
        } else {
            sink("\(epochLabel) done in \(String(format: "%.1f", elapsed))s (\(Self.rate(samples, elapsed)) samples/s): \(values)\n")
        }
    }

    /// Writes a free-form message on its own line (ending an in-progress terminal line).
    public func message(_ text: String) {
        if isTerminal && lastLength > 0 { sink("\n"); lastLength = 0 }
        sink(text + "\n")
    }

    // MARK: - Formatting

    private var epochLabel: String {
        "epoch \(epoch + 1)" + (totalEpochs.map { "/\($0)" } ?? "")
    }

    private func progressLine(now: Double) -> String {
        let elapsed = now - epochStart
        let done = max(batchIndex, 0)
        let fraction = batches > 0 ? Double(done) / Double(batches) : 0
        var eta = "?"
        if stepsDone > 0 && batches > 0 && elapsed > 0 {
            let perBatch = elapsed / Double(stepsDone)
            eta = Self.duration(perBatch * Double(max(0, batches - done)))
        }
        let loss = runningLoss.compute()
        let lossText = loss.isNaN ? "-" : String(format: "%.4f", loss)
        if isTerminal {
            return "\(epochLabel) \(bar(fraction: fraction)) \(done)/\(batches) \(Self.rate(samples, elapsed)) samples/s ETA \(eta) loss \(lossText)"
        }
        return "\(epochLabel) step \(done)/\(batches) (\(Int((fraction * 100).rounded()))%) \(Self.rate(samples, elapsed)) samples/s eta \(eta) loss \(lossText)"
    }

    private func bar(fraction: Double) -> String {
        let f = min(max(fraction, 0), 1)
        let filled = Int((f * Double(barWidth)).rounded(.down))
        var s = String(repeating: "=", count: filled)
        if filled < barWidth { s += ">" + String(repeating: " ", count: barWidth - filled - 1) }
        return "[" + s + "]"
    }

    private func emitTerminal(_ line: String) {
        let pad = max(0, lastLength - line.count)
        sink("\r" + line + String(repeating: " ", count: pad))
        lastLength = line.count
    }

    static func rate(_ samples: Int, _ seconds: Double) -> String {
        guard seconds > 0 else { return "-" }
        let r = Double(samples) / seconds
        return r >= 100 ? String(format: "%.0f", r) : String(format: "%.1f", r)
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60) }
        return String(format: "%02d:%02d", s / 60, s % 60)
    }

    static func format(_ name: String, _ value: Double) -> String {
        value.isNaN ? "nan" : String(format: "%.4f", value)
    }
}
