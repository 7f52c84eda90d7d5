import EndToEnd

/// 2-D max pooling (PyTorch's `MaxPool2d`); the stride defaults to the kernel size.
public final class MaxPool2d: Module, @unchecked Sendable {
    public let kernelSize: (Int, Int), stride: (Int, Int), padding: (Int, Int)
    public init(kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) {
        self.kernelSize = kernelSize; self.stride = stride ?? kernelSize; self.padding = padding
        super.init()
    }
    public convenience init(_ kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        self.init(kernelSize: (kernelSize, kernelSize), stride: stride.map { ($0, $0) }, padding: (padding, padding))
    }
    public override func forward(_ x: Tensor) -> Tensor { x.maxPool2d(kernelSize: kernelSize, stride: stride, padding: padding) }
    public override var summary: String { "MaxPool2d(\(kernelSize.0)x\(kernelSize.1))" }
}

/// 2-D average pooling (PyTorch's `AvgPool2d`).
public final class AvgPool2d: Module, @unchecked Sendable {
    public let kernelSize: (Int, Int), stride: (Int, Int), padding: (Int, Int), countIncludePad: Bool
    public init(kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0), countIncludePad: Bool = true) {
        self.kernelSize = kernelSize; self.stride = stride ?? kernelSize; self.padding = padding; self.countIncludePad = countIncludePad
        super.init()
    }
    public convenience init(_ kernelSize: Int, stride: Int? = nil, padding: Int = 0, countIncludePad: Bool = true) {
        self.init(kernelSize: (kernelSize, kernelSize), stride: stride.map { ($0, $0) }, padding: (padding, padding), countIncludePad: countIncludePad)
    }
    public override func forward(_ x: Tensor) -> Tensor {
        x.avgPool2d(kernelSize: kernelSize, stride: stride, padding: padding, countIncludePad: countIncludePad)
    }
    public override var summary: String { "AvgPool2d(\(kernelSize.0)x\(kernelSize.1))" }
}

/// Mean over the spatial dimensions: `[N, C, H, W] -> [N, C]`.
public final class GlobalAvgPool2d: Module, @unchecked Sendable {
    public override func forward(_ x: Tensor) -> Tensor { x.globalAvgPool2d() }
}

/// 1-D max pooling over `[N, C, L]` (PyTorch's `MaxPool1d`); the stride defaults to the kernel size.
public final class MaxPool1d: Module, @unchecked Sendable {
    public let kernelSize: Int, stride: Int, padding: Int
    public init(_ kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        self.kernelSize = kernelSize; self.stride = stride ?? kernelSize; self.padding = padding
        super.init()
    }
    public override func forward(_ x: Tensor) -> Tensor { x.maxPool1d(kernelSize: kernelSize, stride: stride, padding: padding) }
    public override var summary: String { "MaxPool1d(\(kernelSize))" }
}

/// 1-D average pooling over `[N, C, L]` (PyTorch's `AvgPool1d`).
public final class AvgPool1d: Module, @unchecked Sendable {
    public let kernelSize: Int, stride: Int, padding: Int, countIncludePad: Bool
    public init(_ kernelSize: Int, stride: Int? = nil, padding: Int = 0, countIncludePad: Bool = true) {
        self.kernelSize = kernelSize; self.stride = stride ?? kernelSize; self.padding = padding; self.countIncludePad = countIncludePad
        super.init()
    }
    public override func forward(_ x: Tensor) -> Tensor {
        x.avgPool1d(kernelSize: kernelSize, stride: stride, padding: padding, countIncludePad: countIncludePad)
    }
    public override var summary: String { "AvgPool1d(\(kernelSize))" }
}

/// Mean over the length: `[N, C, L] -> [N, C]`.
public final class GlobalAvgPool1d: Module, @unchecked Sendable {
    public override func forward(_ x: Tensor) -> Tensor { x.mean(axis: 2) }
}
