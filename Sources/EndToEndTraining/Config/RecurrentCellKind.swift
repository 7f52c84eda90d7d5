import EndToEnd
import EndToEndNN

/// The recurrent cell of a configured `rnn`, `lstm` or `gru` layer.
public enum RecurrentCellKind: String, Sendable, Equatable {
    case rnnTanh = "rnn_tanh", rnnReLU = "rnn_relu", lstm, gru
}
