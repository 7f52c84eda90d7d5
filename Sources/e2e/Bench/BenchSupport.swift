import EndToEnd
import EndToEndKernels
import EndToEndNN
import Foundation

/// What every benchmark workload shares: a monotonic clock, the peak resident memory, and
/// the one-line JSON result that `scripts/side_by_side.py` parses.
enum BenchSupport {
    /// Seconds on a monotonic clock (differences only).
    static func now() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) * 1e-9
    }

    /// Peak resident set size of this process in MiB (`VmHWM` in /proc/self/status), or
    /// `nil` where /proc is not available.
    static func peakResidentMiB() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kb = line.split(separator: " ").compactMap { Double($0) }.first
            return kb.map { $0 / 1024 }
        }
        return nil
    }

    /// A JSON value for a result field.
    enum Value {
        case number(Double)
        case integer(Int)
        case text(String)
        case numbers([Double])

        var json: String {
            switch self {
            case .number(let x): return RunSupport.number(x)
            case .integer(let i): return String(i)
            case .text(let s): return RunSupport.jsonString(s)
            case .numbers(let xs): return "[" + xs.map { RunSupport.number($0) }.joined(separator: ", ") + "]"
            }
        }
    }

    /// Prints the result as one JSON object (keys in the given order), adding the workload
    /// name, the thread count, the GEMM backend and the peak resident memory.
    static func printJSON(workload: String, _ fields: [(String, Value)]) {
        var all: [(String, Value)] = [("workload", .text(workload)), ("threads", .integer(Threading.threadCount)),
                                      ("backend", .text(GEMM.effectiveDescription))]
        all += fields
        if let rss = peakResidentMiB() { all.append(("peak_rss_mib", .number((rss * 10).rounded() / 10))) }
        RunSupport.out("{" + all.map { "\(RunSupport.jsonString($0.0)): \($0.1.json)" }.joined(separator: ", ") + "}")
    }

    /// Rounds for printing: `digits` decimals.
    static func rounded(_ x: Double, _ digits: Int) -> Double {
        let s = Foundation.pow(10, Double(digits))
        return (x * s).rounded() / s
    }
}

/// A benchmark that cannot run (missing data, unreadable file); the message names the
/// workload and the path.
extension BenchSupport {
    /// One training step of a character language model on the windows of `data` that begin at
    /// `starts`: inputs `data[s ..< s + length]`, targets shifted by one symbol. Returns the loss.
    static func languageModelStep(data: [Int32], starts: [Int], length T: Int, vocabulary V: Int,
                                  logits: (IntTensor) -> Tensor, optimizer: Optimizer) -> Float {
        var xs = [Int32](), ys = [Int32]()
        xs.reserveCapacity(starts.count * T); ys.reserveCapacity(starts.count * T)
        for start in starts {
            xs += data[start..<(start + T)]
            ys += data[(start + 1)...(start + T)]
        }
        let x = IntTensor(shape: [starts.count, T], scalars: xs), y = IntTensor(shape: [starts.count * T], scalars: ys)
        let loss = Loss.crossEntropy(logits(x).reshaped([-1, V]), y)
        optimizer.zeroGrad()
        loss.backward()
        optimizer.step()
        return loss.item
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
