import EndToEnd
import EndToEndData
import Foundation

/// A composite task on Fashion-MNIST of the same form as ``ParityLines`` with k = 2: each input
/// is a pair of Fashion-MNIST images `[2, 1, 28, 28]`; an image's own label is whether it shows a
/// top or a dress (T-shirt/top, pullover, dress, coat, shirt: half the classes) and the pair's
/// label is the XOR of the two ("exactly one of the two is a top or a dress"). The image labels
/// are kept as the intermediate target `"image_labels"`, so the per-image network and the
/// strategies of ``ParityLinesModel`` apply unchanged.
///
/// The pairs use disjoint images of a split, in an order shuffled by the seed, so the first
/// `n` pairs of a larger set are the set of size `n` (nested training sets).
enum FashionParityPairs {
    /// The classes whose image label is 1.
    static let topClasses: Set<Int32> = [0, 2, 3, 4, 6]

    /// `count` pairs (at most half the split's images) from `split`, shuffled by `seed`.
    static func pairs(_ split: (images: Tensor, labels: IntTensor), count: Int, seed: UInt64) throws -> TensorDataset {
        let available = split.labels.count / 2
        guard count >= 1, count <= available else {
            throw ExperimentError.invalidSetting("Fashion-MNIST pairs: \(count) pairs asked, the split has images for 1...\(available)")
        }
        var rng = RandomGenerator(seed: seed)
        var order = Array(0..<split.labels.count)
        for i in stride(from: order.count - 1, to: 0, by: -1) {
            let j = Int(rng.next() % UInt64(i + 1))
            order.swapAt(i, j)
        }
        let pixels = 28 * 28
        let source = split.images.scalars, classes = split.labels.scalars
        var inputs = [Float](repeating: 0, count: count * 2 * pixels)
        var labels = [Int32](repeating: 0, count: count), imageLabels = [Float](repeating: 0, count: count * 2)
        for p in 0..<count {
            var parity: Int32 = 0
            for m in 0..<2 {
                let index = order[2 * p + m]
                let bit: Int32 = topClasses.contains(classes[index]) ? 1 : 0
                parity ^= bit
                imageLabels[2 * p + m] = Float(bit)
                for q in 0..<pixels { inputs[(2 * p + m) * pixels + q] = source[index * pixels + q] }
            }
            labels[p] = parity
        }
        return try TensorDataset(inputs: Tensor(shape: [count, 2, 1, 28, 28], scalars: inputs),
                                 labels: IntTensor(shape: [count], scalars: labels),
                                 intermediates: ["image_labels": Tensor(shape: [count, 2], scalars: imageLabels)])
    }
}
