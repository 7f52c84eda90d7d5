import EndToEnd

/// One example: an input tensor, an integer label or a float target, and optional
/// intermediate targets (e.g. each image's own label in a k-tuple task).
public struct Example: @unchecked Sendable {
    /// The input, e.g. `[1, 28, 28]` for an image.
    public var input: Tensor
    /// The class label, for classification.
    public var label: Int32?
    /// A float target, for regression or multi-output tasks.
    public var target: Tensor?
    /// Named intermediate targets for chosen module outputs.
    public var intermediates: [String: Tensor]

    public init(input: Tensor, label: Int32? = nil, target: Tensor? = nil, intermediates: [String: Tensor] = [:]) {
        self.input = input
        self.label = label
        self.target = target
        self.intermediates = intermediates
    }
}

/// A collection of examples with random access, like PyTorch's map-style `Dataset`.
public protocol Dataset: Sendable {
    /// Number of examples.
    var count: Int { get }
    /// The example at `index` (0 ..< count).
    func example(at index: Int) -> Example
}
