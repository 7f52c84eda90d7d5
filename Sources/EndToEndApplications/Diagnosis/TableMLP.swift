/// The end-to-end model of the table: an MLP from the 30 raw measurements (batch norm first,
/// so no hand standardization) to the diagnosis.
public enum TableMLP {
    public static let layers = ["{type: batchnorm1d}", "{type: linear, out: 32}", "relu", "{type: linear, out: 2}"]
    public static let optimizer = "{type: adam, lr: 0.003}"
    public static let batchSize = 32
    /// Hand-set constants: the hidden width, learning rate, batch size and epochs.
    public static let handSetConstants = 4
}
