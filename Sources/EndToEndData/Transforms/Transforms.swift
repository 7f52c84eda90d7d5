import EndToEnd

/// A transform of a whole batch, drawing all its randomness from the given generator (so it
/// is deterministic for a seed). ``DataLoader`` runs it on each batch after collation.
public typealias BatchTransform = @Sendable (inout Batch, inout RandomGenerator) -> Void

/// Batch transforms for images, in the spirit of `torchvision.transforms`.
///
/// Inputs are `[..., C, H, W]`: the last three dimensions are one image, and every leading
/// index (e.g. `B`, or `B, k` for k-tuples of images) is a separate image that gets its own
/// random draws, in row-major order of the leading indices.
///
/// ```swift
/// let augment = Transforms.compose(
///     Transforms.randomCrop(size: 28, padding: 4),
///     Transforms.randomHorizontalFlip(),
///     Transforms.normalize(mean: [0.1307], std: [0.3081]))
/// ```
public enum Transforms {
    /// Applies `transforms` in order.
    public static func compose(_ transforms: [BatchTransform]) -> BatchTransform {
        { batch, rng in
            for t in transforms { t(&batch, &rng) }
        }
    }

    /// Applies `transforms` in order.
    public static func compose(_ transforms: BatchTransform...) -> BatchTransform { compose(transforms) }

    /// `(x - mean[c]) / std[c]` per channel `c`; one value broadcasts to all channels.
    public static func normalize(mean: [Float], std: [Float]) -> BatchTransform {
        precondition(!mean.isEmpty && mean.count == std.count, "Transforms.normalize: mean \(mean) and std \(std) must have the same non-zero length")
        precondition(std.allSatisfy { $0 != 0 }, "Transforms.normalize: std must be non-zero, got \(std)")
        return { batch, _ in batch.inputs = normalized(batch.inputs, mean: mean, std: std) }
    }

    /// Per-channel normalization of `[..., C, H, W]` images.
    public static func normalized(_ images: Tensor, mean: [Float], std: [Float]) -> Tensor {
        let (m, c, h, w) = imageDims(images, op: "normalize")
        precondition(mean.count == 1 || mean.count == c, "Transforms.normalize: \(mean.count) means for \(c) channels in shape \(images.shape)")
        let plane = h * w
        let scale = std.map { 1 / $0 }
        var out = images.contiguousCopy()
        out.withUnsafeMutableData { p, _ in
            for i in 0..<m {
                for ch in 0..<c {
                    let k = mean.count == 1 ? 0 : ch
                    let mu = mean[k], s = scale[k]
                    let base = p + (i * c + ch) * plane
                    for j in 0..<plane { base[j] = (base[j] - mu) * s }
                }
            }
        }
        return out
    }

    /// A random `size` × `size` crop of each image after zero-padding `padding` pixels on
    /// every side (torchvision `RandomCrop(size, padding=padding)`).
    public static func randomCrop(size: Int, padding: Int = 0) -> BatchTransform {
        randomCrop(height: size, width: size, padding: padding)
    }

    /// A random `height` × `width` crop of each image after zero-padding `padding` pixels.
    public static func randomCrop(height: Int, width: Int, padding: Int = 0) -> BatchTransform {
        precondition(height > 0 && width > 0 && padding >= 0, "Transforms.randomCrop: bad size \(height)x\(width) or padding \(padding)")
        return { batch, rng in
            let (m, _, h, w) = imageDims(batch.inputs, op: "randomCrop")
            precondition(h + 2 * padding >= height && w + 2 * padding >= width,
                         "Transforms.randomCrop: crop \(height)x\(width) is larger than the padded image \(h + 2 * padding)x\(w + 2 * padding)")
            var offsets: [(top: Int, left: Int)] = []
            offsets.reserveCapacity(m)
            for _ in 0..<m {
                let top = rng.nextInt(below: h + 2 * padding - height + 1)
                let left = rng.nextInt(below: w + 2 * padding - width + 1)
                offsets.append((top, left))
            }
            batch.inputs = cropped(batch.inputs, height: height, width: width, padding: padding, offsets: offsets)
        }
    }

