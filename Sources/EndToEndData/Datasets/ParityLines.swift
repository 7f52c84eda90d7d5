import EndToEnd
import Foundation

/// Parity of k line images (Shalev-Shwartz, Shamir & Shammah 2017, "Failures of
/// Gradient-Based Deep Learning", §3.1).
///
/// Each image is 28×28 with one straight line segment: length uniform in [5, 23], centre
/// uniform in the image, angle θ uniform in [0, π) measured counter-clockwise from the
/// +x axis with y pointing up (so θ in (0, π/2) draws "/" and θ in (π/2, π) draws "\" on
/// screen). The segment is rendered anti-aliased, about 2 pixels wide, into [0, 1] floats
/// and clipped to the image. An image's label is 1 when θ < π/2, else 0; a k-tuple's input is
/// `[k, 1, 28, 28]` and its label is the XOR of the k image labels, which are kept as the
/// intermediate target `"image_labels"` (`[k]` floats 0/1).
///
/// Example `i` is generated from a generator seeded from `(seed, i)`: the same for a seed
/// regardless of access order. ``materialized()`` renders everything into a
/// ``TensorDataset`` once.
public struct ParityLines: BatchCollating {
    /// Side of each image.
    public static let imageSize = 28
    /// Range of segment lengths.
    public static let lengthRange: ClosedRange<Double> = 5...23

    /// Images per tuple.
    public let k: Int
    /// Number of k-tuples.
    public let count: Int
    public let seed: UInt64

    /// One line segment.
    public struct Line: Sendable, Equatable {
        /// Centre, in pixels: x to the right, y down from the top edge (pixel (r, c) covers
        /// [c, c+1] × [r, r+1]).
        public var centerX: Double
        public var centerY: Double
        public var length: Double
        /// Angle in [0, π), counter-clockwise from +x with y pointing up.
        public var angle: Double

        public init(centerX: Double, centerY: Double, length: Double, angle: Double) {
            self.centerX = centerX
            self.centerY = centerY
            self.length = length
            self.angle = angle
        }

        /// 1 when `angle < π/2`, else 0.
        public var label: Int32 { angle < Double.pi / 2 ? 1 : 0 }
    }

    public init(k: Int, count: Int, seed: UInt64) {
        precondition(k >= 1, "ParityLines: k must be at least 1, got \(k)")
        precondition(count >= 0, "ParityLines: count must be non-negative, got \(count)")
        self.k = k
        self.count = count
        self.seed = seed
    }

    /// The k segments of tuple `index`.
    public func lines(at index: Int) -> [Line] {
        precondition(index >= 0 && index < count, "ParityLines: index \(index) is out of range 0..<\(count)")
        var rng = RandomGenerator(seed: SeedMix.combine(seed, UInt64(index)))
        let s = Double(Self.imageSize)
        let (lo, hi) = (Self.lengthRange.lowerBound, Self.lengthRange.upperBound)
        return (0..<k).map { _ in
            let length = lo + (hi - lo) * rng.nextUniformDouble()
            let cx = s * rng.nextUniformDouble()
            let cy = s * rng.nextUniformDouble()
            let angle = Double.pi * rng.nextUniformDouble()
            return Line(centerX: cx, centerY: cy, length: length, angle: angle)
        }
    }

    /// The parity label of tuple `index`.
    public func label(at index: Int) -> Int32 { lines(at: index).reduce(0) { $0 ^ $1.label } }

    public func example(at index: Int) -> Example {
        let b = batch(at: [index])
        return Example(
            input: b.inputs[0], label: b.labels!.scalars[0],
            intermediates: ["image_labels": b.intermediates["image_labels"]![0]])
    }

