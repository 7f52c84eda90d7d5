import EndToEnd

/// A single-channel image: `height × width` pixels in row-major order.
///
/// The vision stages (``HOG``, ``SlidingWindow``) read images in this form rather than as
/// tensors because they are hand-designed, per-pixel computations outside the autodiff graph.
public struct GrayImage: Sendable, Hashable {
    public let height: Int
    public let width: Int
    /// Row-major pixel values, `height * width` of them.
    public var pixels: [Float]

    /// An image from row-major pixels; `pixels.count` must be `height * width`.
    public init(height: Int, width: Int, pixels: [Float]) {
        precondition(height > 0 && width > 0, "GrayImage: size must be positive, got \(height)x\(width)")
        precondition(pixels.count == height * width, "GrayImage: \(pixels.count) pixels for a \(height)x\(width) image")
        self.height = height
        self.width = width
        self.pixels = pixels
    }

    /// A constant image.
    public init(height: Int, width: Int, value: Float = 0) {
        self.init(height: height, width: width, pixels: [Float](repeating: value, count: height * width))
    }

    /// The image held in a `[height, width]` tensor (or `[1, height, width]`).
    public init(_ tensor: Tensor) {
        let s = tensor.shape.count == 3 && tensor.shape[0] == 1 ? Array(tensor.shape.dropFirst()) : tensor.shape
        precondition(s.count == 2, "GrayImage: expected a [height, width] tensor, got shape \(tensor.shape)")
        self.init(height: s[0], width: s[1], pixels: tensor.scalars)
    }

    /// The pixel at `row`, `column`.
    public subscript(row: Int, column: Int) -> Float {
        get { pixels[row * width + column] }
        set { pixels[row * width + column] = newValue }
    }

    /// The `height × width` window whose top-left pixel is at `row`, `column` (it must lie inside).
    public func crop(row: Int, column: Int, height h: Int, width w: Int) -> GrayImage {
        precondition(row >= 0 && column >= 0 && row + h <= height && column + w <= width,
                     "GrayImage.crop: window \(h)x\(w) at (\(row), \(column)) leaves the \(height)x\(width) image")
        var out = [Float](repeating: 0, count: h * w)
        for r in 0..<h {
            for c in 0..<w { out[r * w + c] = pixels[(row + r) * width + column + c] }
        }
        return GrayImage(height: h, width: w, pixels: out)
    }

    /// Copies `patch` into this image with its top-left pixel at `row`, `column`.
    public mutating func paste(_ patch: GrayImage, row: Int, column: Int) {
        precondition(row >= 0 && column >= 0 && row + patch.height <= height && column + patch.width <= width,
                     "GrayImage.paste: \(patch.height)x\(patch.width) patch at (\(row), \(column)) leaves the \(height)x\(width) image")
        for r in 0..<patch.height {
            for c in 0..<patch.width { pixels[(row + r) * width + column + c] = patch.pixels[r * patch.width + c] }
        }
    }

    /// The image as a `[1, height, width]` tensor (one channel, for convolutions).
    public var tensor: Tensor { Tensor(shape: [1, height, width], scalars: pixels) }
}
