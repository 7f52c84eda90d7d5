import EndToEnd
import XCTest
@testable import EndToEndData

final class TransformsTests: XCTestCase {
    /// [B, C, H, W] with value 1000 b + 100 c + 10 y + x.
    func coded(_ b: Int, _ c: Int, _ h: Int, _ w: Int) -> Tensor {
        Tensor(shape: [b, c, h, w]) { p, _ in
            var k = 0
            for i in 0..<b { for ch in 0..<c { for y in 0..<h { for x in 0..<w {
                p[k] = Float(1000 * i + 100 * ch + 10 * y + x); k += 1
            } } } }
        }
    }

    func apply(_ t: BatchTransform, _ x: Tensor, seed: UInt64 = 0) -> Tensor {
        var batch = Batch(inputs: x, indices: Array(0..<x.shape[0]))
        var rng = RandomGenerator(seed: seed)
        t(&batch, &rng)
        return batch.inputs
    }

    func testHorizontalFlipOfKnownImage() {
        let img = Tensor(shape: [1, 1, 2, 3], scalars: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(Transforms.horizontallyFlipped(img).scalars, [3, 2, 1, 6, 5, 4])
        XCTAssertEqual(apply(Transforms.randomHorizontalFlip(p: 1), img).scalars, [3, 2, 1, 6, 5, 4])
        XCTAssertEqual(apply(Transforms.randomHorizontalFlip(p: 0), img).scalars, img.scalars)
        // p = 0.5: each image either untouched or mirrored, about half of them mirrored.
        let x = coded(200, 2, 3, 4)
        let y = apply(Transforms.randomHorizontalFlip(), x, seed: 5)
        let flippedAll = Transforms.horizontallyFlipped(x)
        var flipped = 0
        for i in 0..<200 {
            let a = y[i].scalars
            if a == flippedAll[i].scalars { flipped += 1 } else { XCTAssertEqual(a, x[i].scalars) }
        }
        XCTAssertTrue(flipped > 70 && flipped < 130, "\(flipped)")
        XCTAssertEqual(apply(Transforms.randomHorizontalFlip(), x, seed: 5).scalars, y.scalars, "deterministic for a seed")
        XCTAssertEqual(x[0, 0, 0, 0], 0, "input untouched")
    }

    func testCropWithPaddingShiftsContent() {
        let x = coded(1, 1, 4, 4)
        // Offset (0, 0) in the 2-padded image: content moves down-right by 2, zeros fill in.
        let c = Transforms.cropped(x, height: 4, width: 4, padding: 2, offsets: [(0, 0)])
        XCTAssertEqual(c.scalars, [0, 0, 0, 0,
                                   0, 0, 0, 0,
                                   0, 0, 0, 1,
                                   0, 0, 10, 11])
        // Offset (3, 1): up by 1, right by 1.
        let d = Transforms.cropped(x, height: 4, width: 4, padding: 2, offsets: [(3, 1)])
        XCTAssertEqual(d.scalars, [0, 10, 11, 12,
                                   0, 20, 21, 22,
                                   0, 30, 31, 32,
                                   0, 0, 0, 0])
        // Centre offset without shift is the identity; smaller crops cut out a window.
        XCTAssertEqual(Transforms.cropped(x, height: 4, width: 4, padding: 2, offsets: [(2, 2)]).scalars, x.scalars)
        XCTAssertEqual(Transforms.cropped(x, height: 2, width: 3, padding: 0, offsets: [(1, 1)]).scalars, [11, 12, 13, 21, 22, 23])

        // Random crops: each image is some shift of itself (per image, same for all channels).
        let xs = coded(100, 3, 6, 6)
        let ys = apply(Transforms.randomCrop(size: 6, padding: 2), xs, seed: 1)
        XCTAssertEqual(ys.shape, [100, 3, 6, 6])
        var shifts = Set<[Int]>()
        for i in 0..<100 {
            let img = xs[i].unsqueezed(axis: 0)
            let out = ys[i].scalars
            var found: [Int]?
            for top in 0...4 { for left in 0...4 where found == nil {
                if Transforms.cropped(img, height: 6, width: 6, padding: 2, offsets: [(top, left)]).scalars == out { found = [top, left] }
            } }
            XCTAssertNotNil(found, "image \(i) is a padded shift of the input")
            if let found { shifts.insert(found) }
        }
        XCTAssertGreaterThan(shifts.count, 15, "offsets vary across images")
        XCTAssertEqual(apply(Transforms.randomCrop(size: 6, padding: 2), xs, seed: 1).scalars, ys.scalars)
        XCTAssertEqual(apply(Transforms.randomCrop(size: 4), xs, seed: 1).shape, [100, 3, 4, 4])
    }

    func testNormalizeValues() {
        let x = Tensor(shape: [2, 2, 1, 2], scalars: [1, 2, 3, 4, 5, 6, 7, 8])
        let y = apply(Transforms.normalize(mean: [1, 2], std: [2, 4]), x)
        XCTAssertEqual(y.scalars, [0, 0.5, 0.25, 0.5, 2, 2.5, 1.25, 1.5])
        let z = apply(Transforms.normalize(mean: [0.5], std: [0.5]), x)
        XCTAssertEqual(z.scalars, [1, 3, 5, 7, 9, 11, 13, 15])
    }

    func testJitter() {
        let x = Tensor(shape: [50, 1, 4, 4]) { p, n in for i in 0..<n { p[i] = Float(i % 16) / 32 } }
        // Brightness only: each image is scaled by one factor in [0.5, 1.5].
        let b = apply(Transforms.jitter(brightness: 0.5), x, seed: 3)
        var factors: [Float] = []
        for i in 0..<50 {
            let f = b[i, 0, 0, 1] / x[i, 0, 0, 1]
            factors.append(f)
            XCTAssertTrue(f >= 0.5 && f <= 1.5)
            for j in 0..<16 { XCTAssertEqual(b[i, 0, j / 4, j % 4], min(1, x[i, 0, j / 4, j % 4] * f), accuracy: 1e-5) }
        }
        XCTAssertGreaterThan(Set(factors).count, 40)
        // Contrast (unclamped) keeps the mean and scales the spread.
        let c = apply(Transforms.jitter(contrast: 0.5, clamp: nil), x, seed: 3)
        for i in 0..<50 { XCTAssertEqual(c[i].scalars.reduce(0, +), x[i].scalars.reduce(0, +), accuracy: 1e-4) }
        // Noise: residual std close to noiseStd; no clamping when clamp is nil.
        let noisy = apply(Transforms.jitter(noiseStd: 0.1, clamp: nil), x, seed: 3)
        let r = zip(noisy.scalars, x.scalars).map { $0 - $1 }
        let std = (r.map { $0 * $0 }.reduce(0, +) / Float(r.count)).squareRoot()
        XCTAssertEqual(std, 0.1, accuracy: 0.01)
        // Clamped to [0, 1] by default; deterministic for a seed.
        let all = Transforms.jitter(brightness: 0.8, contrast: 0.8, noiseStd: 0.3)
        let j = apply(all, x, seed: 9)
        XCTAssertTrue(j.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        XCTAssertEqual(apply(all, x, seed: 9).scalars, j.scalars)
        XCTAssertNotEqual(apply(all, x, seed: 10).scalars, j.scalars)
    }

    func testComposeAndKTupleImages() {
        let x = coded(3, 1, 2, 2)
        let t = Transforms.compose(Transforms.randomHorizontalFlip(p: 1), Transforms.normalize(mean: [1], std: [1]))
        XCTAssertEqual(apply(t, x).scalars, Transforms.horizontallyFlipped(x).scalars.map { $0 - 1 })
        // Leading dimensions beyond B (e.g. [B, k, C, H, W]) are treated as separate images.
        let tuple = coded(6, 1, 2, 2).reshaped([3, 2, 1, 2, 2])
        let f = apply(Transforms.randomHorizontalFlip(p: 1), tuple)
        XCTAssertEqual(f.shape, [3, 2, 1, 2, 2])
        XCTAssertEqual(f.scalars, Transforms.horizontallyFlipped(coded(6, 1, 2, 2)).scalars)
    }

    func testTransformInLoaderIsDeterministic() throws {
        let x = Tensor(shape: [64, 1, 8, 8]) { p, n in for i in 0..<n { p[i] = Float(i % 7) / 7 } }
        let d = try TensorDataset(inputs: x, labels: IntTensor(Array(repeating: 0, count: 64)))
        let aug = Transforms.compose(Transforms.randomCrop(size: 8, padding: 2), Transforms.randomHorizontalFlip(),
                                     Transforms.jitter(brightness: 0.2, noiseStd: 0.05))
        let a = DataLoader(d, batchSize: 16, shuffle: true, seed: 1, prefetch: 2, transform: aug)
        let b = DataLoader(d, batchSize: 16, shuffle: true, seed: 1, prefetch: 0, transform: aug)
        XCTAssertEqual(a.epoch(0).map { $0.inputs.scalars }, b.epoch(0).map { $0.inputs.scalars })
        XCTAssertNotEqual(a.epoch(0).map { $0.inputs.scalars }, a.epoch(1).map { $0.inputs.scalars })
    }
}