    /// Renders the tuples at `indices` straight into `[B, k, 1, 28, 28]`.
    public func batch(at indices: [Int]) -> Batch {
        let pixels = Self.imageSize * Self.imageSize
        var labels = [Int32](repeating: 0, count: indices.count)
        var imageLabels = [Float](repeating: 0, count: indices.count * k)
        let inputs = Tensor(shape: [indices.count, k, 1, Self.imageSize, Self.imageSize]) { p, n in
            p.initialize(repeating: 0, count: n)
            for (j, index) in indices.enumerated() {
                var parity: Int32 = 0
                for (m, line) in lines(at: index).enumerated() {
                    Self.render(line, into: p + (j * k + m) * pixels)
                    parity ^= line.label
                    imageLabels[j * k + m] = Float(line.label)
                }
                labels[j] = parity
            }
        }
        return Batch(
            inputs: inputs, labels: IntTensor(shape: [indices.count], scalars: labels),
            intermediates: ["image_labels": Tensor(shape: [indices.count, k], scalars: imageLabels)],
            indices: indices)
    }

    /// All tuples rendered into memory (in parallel; identical to rendering on demand).
    public func materialized() -> TensorDataset {
        let pixels = Self.imageSize * Self.imageSize
        let per = k * pixels
        var labels = [Int32](repeating: 0, count: count)
        var imageLabels = [Float](repeating: 0, count: count * k)
        let chunks = max(1, min(count / 256, 64))
        let inputs = Tensor(shape: [count, k, 1, Self.imageSize, Self.imageSize]) { p, n in
            let base = UnsafeSendable(p)
            labels.withUnsafeMutableBufferPointer { lb in
                imageLabels.withUnsafeMutableBufferPointer { ib in
                    let l = UnsafeSendable(lb.baseAddress), il = UnsafeSendable(ib.baseAddress)
                    DispatchQueue.concurrentPerform(iterations: chunks) { c in
                        let lo = count * c / chunks, hi = count * (c + 1) / chunks
                        guard hi > lo else { return }
                        (base.value + lo * per).initialize(repeating: 0, count: (hi - lo) * per)
                        for index in lo..<hi {
                            var parity: Int32 = 0
                            for (m, line) in lines(at: index).enumerated() {
                                Self.render(line, into: base.value + (index * k + m) * pixels)
                                parity ^= line.label
                                il.value![index * k + m] = Float(line.label)
                            }
                            l.value![index] = parity
                        }
                    }
                }
            }
        }
        return try! TensorDataset(
            inputs: inputs, labels: IntTensor(shape: [count], scalars: labels),
            intermediates: ["image_labels": Tensor(shape: [count, k], scalars: imageLabels)])
    }

    /// Draws `line` into a `size` × `size` image at `image` (max with what is there):
    /// intensity `clamp(1.5 - d, 0, 1)` where `d` is the distance from the pixel centre to
    /// the segment, i.e. full within half a pixel and fading out over one more pixel.
    public static func render(_ line: Line, into image: UnsafeMutablePointer<Float>, size: Int = imageSize) {
        let dx = cos(line.angle), dy = -sin(line.angle)  // y down in pixel coordinates
        let h = line.length / 2
        let ax = line.centerX - h * dx, ay = line.centerY - h * dy
        let bx = line.centerX + h * dx, by = line.centerY + h * dy
        let reach = 1.5
        let c0 = max(0, Int((min(ax, bx) - reach).rounded(.down)))
        let c1 = min(size - 1, Int((max(ax, bx) + reach).rounded(.up)))
        let r0 = max(0, Int((min(ay, by) - reach).rounded(.down)))
        let r1 = min(size - 1, Int((max(ay, by) + reach).rounded(.up)))
        guard c0 <= c1, r0 <= r1 else { return }
        let len = line.length
        for r in r0...r1 {
            let py = Double(r) + 0.5 - ay
            for c in c0...c1 {
                let px = Double(c) + 0.5 - ax
                // Projection onto the segment, clamped to its ends.
                let t = min(max(px * dx + py * dy, 0), len)
                let ex = px - t * dx, ey = py - t * dy
                let d = (ex * ex + ey * ey).squareRoot()
                let v = Float(min(max(reach - d, 0), 1))
                if v > image[r * size + c] { image[r * size + c] = v }
            }
        }
    }

    /// `line` rendered alone as a `[1, 28, 28]` image.
    public static func image(of line: Line) -> Tensor {
        Tensor(shape: [1, imageSize, imageSize]) { p, n in
            p.initialize(repeating: 0, count: n)
            render(line, into: p)
        }
    }
}

/// A pointer passed to concurrent workers that write disjoint ranges.
private struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
