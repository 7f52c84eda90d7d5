import EndToEnd
import EndToEndNN

/// The recurrent cell of a configured `rnn`, `lstm` or `gru` layer.
public enum RecurrentCellKind: String, Sendable, Equatable {
    case rnnTanh = "rnn_tanh", rnnReLU = "rnn_relu", lstm, gru
}

/// Keeps the last step of a batch-first sequence, `[B, T, F] -> [B, F]`: what a
/// configured recurrent layer with `return: last` (the default) hands to the next layer
/// of its `Sequential`, which then sees one vector per example, as a classifier head needs.
public final class LastTimeStep: Module, @unchecked Sendable {
    public override init() { super.init() }

    public override func forward(_ x: Tensor) -> Tensor {
        precondition(x.rank == 3 && x.shape[1] > 0, "LastTimeStep: expected a [batch, steps, features] sequence, got \(x.shape)")
        return x.selecting(axis: 1, x.shape[1] - 1)
    }
}
