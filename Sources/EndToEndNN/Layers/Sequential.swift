import EndToEnd

/// Modules applied in order, like `torch.nn.Sequential`. Parameters are named by index:
/// `layers.0.weight`.
public final class Sequential: Module, @unchecked Sendable {
    /// The modules, applied first to last.
    public let layers: [Module]

    public init(_ layers: [Module]) {
        self.layers = layers
        super.init()
    }

    public convenience init(_ layers: Module...) { self.init(layers) }

    /// The layers in order; a `Linear`, `Conv1d` or `Conv2d` followed by a `ReLU` runs as one
    /// op with it (``ReLUFusion``: the same values, one pass fewer each way).
    public override func forward(_ x: Tensor) -> Tensor {
        ReLUFusion.apply(layers, to: x)
    }

    public override var summary: String { "Sequential(\(layers.count) layers)" }
}

/// `x + f(x)`: a residual connection around a module whose output has its input's shape.
public final class Residual: Module, @unchecked Sendable {
    public let body: Module

    public init(_ body: Module) {
        self.body = body
        super.init()
    }

    public override func forward(_ x: Tensor) -> Tensor { x + body(x) }
}

/// Collapses every dimension after the first (the batch): `[N, C, H, W] -> [N, C·H·W]`.
public final class Flatten: Module, @unchecked Sendable {
    public override func forward(_ x: Tensor) -> Tensor { x.flattened(startAxis: 1) }
}
