import EndToEnd
import EndToEndData
import EndToEndNN
import Foundation

/// `scripts/peers/bench_transformer.py`: a character-level transformer language model like
/// the text application's generator (a small GPT: token and learned position embeddings,
/// both normal with std 0.1, pre-norm ``TransformerEncoderLayer`` blocks with causal
/// self-attention, GELU feed-forward layers and no dropout, a final layer norm, a linear
/// map to the next character's scores), trained with Adam 3e-4 on Jane Austen's six novels.
///
/// Context 128, batch 32, width 128, 4 heads, 2 layers, feed-forward 512; the text's UTF-8
/// bytes are the 98 symbols of the lstm workload. Window `i` (row `b` of step `s`,
/// `i = s·32 + b`, warm-up steps included) starts at `(i · 2654435761) mod (N − 129)`: no
/// random generator, so both frameworks train on the same windows in the same order.
/// 3 warm-up steps (`--warmup`), then `steps` timed steps; tokens/s counts the input positions.
enum TransformerWorkload {
    static let context = 128, batch = 32, dModel = 128, heads = 4, layers = 2, feedForward = 512
    static let learningRate: Float = 3e-4
    static let defaultWarmup = 3
    /// The multiplier of the window formula (Knuth's multiplicative hash).
    static let windowMultiplier = 2_654_435_761
    /// The janeaustenr objects, in the order the text is concatenated.
    static let novels = ["sensesensibility", "prideprejudice", "mansfieldpark", "emma", "northangerabbey", "persuasion"]

    struct Result {
        let textBytes: Int
        let millisecondsPerStep: Double
        let tokensPerSecond: Double
        let loss: Float
        /// The losses of the warm-up steps, the first steps from the initial weights.
        let firstLosses: [Float]
    }

    /// The model; property names are those of the PyTorch peer's module, so that state dicts
    /// (`--save-init`) load unchanged on both sides.
    final class CharTransformer: Module, @unchecked Sendable {
        let tok = Embedding(weight: Initializer.normal([LSTMWorkload.vocabulary, TransformerWorkload.dModel], std: 0.1))
        let pos = Embedding(weight: Initializer.normal([TransformerWorkload.context, TransformerWorkload.dModel], std: 0.1))
        let layers = (0..<TransformerWorkload.layers).map { _ in
            TransformerEncoderLayer(dModel: TransformerWorkload.dModel, numHeads: TransformerWorkload.heads,
                                    feedForward: TransformerWorkload.feedForward, dropout: 0, activation: .gelu, normFirst: true)
        }
        let norm = LayerNorm([TransformerWorkload.dModel])
        let head = Linear(TransformerWorkload.dModel, LSTMWorkload.vocabulary)

        /// Ids `[B, T]` (T = context) to scores `[B, T, V]`.
        func logits(_ ids: IntTensor) -> Tensor {
            var h = tok(ids) + pos.weight.value
            for layer in layers { h = layer(h, causal: true) }
            return head(norm(h))
        }
    }

    /// The novels' lines joined with newlines (a newline after each novel), as UTF-8, from
    /// Debian's r-cran-janeaustenr.
    static func austenText() throws -> [UInt8] {
        guard let base = RLazyLoadDatabase.package("janeaustenr") else {
            throw BenchError("transformer: the R package janeaustenr is not installed (apt-get install r-cran-janeaustenr); or pass --text-file FILE")
        }
        let db = try RLazyLoadDatabase(contentsOf: base)
        var text = ""
        for novel in novels {
            text += try db.characterVector(novel).map { $0 ?? "" }.joined(separator: "\n")
            text += "\n"
        }
        return Array(text.utf8)
    }

    /// The training text: the bytes of `file` when given, else ``austenText()``.
    static func text(file: String?) throws -> [UInt8] {
        guard let file else { return try austenText() }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw BenchError("transformer: cannot read the text file \(file)")
        }
        return [UInt8](data)
    }

    static func run(steps timed: Int, warmup: Int = defaultWarmup, seed: UInt64, bytes: [UInt8], saveInitial: URL?) throws -> Result {
        let data = LSTMWorkload.symbols(bytes)
        let T = context, B = batch, V = LSTMWorkload.vocabulary
        guard data.count > T + 1 else {
            throw BenchError("transformer: the text has \(data.count) bytes, fewer than one window of \(T + 1)")
        }
        Random.seed(seed)
        let net = CharTransformer()
        if let saveInitial { try net.save(to: saveInitial) }
        let optimizer = Adam(net.parameters(), learningRate: learningRate)
        let span = data.count - T - 1
        var window = 0
        func step() -> Float {
            let starts = (0..<B).map { _ in
                defer { window += 1 }
                return (window * windowMultiplier) % span
            }
            return BenchSupport.languageModelStep(data: data, starts: starts, length: T, vocabulary: V,
                                                  logits: net.logits, optimizer: optimizer)
        }
        let first = (0..<warmup).map { _ in step() }
        let t0 = BenchSupport.now()
        var last: Float = 0
        for _ in 0..<timed { last = step() }
        let dt = BenchSupport.now() - t0
        return Result(textBytes: data.count, millisecondsPerStep: 1e3 * dt / Double(timed),
                      tokensPerSecond: Double(B * T * timed) / dt, loss: last, firstLosses: first)
    }
}
