import EndToEnd
import EndToEndData
import Foundation

/// 25×25 gray windows labelled face (1) or non-face (0): the classification data of the
/// faces application, and the positives/negatives its detectors are trained on.
struct FacePatches: Sendable {
    static let side = 25

    var images: [GrayImage]
    var labels: [Int]

    var count: Int { images.count }
    var faces: [GrayImage] { zip(images, labels).filter { $0.1 == 1 }.map(\.0) }
    var nonFaces: [GrayImage] { zip(images, labels).filter { $0.1 == 0 }.map(\.0) }

    func subset(_ indices: [Int]) -> FacePatches {
        FacePatches(images: indices.map { images[$0] }, labels: indices.map { labels[$0] })
    }

    static func + (a: FacePatches, b: FacePatches) -> FacePatches {
        FacePatches(images: a.images + b.images, labels: a.labels + b.labels)
    }

    /// The patches with their left–right mirror images appended (faces are symmetric enough
    /// that a mirrored face is a face): the one augmentation both approaches get.
    var withMirrors: FacePatches {
        let mirrored = images.map { im in
            GrayImage(height: im.height, width: im.width, pixels: (0..<im.pixels.count).map { i in im.pixels[(i / im.width) * im.width + im.width - 1 - i % im.width] })
        }
        return FacePatches(images: images + mirrored, labels: labels + labels)
    }

    /// The detectors' training windows: the faces repeated until they are about a quarter of
    /// the windows (scenes are mostly background, and without it both detectors learn to rank
    /// faces too low), then everything with its mirror image.
    var detectorWindows: FacePatches {
        let f = faces, others = nonFaces
        let repeats = max(1, others.count / (3 * max(f.count, 1)))
        let repeated = FacePatches(images: Array(repeating: f, count: repeats).flatMap { $0 }, labels: Array(repeating: 1, count: repeats * f.count))
        return (repeated + FacePatches(images: others, labels: others.map { _ in 0 })).withMirrors
    }

    /// `[N, 1, 25, 25]` pixels for the networks.
    var inputs: Tensor {
        Tensor(shape: [count, 1, Self.side, Self.side], scalars: images.flatMap(\.pixels))
    }

    var labelTensor: IntTensor { IntTensor(shape: [count], scalars: labels.map { Int32($0) }) }

    /// A split that keeps the class balance: `trainFraction` of each class to train, the rest to test.
    func stratifiedSplit(trainFraction: Double, seed: UInt64) -> (train: FacePatches, test: FacePatches) {
        var g = RandomGenerator(seed: seed)
        var train: [Int] = [], test: [Int] = []
        for cls in [1, 0] {
            let idx = labels.indices.filter { labels[$0] == cls }
            let order = g.permutation(idx.count).map { idx[$0] }
            let n = Int((Double(idx.count) * trainFraction).rounded())
            train += order.prefix(n)
            test += order.dropFirst(n)
        }
        return (subset(train), subset(test))
    }
}
