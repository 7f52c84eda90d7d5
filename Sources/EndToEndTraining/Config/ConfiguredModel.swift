import EndToEnd
import EndToEndNN

/// The model a config's `model.layers` builds: one module per configured layer, applied in
/// order and named by the layer's index, so its state dict reads `0.weight`, `2.bias`,
/// exactly as PyTorch's `nn.Sequential` of the same layers names it.
///
/// What a layer needs besides its module adds no module of its own, so no index shifts:
/// a first `linear` layer on multi-dimensional examples flattens them first
/// (``flattensInput``), and a recurrent layer with `return: last` keeps the last step of
/// its output sequence (``keepsLastStep``).
public final class ConfiguredModel: Module, @unchecked Sendable {
    /// The modules, one per configured layer.
    public let layers: [Module]
    /// Whether inputs are flattened to `[batch, features]` before the first layer.
    public let flattensInput: Bool
    /// For each layer, whether only its output's last time step (`[B, T, F] -> [B, F]`)
    /// goes on to the next layer.
    public let keepsLastStep: [Bool]

    public init(layers: [Module], flattensInput: Bool = false, keepsLastStep: [Bool]? = nil) {
        precondition(keepsLastStep == nil || keepsLastStep!.count == layers.count,
                     "ConfiguredModel: keepsLastStep has \(keepsLastStep!.count) entries for \(layers.count) layers")
        self.layers = layers
        self.flattensInput = flattensInput
        self.keepsLastStep = keepsLastStep ?? Array(repeating: false, count: layers.count)
        super.init()
    }

    public override func namedChildren() -> [(String, Module)] {
        layers.enumerated().map { (String($0.offset), $0.element) }
    }

    public override func forward(_ x: Tensor) -> Tensor {
        let h = flattensInput ? x.flattened(startAxis: 1) : x
        guard keepsLastStep.contains(true) else {
            // A linear or convolution layer followed by relu runs as one op (same values).
            return ReLUFusion.apply(layers, to: h)
        }
        return zip(layers, keepsLastStep).reduce(h) { h, step in step.1 ? Self.lastStep(step.0(h)) : step.0(h) }
    }

    static func lastStep(_ x: Tensor) -> Tensor {
        precondition(x.rank == 3 && x.shape[1] > 0, "ConfiguredModel: expected a [batch, steps, features] sequence, got \(x.shape)")
        return x.selecting(axis: 1, x.shape[1] - 1)
    }

    /// Before PyTorch's names, a config-built model was a `Sequential` with a `Flatten`
    /// in front of a first `linear` layer and a module after each `return: last` recurrent
    /// layer, so its files name layer `i` `layers.<i + modules added before it>`: map those
    /// names (`layers.1.weight`) to today's (`0.weight`) so that such files keep loading.
    public override func stateDictName(forSaved name: String) -> String {
        guard name.hasPrefix("layers.") else { return name }
        let rest = name.dropFirst("layers.".count)
        guard let dot = rest.firstIndex(of: "."), let legacy = Int(rest[..<dot]) else { return name }
        var index = flattensInput ? 1 : 0
        for (i, last) in keepsLastStep.enumerated() {
            if index == legacy { return "\(i)" + rest[dot...] }
            index += last ? 2 : 1
        }
        return name
    }

    public override var summary: String { "ConfiguredModel(\(layers.count) layers)" }
}
