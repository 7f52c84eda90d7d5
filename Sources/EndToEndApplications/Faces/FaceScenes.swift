import EndToEnd
import EndToEndData
import Foundation

/// A larger generated image with 25×25 faces pasted into it: the detection task.
struct FaceScene: Sendable {
    var image: GrayImage
    /// The pasted faces (the ground truth).
    var faces: [BoundingBox]
}

/// Generates detection scenes from the seed: a textured background, 1–3 faces and 1–2
/// non-face windows (distractors with the same pasted border) at non-overlapping places.
enum FaceScenes {
    static func generate(count: Int, side: Int, faces: [GrayImage], distractors: [GrayImage], seed: UInt64) -> [FaceScene] {
        precondition(!faces.isEmpty && !distractors.isEmpty, "FaceScenes.generate: needs faces and distractors")
        var g = RandomGenerator(seed: seed)
        let p = FacePatches.side
        return (0..<count).map { _ in
            var image = SyntheticFaces.texture(height: side, width: side, &g)
            // A second, coarser texture blended in, so backgrounds are not one pattern.
            let other = SyntheticFaces.texture(height: side, width: side, &g)
            for i in image.pixels.indices { image.pixels[i] = 0.5 * (image.pixels[i] + other.pixels[i]) }
            var placed: [BoundingBox] = [], truth: [BoundingBox] = []
            let nFaces = 1 + g.nextInt(below: 3), nDistractors = 1 + g.nextInt(below: 2)
            for k in 0..<(nFaces + nDistractors) {
                // Rejection sampling of a free spot; a crowded scene simply gets fewer patches.
                for _ in 0..<50 {
                    let box = BoundingBox(row: Double(g.nextInt(below: side - p + 1)), column: Double(g.nextInt(below: side - p + 1)),
                                          height: Double(p), width: Double(p))
                    let grown = BoundingBox(row: box.row - 2, column: box.column - 2, height: box.height + 4, width: box.width + 4)
                    guard placed.allSatisfy({ $0.intersectionOverUnion(grown) == 0 }) else { continue }
                    let isFace = k < nFaces
                    let patch = isFace ? faces[g.nextInt(below: faces.count)] : distractors[g.nextInt(below: distractors.count)]
                    image.paste(patch, row: Int(box.row), column: Int(box.column))
                    placed.append(box)
                    if isFace { truth.append(box) }
                    break
                }
            }
            return FaceScene(image: image, faces: truth)
        }
    }

    /// The shift: other lighting and noise. Each image gets a gamma in [0.5, 1.7], an
    /// illumination ramp from 0.35 to 1.15 across a random direction, and Gaussian noise
    /// (σ = 0.07), then is clipped to [0, 1].
    static func relit(_ image: GrayImage, _ g: inout RandomGenerator) -> GrayImage {
        let gamma = SyntheticFaces.uniform(&g, 0.5, 1.7), angle = SyntheticFaces.uniform(&g, 0, 2 * .pi)
        let (dy, dx) = (sin(angle), cos(angle))
        let h = Double(image.height), w = Double(image.width)
        let span = abs(dy) * h + abs(dx) * w
        var out = image
        for r in 0..<image.height {
            for c in 0..<image.width {
                let t = ((Double(r) - h / 2) * dy + (Double(c) - w / 2) * dx) / max(span, 1) + 0.5
                let light = 0.35 + 0.8 * t
                let v = pow(Double(image[r, c]), gamma) * light + 0.07 * Double(g.nextNormal())
                out[r, c] = Float(min(max(v, 0), 1))
            }
        }
        return out
    }

    static func relit(_ scenes: [FaceScene], seed: UInt64) -> [FaceScene] {
        var g = RandomGenerator(seed: seed)
        return scenes.map { FaceScene(image: relit($0.image, &g), faces: $0.faces) }
    }

    static func relit(_ patches: FacePatches, seed: UInt64) -> FacePatches {
        var g = RandomGenerator(seed: seed)
        return FacePatches(images: patches.images.map { relit($0, &g) }, labels: patches.labels)
    }

    /// `count` background windows of the scenes (IoU < 0.3 with every face): the detectors'
    /// extra negatives, as Dalal & Triggs drew negatives from person-free images.
    static func negatives(from scenes: [FaceScene], count: Int, seed: UInt64) -> [GrayImage] {
        var g = RandomGenerator(seed: seed)
        let p = FacePatches.side
        var out: [GrayImage] = []
        var attempts = 0
        while out.count < count && attempts < count * 50 && !scenes.isEmpty {
            attempts += 1
            let s = scenes[g.nextInt(below: scenes.count)]
            let r = g.nextInt(below: s.image.height - p + 1), c = g.nextInt(below: s.image.width - p + 1)
            let box = BoundingBox(row: Double(r), column: Double(c), height: Double(p), width: Double(p))
            guard s.faces.allSatisfy({ $0.intersectionOverUnion(box) < 0.3 }) else { continue }
            out.append(s.image.crop(row: r, column: c, height: p, width: p))
        }
        return out
    }
}
