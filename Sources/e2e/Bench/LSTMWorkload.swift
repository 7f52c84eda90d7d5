import EndToEnd
import EndToEndNN
import Foundation

/// `bench_lstm.py`: a character LSTM (embedding 64, LSTM hidden 256, batch-first, linear
/// to the 98-symbol vocabulary) on random windows of the license texts in
/// /usr/share/common-licenses, seq 64, batch 32, Adam 2e-3; 10 warm-up steps, then
/// `steps` timed steps.
enum LSTMWorkload {
    static let batch = 32, steps = 64, embedding = 64, hidden = 256
    /// Printable ASCII 32...126, newline, tab; every other byte is symbol 97.
    static let vocabulary = 98

    struct Result {
        let textCharacters: Int
        let millisecondsPerStep: Double
        let tokensPerSecond: Double
        let loss: Float
    }

    /// The symbol ids of `bytes`: printable ASCII 32...126 are 0...94, newline 95, tab 96,
    /// every other byte 97 (the transformer workload uses the same symbols).
    static func symbols(_ bytes: some Collection<UInt8>) -> [Int32] {
        var ids: [Int32] = []
        ids.reserveCapacity(bytes.count)
        for b in bytes {
            switch b {
            case 32...126: ids.append(Int32(b) - 32)
            case 10: ids.append(95)
            case 9: ids.append(96)
            default: ids.append(97)
            }
        }
        return ids
    }

    /// The symbol ids of every non-gzip file in `directory`, in sorted name order, read as
    /// Latin-1 (one byte, one character), like the peer script.
    static func loadText(directory: String) throws -> [Int32] {
        let fm = FileManager.default
        let names: [String]
        do { names = try fm.contentsOfDirectory(atPath: directory) } catch {
            throw BenchError("lstm: cannot list the text directory \(directory): \(error.localizedDescription)")
        }
        var ids: [Int32] = []
        for name in names.sorted() where !name.hasPrefix(".") && !name.hasSuffix(".gz") {
            let path = directory + "/" + name
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else { continue }
            guard let bytes = fm.contents(atPath: path) else {
                throw BenchError("lstm: cannot read \(path)")
            }
            ids += symbols(bytes)
        }
        guard ids.count > steps + 1 else {
            throw BenchError("lstm: the text in \(directory) has \(ids.count) characters, fewer than one window of \(steps + 1)")
        }
        return ids
    }

    final class CharLSTM: Module, @unchecked Sendable {
        let embedding = Embedding(LSTMWorkload.vocabulary, LSTMWorkload.embedding)
        let lstm = LSTM(inputSize: LSTMWorkload.embedding, hiddenSize: LSTMWorkload.hidden, batchFirst: true)
        let output = Linear(LSTMWorkload.hidden, LSTMWorkload.vocabulary)

        func logits(_ ids: IntTensor) -> Tensor {
            output(lstm(embedding(ids)))
        }
    }

    static func run(steps timed: Int, seed: UInt64, textDirectory: String, warmup: Int = 10) throws -> Result {
        let data = try loadText(directory: textDirectory)
        Random.seed(seed)
        let net = CharLSTM()
        let optimizer = Adam(net.parameters(), learningRate: 2e-3)
        var rng = RandomGenerator(seed: seed &+ 1)
        let T = steps, B = batch, V = vocabulary
        func step() -> Float {
            let starts = (0..<B).map { _ in rng.nextInt(below: data.count - T - 1) }
            return BenchSupport.languageModelStep(data: data, starts: starts, length: T, vocabulary: V,
                                                  logits: net.logits, optimizer: optimizer)
        }
        for _ in 0..<warmup { _ = step() }
        let t0 = BenchSupport.now()
        var last: Float = 0
        for _ in 0..<timed { last = step() }
        let dt = BenchSupport.now() - t0
        return Result(textCharacters: data.count, millisecondsPerStep: 1e3 * dt / Double(timed),
                      tokensPerSecond: Double(B * T * timed) / dt, loss: last)
    }
}
