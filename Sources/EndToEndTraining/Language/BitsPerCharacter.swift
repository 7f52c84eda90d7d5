import EndToEnd
import Foundation

/// Bits per character (symbol), the language-model metric: the average of `−log₂ P` that a
/// model gives each held-out symbol; a uniform model over `V` symbols scores `log₂ V`, and
/// every bit less is a halving of the model's average uncertainty.
public enum BitsPerCharacter {
    /// From the probabilities the model gave the symbols that occurred.
    public static func of(probabilities: [Double]) -> Double {
        guard !probabilities.isEmpty else { return .nan }
        return probabilities.reduce(0) { $0 - log2($1) } / Double(probabilities.count)
    }

    /// From a mean cross-entropy in nats (what ``Loss/crossEntropy(_:_:weight:labelSmoothing:reduction:)`` returns).
    public static func of(meanCrossEntropyNats nats: Double) -> Double { nats / log(2) }

    /// From logits `[N, V]` and the symbols that occurred `[N]`, summed over rows in double
    /// precision: returns the total bits and the count, so that windows can be pooled.
    public static func total(logits: Tensor, targets: [Int]) throws -> (bits: Double, count: Int) {
        guard logits.rank == 2, logits.shape[0] == targets.count else {
            throw LanguageModelError("bits per character: logits must be [\(targets.count), V], got \(logits.shape)")
        }
        let v = logits.shape[1]
        let s = logits.contiguous().scalars
        var bits = 0.0
        for (i, y) in targets.enumerated() {
            guard (0..<v).contains(y) else { throw LanguageModelError("bits per character: target \(y) at row \(i) is outside 0..<\(v)") }
            let row = s[(i * v)..<((i + 1) * v)]
            let m = Double(row.max() ?? 0)
            let logZ = m + log(row.reduce(0.0) { $0 + exp(Double($1) - m) })
            bits += (logZ - Double(row[row.startIndex + y])) / log(2)
        }
        return (bits, targets.count)
    }
}