    /// Crops image `i` of `[..., C, H, W]` to `height` × `width` starting at `offsets[i]` in
    /// the image zero-padded by `padding` pixels on every side: output pixel `(y, x)` is
    /// input pixel `(y + top - padding, x + left - padding)`, or 0 outside the image.
    public static func cropped(_ images: Tensor, height: Int, width: Int, padding: Int, offsets: [(top: Int, left: Int)]) -> Tensor {
        let (m, c, h, w) = imageDims(images, op: "crop")
        precondition(offsets.count == m, "Transforms.crop: \(offsets.count) offsets for \(m) images")
        let lead = Array(images.shape.dropLast(3))
        return images.withContiguousData { src in
            Tensor(shape: lead + [c, height, width]) { dst, _ in
                for i in 0..<m {
                    let dy = offsets[i].top - padding, dx = offsets[i].left - padding
                    // Output columns whose source column is inside the image.
                    let x0 = max(0, -dx), x1 = min(width, w - dx)
                    for ch in 0..<c {
                        let s = src + (i * c + ch) * h * w
                        let d = dst + (i * c + ch) * height * width
                        for y in 0..<height {
                            let row = d + y * width
                            let sy = y + dy
                            if sy < 0 || sy >= h || x0 >= x1 {
                                row.initialize(repeating: 0, count: width)
                                continue
                            }
                            if x0 > 0 { row.initialize(repeating: 0, count: x0) }
                            (row + x0).update(from: s + sy * w + x0 + dx, count: x1 - x0)
                            if x1 < width { (row + x1).initialize(repeating: 0, count: width - x1) }
                        }
                    }
                }
            }
        }
    }

    /// Mirrors each image left-right with probability `p`.
    public static func randomHorizontalFlip(p: Float = 0.5) -> BatchTransform {
        { batch, rng in
            let (m, _, _, _) = imageDims(batch.inputs, op: "randomHorizontalFlip")
            var mask = [Bool](repeating: false, count: m)
            for i in 0..<m { mask[i] = rng.nextUniform() < p }
            if mask.contains(true) { batch.inputs = horizontallyFlipped(batch.inputs, mask: mask) }
        }
    }

    /// Mirrors left-right the images where `mask` is true (all of them when nil).
    public static func horizontallyFlipped(_ images: Tensor, mask: [Bool]? = nil) -> Tensor {
        let (m, c, h, w) = imageDims(images, op: "horizontalFlip")
        precondition(mask == nil || mask!.count == m, "Transforms.horizontalFlip: mask has \(mask!.count) entries for \(m) images")
        var out = images.contiguousCopy()
        out.withUnsafeMutableData { p, _ in
            for i in 0..<m where mask?[i] ?? true {
                for r in 0..<(c * h) {
                    let row = p + (i * c * h + r) * w
                    var a = 0, b = w - 1
                    while a < b {
                        let t = row[a]; row[a] = row[b]; row[b] = t
                        a += 1; b -= 1
                    }
                }
            }
        }
        return out
    }

    /// Photometric jitter per image: brightness `x * b` with `b` uniform in
    /// `[max(0, 1 - brightness), 1 + brightness]`; contrast `(x - mean) * c + mean` with
    /// `c` drawn likewise from `contrast` and `mean` the image's mean; then additive Gaussian
    /// noise of standard deviation `noiseStd`. After each step values are clamped to
    /// `clamp` (nil: no clamping). Zero parameters skip their step (and its draws).
    public static func jitter(brightness: Float = 0, contrast: Float = 0, noiseStd: Float = 0, clamp: ClosedRange<Float>? = 0...1) -> BatchTransform {
        precondition(brightness >= 0 && contrast >= 0 && noiseStd >= 0, "Transforms.jitter: parameters must be non-negative")
        return { batch, rng in
            let (m, c, h, w) = imageDims(batch.inputs, op: "jitter")
            let n = c * h * w
            var out = batch.inputs.contiguousCopy()
            out.withUnsafeMutableData { p, _ in
                @inline(__always) func clampAll(_ x: UnsafeMutablePointer<Float>) {
                    guard let clamp else { return }
                    for j in 0..<n { x[j] = min(max(x[j], clamp.lowerBound), clamp.upperBound) }
                }
                for i in 0..<m {
                    let x = p + i * n
                    if brightness > 0 {
                        let lo = max(0, 1 - brightness)
                        let f = lo + (1 + brightness - lo) * rng.nextUniform()
                        for j in 0..<n { x[j] *= f }
                        clampAll(x)
                    }
                    if contrast > 0 {
                        let lo = max(0, 1 - contrast)
                        let f = lo + (1 + contrast - lo) * rng.nextUniform()
                        var sum: Float = 0
                        for j in 0..<n { sum += x[j] }
                        let mean = sum / Float(n)
                        for j in 0..<n { x[j] = (x[j] - mean) * f + mean }
                        clampAll(x)
                    }
                    if noiseStd > 0 {
                        for j in 0..<n { x[j] += noiseStd * rng.nextNormal() }
                        clampAll(x)
                    }
                }
            }
            batch.inputs = out
        }
    }

    /// `(images, channels, height, width)` of a `[..., C, H, W]` tensor.
    static func imageDims(_ t: Tensor, op: String) -> (Int, Int, Int, Int) {
        precondition(t.rank >= 3, "Transforms.\(op): expects images [..., C, H, W], got shape \(t.shape)")
        let s = t.shape
        let c = s[s.count - 3], h = s[s.count - 2], w = s[s.count - 1]
        return (s.dropLast(3).reduce(1, *), c, h, w)
    }
}
