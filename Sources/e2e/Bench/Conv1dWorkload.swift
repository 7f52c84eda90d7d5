import EndToEnd
import EndToEndNN
import Foundation

/// `scripts/peers/bench_conv1d.py`: the voice application's end-to-end network (an M5-style
/// 1-D CNN on raw 16 kHz waveforms, `VoiceEndToEnd.layers`): conv(1→16, k 64, stride 8),
/// then conv(16→32, k 5, pad 2), conv(32→64, k 3, pad 1), conv(64→64, k 3, pad 1), each
/// followed by batch norm and ReLU, the first three by max-pool 4; a global average over
/// time and a linear map to 12 classes. Adam 3e-3, batch 32, clips of 1 s (16,000 samples).
///
/// The data are ``clipCount`` generated waveforms (``waveform(_:)``, a formula that numpy
/// evaluates identically); step `s` takes clips `s·32 mod 256 ..< +32` in order, so both
/// frameworks see the same batches. 5 warm-up steps (`--warmup`), then `steps` timed steps; samples/s
/// counts clips.
enum Conv1dWorkload {
    static let batch = 32, length = 16_000, classes = 12, clipCount = 256
    static let learningRate: Float = 3e-3
    static let defaultWarmup = 5

    struct Result {
        let millisecondsPerStep: Double
        let samplesPerSecond: Double
        let loss: Float
        /// The losses of the warm-up steps, the first steps from the initial weights.
        let firstLosses: [Float]
    }

    /// The model; its parameters are named `layers.N.*`, as in the PyTorch peer (an
    /// `nn.Sequential` named `layers`), so that `--save-init` state dicts load there unchanged.
    static func network() -> Sequential {
        Sequential(
            Conv1d(1, 16, kernelSize: 64, stride: 8), BatchNorm1d(16), ReLU(), MaxPool1d(4),
            Conv1d(16, 32, kernelSize: 5, padding: 2), BatchNorm1d(32), ReLU(), MaxPool1d(4),
            Conv1d(32, 64, kernelSize: 3, padding: 1), BatchNorm1d(64), ReLU(), MaxPool1d(4),
            Conv1d(64, 64, kernelSize: 3, padding: 1), BatchNorm1d(64), ReLU(),
            GlobalAvgPool1d(), Linear(64, classes))
    }

    /// Class of clip `i`: `i mod 12`.
    static func label(_ i: Int) -> Int { i % classes }

    /// Clip `i`: a tone whose pitch depends on the class, a partial at 2.5× that pitch with a
    /// slow 3 Hz tremolo, and a clip-dependent phase and detuning, computed in double precision.
    static func waveform(_ i: Int) -> [Float] {
        let c = Double(label(i))
        let f = 120 + 35 * c + 3 * Double(i % 7)
        let w = 2 * Double.pi / 16_000
        let di = Double(i)
        return (0..<length).map { t in
            let tt = Double(t)
            let a = 0.6 * sin(w * f * tt + 0.37 * di)
            let b = 0.3 * sin(w * 2.5 * f * tt + 0.11 * di) * (0.5 + 0.5 * sin(w * 3 * tt + di))
            return Float(a + b)
        }
    }

    static func run(steps timed: Int, warmup: Int = defaultWarmup, seed: UInt64, saveInitial: URL?) throws -> Result {
        var clips = [Float]()
        clips.reserveCapacity(clipCount * length)
        for i in 0..<clipCount { clips += waveform(i) }
        let all = Tensor(shape: [clipCount, 1, length], scalars: clips)
        Random.seed(seed)
        let net = network()
        if let saveInitial { try net.save(to: saveInitial) }
        let optimizer = Adam(net.parameters(), learningRate: learningRate)
        var s = 0
        func step() -> Float {
            let first = (s * batch) % clipCount
            s += 1
            let x = all.sliced(axis: 0, first..<(first + batch)).contiguous()
            let y = IntTensor((first..<(first + batch)).map(label))
            let loss = Loss.crossEntropy(net(x), y)
            optimizer.zeroGrad()
            loss.backward()
            optimizer.step()
            return loss.item
        }
        let firstLosses = (0..<warmup).map { _ in step() }
        let t0 = BenchSupport.now()
        var last: Float = 0
        for _ in 0..<timed { last = step() }
        let dt = BenchSupport.now() - t0
        return Result(millisecondsPerStep: 1e3 * dt / Double(timed), samplesPerSecond: Double(batch * timed) / dt,
                      loss: last, firstLosses: firstLosses)
    }
}
