import EndToEnd
import EndToEndData
import Foundation

/// Generated stand-ins for the LFW subset, and the textures scenes are made of.
///
/// A "face" is a bright oval on a darker surround with two dark eyes, a nose shadow and a
/// mouth, jittered in position, size, brightness and contrast; a "non-face" is a texture:
/// gratings, blobs, smoothed noise or edges, of the kind that makes up scene backgrounds.
enum SyntheticFaces {
    /// `perClass` faces then `perClass` non-faces, all from `seed`.
    static func patches(perClass: Int, seed: UInt64) -> FacePatches {
        var g = RandomGenerator(seed: seed)
        let s = FacePatches.side
        let faces = (0..<perClass).map { _ in face(side: s, &g) }
        let others = (0..<perClass).map { _ in texture(height: s, width: s, &g) }
        return FacePatches(images: faces + others, labels: Array(repeating: 1, count: perClass) + Array(repeating: 0, count: perClass))
    }

    static func uniform(_ g: inout RandomGenerator, _ a: Double, _ b: Double) -> Double { a + (b - a) * g.nextUniformDouble() }

    /// One synthetic face.
    static func face(side: Int, _ g: inout RandomGenerator) -> GrayImage {
        let n = Double(side)
        let cy = n / 2 + uniform(&g, -1, 1), cx = n / 2 + uniform(&g, -1, 1)
        let ry = n * uniform(&g, 0.40, 0.47), rx = n * uniform(&g, 0.30, 0.37)
        let skin = uniform(&g, 0.5, 0.85), surround = uniform(&g, 0.05, 0.45)
        let eyeY = cy - ry * uniform(&g, 0.2, 0.3), eyeDX = rx * uniform(&g, 0.38, 0.5), eyeR = n * uniform(&g, 0.05, 0.08)
        let mouthY = cy + ry * uniform(&g, 0.45, 0.6), mouthW = rx * uniform(&g, 0.35, 0.55)
        var px = [Float](repeating: 0, count: side * side)
        for r in 0..<side {
            for c in 0..<side {
                let y = Double(r) + 0.5, x = Double(c) + 0.5
                let inside = pow((y - cy) / ry, 2) + pow((x - cx) / rx, 2)
                // Soft edge so the oval is not a hard disc.
                var v = surround + (skin - surround) / (1 + exp((inside - 1) * 8))
                for ex in [cx - eyeDX, cx + eyeDX] where pow(y - eyeY, 2) + pow(x - ex, 2) < eyeR * eyeR * 1.6 { v *= 0.35 }
                if abs(x - cx) < 0.8 && y > eyeY + 1 && y < mouthY - 2 { v *= 0.8 }
                if abs(y - mouthY) < 0.9 && abs(x - cx) < mouthW { v *= 0.45 }
                v += 0.04 * Double(g.nextNormal())
                px[r * side + c] = Float(min(max(v, 0), 1))
            }
        }
        return GrayImage(height: side, width: side, pixels: px)
    }

    /// A texture of one of four kinds, values in [0, 1].
    static func texture(height: Int, width: Int, _ g: inout RandomGenerator) -> GrayImage {
        var px = [Float](repeating: 0, count: height * width)
        let base = uniform(&g, 0.2, 0.7), amp = uniform(&g, 0.1, 0.35)
        switch g.nextInt(below: 4) {
        case 0:   // gratings
            let f = uniform(&g, 0.1, 0.6), a = uniform(&g, 0, .pi), phase = uniform(&g, 0, 2 * .pi)
            for r in 0..<height { for c in 0..<width {
                px[r * width + c] = Float(base + amp * sin(f * (Double(c) * cos(a) + Double(r) * sin(a)) + phase))
            } }
        case 1:   // blobs
            let blobs = (0..<(2 + g.nextInt(below: 6))).map { _ in
                (uniform(&g, 0, Double(height)), uniform(&g, 0, Double(width)), uniform(&g, 2, 9), uniform(&g, -1, 1))
            }
            for r in 0..<height { for c in 0..<width {
                var v = base
                for (y, x, s, w) in blobs { v += amp * w * exp(-(pow(Double(r) - y, 2) + pow(Double(c) - x, 2)) / (2 * s * s)) }
                px[r * width + c] = Float(v)
            } }
        case 2:   // smoothed noise: white noise box-blurred twice
            var noise = (0..<(height * width)).map { _ in Double(g.nextNormal()) }
            let k = 1 + g.nextInt(below: 3)
            for _ in 0..<2 { noise = blur(noise, height: height, width: width, radius: k) }
            let sd = max(sqrt(noise.reduce(0) { $0 + $1 * $1 } / Double(noise.count)), 1e-6)
            for i in px.indices { px[i] = Float(base + amp * noise[i] / sd) }
        default:  // edges: a few straight steps
            let steps = (0..<(1 + g.nextInt(below: 3))).map { _ in
                (uniform(&g, 0, .pi), uniform(&g, 0, Double(height)), uniform(&g, -1, 1))
            }
            for r in 0..<height { for c in 0..<width {
                var v = base
                for (a, off, w) in steps where Double(c) * cos(a) + Double(r) * sin(a) > off { v += amp * w }
                px[r * width + c] = Float(v)
            } }
        }
        for i in px.indices { px[i] = min(max(px[i] + 0.02 * g.nextNormal(), 0), 1) }
        return GrayImage(height: height, width: width, pixels: px)
    }

    static func blur(_ v: [Double], height: Int, width: Int, radius: Int) -> [Double] {
        var out = [Double](repeating: 0, count: v.count)
        for r in 0..<height { for c in 0..<width {
            var s = 0.0, n = 0.0
            for dr in -radius...radius { for dc in -radius...radius {
                let rr = r + dr, cc = c + dc
                if rr >= 0 && rr < height && cc >= 0 && cc < width { s += v[rr * width + cc]; n += 1 }
            } }
            out[r * width + c] = s / n
        } }
        return out
    }
}
