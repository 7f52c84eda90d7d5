import ArgumentParser
import EndToEnd
import EndToEndData
import EndToEndKernels
import Foundation

/// `e2e bench WORKLOAD`: throughput benchmarks with the recipes of the PyTorch peers in
/// ../shared/peers (bench_train.py, bench_lstm.py, bench_tiny.py, bench_gemm.py) and
/// scripts/peers (bench_transformer.py, bench_conv1d.py), so that `scripts/side_by_side.py`
/// can compare them run for run.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a benchmark workload and print its throughput.",
        discussion: """
            Workloads (the recipes of the PyTorch peer scripts):
              mlp   784-512-256-10 MLP on Fashion-MNIST, SGD momentum, batch 128: samples/s per epoch, test accuracy
              cnn   two 5x5 convolutions + two linear layers on Fashion-MNIST, Adam, batch 64: samples/s, test accuracy
              lstm  character LSTM (embedding 64, hidden 256, seq 64, batch 32) on the license texts: tokens/s
              tiny  784-32-10 MLP, batch 16: per-step overhead in microseconds, steps/s
              gemm  square float32 matmul, GFLOP/s per size
              transformer  character transformer LM (context 128, batch 32, width 128, 4 heads, 2 pre-norm layers, FF 512) on Jane Austen's novels (r-cran-janeaustenr): tokens/s
              conv1d  the voice app's M5-style 1-D CNN on generated 1 s 16 kHz waveforms, Adam, batch 32: samples/s
            transformer --dump-text FILE writes the text it trains on (the PyTorch peer reads it) and exits.
            With --json the last line is one JSON object that includes peak_rss_mib (VmHWM).
            """
    )

    static let workloads = ["mlp", "cnn", "lstm", "tiny", "gemm", "transformer", "conv1d"]

    @Argument(help: "Workload: mlp, cnn, lstm, tiny, gemm, transformer or conv1d.")
    var workload: String

    @OptionGroup var threads: ThreadOptions

    @Option(help: "Epochs for mlp and cnn.")
    var epochs: Int = 1

    @Option(help: "Timed steps for lstm (default 200), tiny (default 5000), transformer (default 20) and conv1d (default 30).")
    var steps: Int?

    @Option(help: "Untimed warm-up steps for transformer (default 3) and conv1d (default 5); their losses are reported as first_losses.")
    var warmup: Int?

    @Option(help: "Seed for initialization and data order.")
    var seed: UInt64 = 0

    @Option(help: "Fashion-MNIST directory for mlp and cnn.")
    var data: String = FashionMNIST.defaultDirectory.path

    @Option(help: "Directory of text files for lstm.")
    var text: String = "/usr/share/common-licenses"

    @Option(help: "Text file for transformer (read as bytes) instead of the janeaustenr novels.")
    var textFile: String?

    @Option(help: "transformer: write the training text (UTF-8) to this file and exit, for the PyTorch peer.")
    var dumpText: String?

    @Option(help: "transformer and conv1d: save the initial weights (safetensors, PyTorch names) to this file, for the peer's --init.")
    var saveInit: String?

    @Option(help: "GEMM backend: auto (OpenBLAS when installed), blas, or swift.")
    var backend: String = "auto"

    @Option(help: "Comma-separated matrix sizes for gemm.")
    var sizes: String = "256,512,1024,2048"

    @Flag(help: "Print one JSON object as the last line.")
    var json = false

    func validate() throws {
        guard Self.workloads.contains(workload) else {
            throw ValidationError("unknown workload '\(workload)'; available: \(Self.workloads.joined(separator: ", "))")
        }
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        if let steps, steps < 1 { throw ValidationError("--steps must be at least 1, got \(steps)") }
        if let warmup {
            guard warmup >= 0 else { throw ValidationError("--warmup must be at least 0, got \(warmup)") }
            guard ["transformer", "conv1d"].contains(workload) else {
                throw ValidationError("--warmup applies to the transformer and conv1d workloads only")
            }
        }
        if dumpText != nil || textFile != nil, workload != "transformer" {
            throw ValidationError("--dump-text and --text-file apply to the transformer workload only")
        }
        if saveInit != nil, !["transformer", "conv1d"].contains(workload) {
            throw ValidationError("--save-init applies to the transformer and conv1d workloads only")
        }
    }

    func run() throws {
        try threads.apply()
        let preference = try checkedBackend()
        do {
            try GEMM.withBackend(preference) { try runWorkload() }
        } catch let e as BenchError {
            RunSupport.err("error: \(e.description)")
            throw ExitCode(1)
        } catch let e as DataError {
            RunSupport.err("error: bench \(workload): \(e)")
            throw ExitCode(1)
        }
    }

    func runWorkload() throws {
        switch workload {
        case "mlp": try runClassification(MLPWorkload.make(seed: seed))
        case "cnn": try runClassification(CNNWorkload.make(seed: seed))
        case "lstm": try runLSTM()
        case "tiny": runTiny()
        case "transformer": try runTransformer()
        case "conv1d": try runConv1d()
        default: try runGEMM()
        }
    }

    var backendPreference: GEMM.BackendPreference {
        get throws {
            switch backend {
            case "auto": return .automatic
            case "blas": return .blas
            case "swift": return .swift
            default: throw ValidationError("--backend must be auto, blas or swift, got '\(backend)'")
            }
        }
    }

    /// The chosen GEMM backend, refused when it cannot be loaded.
    func checkedBackend() throws -> GEMM.BackendPreference {
        let preference = try backendPreference
        if preference == .blas && !BLAS.isAvailable {
            throw ValidationError("--backend blas: no BLAS library could be loaded (\(BLAS.loadFailureReason ?? "unknown reason")); install Debian's libopenblas0-pthread")
        }
        return preference
    }

    func runClassification(_ bench: ImageClassification) throws {
        let results = try bench.run(epochs: epochs, seed: seed, directory: URL(fileURLWithPath: data))
        if json { BenchSupport.printJSON(workload: workload, ImageClassification.fields(results, seed: seed)) }
    }

    func runLSTM() throws {
        let r = try LSTMWorkload.run(steps: steps ?? 200, seed: seed, textDirectory: text)
        RunSupport.out("lstm text_chars=\(r.textCharacters) steps=\(steps ?? 200) ms_per_step=\(String(format: "%.2f", r.millisecondsPerStep)) tokens_per_s=\(Int(r.tokensPerSecond)) loss=\(String(format: "%.3f", r.loss))")
        if json {
            BenchSupport.printJSON(workload: "lstm", [
                ("seed", .integer(Int(seed))), ("steps", .integer(steps ?? 200)), ("text_chars", .integer(r.textCharacters)),
                ("ms_per_step", .number(BenchSupport.rounded(r.millisecondsPerStep, 3))),
                ("tokens_per_s", .number(r.tokensPerSecond.rounded())), ("loss", .number(BenchSupport.rounded(Double(r.loss), 4)))])
        }
    }

    func runTransformer() throws {
        let bytes = try TransformerWorkload.text(file: textFile)
        if let dumpText {
            try AtomicFile.write(Data(bytes), to: URL(fileURLWithPath: dumpText))
            RunSupport.out("transformer: wrote \(bytes.count) bytes of text to \(dumpText)")
            return
        }
        let n = steps ?? 20
        let r = try TransformerWorkload.run(steps: n, warmup: warmup ?? TransformerWorkload.defaultWarmup, seed: seed, bytes: bytes, saveInitial: saveInit.map { URL(fileURLWithPath: $0) })
        RunSupport.out("transformer text_bytes=\(r.textBytes) steps=\(n) ms_per_step=\(String(format: "%.2f", r.millisecondsPerStep)) tokens_per_s=\(Int(r.tokensPerSecond)) loss=\(String(format: "%.3f", r.loss)) first_losses=\(r.firstLosses.map { String(format: "%.4f", $0) }.joined(separator: ","))")
        if json {
            BenchSupport.printJSON(workload: "transformer", [
                ("seed", .integer(Int(seed))), ("steps", .integer(n)), ("warmup", .integer(r.firstLosses.count)), ("text_bytes", .integer(r.textBytes)),
                ("ms_per_step", .number(BenchSupport.rounded(r.millisecondsPerStep, 3))),
                ("tokens_per_s", .number(r.tokensPerSecond.rounded())), ("loss", .number(BenchSupport.rounded(Double(r.loss), 4))),
                ("first_losses", .numbers(r.firstLosses.map { BenchSupport.rounded(Double($0), 4) }))])
        }
    }

    func runConv1d() throws {
        let n = steps ?? 30
        let r = try Conv1dWorkload.run(steps: n, warmup: warmup ?? Conv1dWorkload.defaultWarmup, seed: seed, saveInitial: saveInit.map { URL(fileURLWithPath: $0) })
        RunSupport.out("conv1d steps=\(n) ms_per_step=\(String(format: "%.2f", r.millisecondsPerStep)) samples_per_s=\(String(format: "%.1f", r.samplesPerSecond)) loss=\(String(format: "%.3f", r.loss)) first_losses=\(r.firstLosses.map { String(format: "%.4f", $0) }.joined(separator: ","))")
        if json {
            BenchSupport.printJSON(workload: "conv1d", [
                ("seed", .integer(Int(seed))), ("steps", .integer(n)), ("warmup", .integer(r.firstLosses.count)),
                ("ms_per_step", .number(BenchSupport.rounded(r.millisecondsPerStep, 3))),
                ("samples_per_s", .number(BenchSupport.rounded(r.samplesPerSecond, 1))), ("loss", .number(BenchSupport.rounded(Double(r.loss), 4))),
                ("first_losses", .numbers(r.firstLosses.map { BenchSupport.rounded(Double($0), 4) }))])
        }
    }

    func runTiny() {
        let n = steps ?? 5000
        let r = TinyWorkload.run(steps: n)
        RunSupport.out("tiny steps=\(n) us_per_step=\(String(format: "%.1f", r.microsecondsPerStep)) steps_per_s=\(Int(r.stepsPerSecond))")
        if json {
            BenchSupport.printJSON(workload: "tiny", [
                ("steps", .integer(n)), ("us_per_step", .number(BenchSupport.rounded(r.microsecondsPerStep, 2))),
                ("steps_per_s", .number(r.stepsPerSecond.rounded()))])
        }
    }

    func runGEMM() throws {
        let ns = try sizes.split(separator: ",").map { s -> Int in
            guard let n = Int(s.trimmingCharacters(in: .whitespaces)), n > 0 else {
                throw ValidationError("--sizes: '\(s)' is not a positive integer")
            }
            return n
        }
        let (results, used) = GEMMWorkload.run(sizes: ns, backend: try backendPreference)
        for r in results {
            print("gemm n=\(r.n) threads=\(Threading.threadCount) backend=\(used): \(String(format: "%.1f", r.gflops)) GFLOP/s")
        }
        if json {
            let g = results.map { "\"\($0.n)\": \(String(format: "%.1f", $0.gflops))" }.joined(separator: ", ")
            var line = "{\"workload\": \"gemm\", \"gflops\": {\(g)}, \"backend\": \"\(used)\", \"threads\": \(Threading.threadCount)"
            if let rss = BenchSupport.peakResidentMiB() { line += ", \"peak_rss_mib\": \(BenchSupport.rounded(rss, 1))" }
            print(line + "}")
        }
    }
}
