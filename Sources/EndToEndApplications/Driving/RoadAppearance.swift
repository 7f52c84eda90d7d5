import EndToEnd
import Foundation

/// How a road looks: surface texture, markings, lighting and shadows, all drawn from a seed.
public struct RoadAppearance: Sendable, Equatable {
    /// The road surface's texture family.
    public enum Texture: String, Sendable, CaseIterable {
        /// Fine asphalt grain with slow blotches (the training textures).
        case asphalt
        /// Asphalt with darker repair patches.
        case patched
        /// Cobblestones: a grid of blocks with dark joints (held out of training: the shift).
        case cobblestone
    }

    public var texture: Texture
    public var surface: Double
    public var verge: Double
    public var sky: Double
    public var marking: Double
    public var markingWidth: Double
    /// Whether the right marking is dashed (3 m dash, 6 m gap); the left one is always solid.
    public var rightDashed: Bool
    /// Brightness gain of the whole scene (lighting).
    public var gain: Double
    /// A round shadow on the ground: centre (world), radius and darkening factor.
    public struct Shadow: Sendable, Equatable {
        public var x: Double, y: Double, radius: Double, factor: Double
    }
    public var shadows: [Shadow]
    public var noise: Double
    /// Seeds the texture hash.
    public var textureSeed: UInt64

    /// Which appearances a data set draws from.
    public enum Condition: String, Sendable {
        /// Training and in-distribution test: asphalt or patched, daylight gains 0.75–1.2.
        case nominal
        /// Cobblestone surfaces, never seen in training, in daylight.
        case unseenTexture = "unseen_texture"
        /// Training textures at dusk: gains 0.35–0.5, more sensor noise.
        case unseenLighting = "unseen_lighting"
    }

    /// A random appearance; shadows are placed around the road stretch `near` (world points).
    public static func random(_ condition: Condition, near: [(x: Double, y: Double)], rng: inout RandomGenerator) -> RoadAppearance {
        func u(_ a: Double, _ b: Double) -> Double { a + (b - a) * rng.nextUniformDouble() }
        let texture: Texture
        switch condition {
        case .nominal, .unseenLighting: texture = rng.nextInt(below: 2) == 0 ? .asphalt : .patched
        case .unseenTexture: texture = .cobblestone
        }
        let gain = condition == .unseenLighting ? u(0.35, 0.5) : u(0.75, 1.2)
        var shadows: [Shadow] = []
        if !near.isEmpty {
            for _ in 0..<rng.nextInt(below: 4) {
                let p = near[rng.nextInt(below: near.count)]
                shadows.append(Shadow(x: p.x + u(-4, 4), y: p.y + u(-4, 4), radius: u(1, 3.5), factor: u(0.45, 0.7)))
            }
        }
        return RoadAppearance(
            texture: texture, surface: u(0.22, 0.42), verge: u(0.35, 0.6), sky: u(0.7, 0.9), marking: u(0.8, 1.0),
            markingWidth: u(0.2, 0.3), rightDashed: rng.nextInt(below: 2) == 0, gain: gain, shadows: shadows,
            noise: condition == .unseenLighting ? 0.03 : 0.015, textureSeed: rng.next())
    }

    /// Value noise in [0, 1] on a grid of `scale` metres, smoothly interpolated.
    func valueNoise(_ x: Double, _ y: Double, scale: Double, salt: UInt64) -> Double {
        let gx = x / scale, gy = y / scale
        let ix = floor(gx), iy = floor(gy)
        let fx = gx - ix, fy = gy - iy
        let sx = fx * fx * (3 - 2 * fx), sy = fy * fy * (3 - 2 * fy)
        let a = lattice(Int64(ix), Int64(iy), salt), b = lattice(Int64(ix) + 1, Int64(iy), salt)
        let c = lattice(Int64(ix), Int64(iy) + 1, salt), d = lattice(Int64(ix) + 1, Int64(iy) + 1, salt)
        return (a + (b - a) * sx) + ((c + (d - c) * sx) - (a + (b - a) * sx)) * sy
    }

    func lattice(_ i: Int64, _ j: Int64, _ salt: UInt64) -> Double {
        var z = textureSeed ^ (UInt64(bitPattern: i) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(bitPattern: j) &* 0xC2B2_AE3D_27D4_EB4F) ^ salt
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) * 0x1p-53
    }

    /// The brightness of the road surface at world point `(x, y)`, `(along, across)` metres in road coordinates.
    func surfaceBrightness(x: Double, y: Double, along: Double, across: Double) -> Double {
        switch texture {
        case .asphalt:
            return surface + 0.08 * (valueNoise(x, y, scale: 0.25, salt: 1) - 0.5) + 0.08 * (valueNoise(x, y, scale: 2.5, salt: 2) - 0.5)
        case .patched:
            let patch = valueNoise(x, y, scale: 3, salt: 3) > 0.68 ? -0.08 : 0
            return surface + patch + 0.07 * (valueNoise(x, y, scale: 0.25, salt: 1) - 0.5)
        case .cobblestone:
            // Blocks 0.6 m long and 0.4 m wide, in rows offset by half a block, with dark joints.
            let row = floor(across / 0.4)
            let shifted = along / 0.6 + (Int(row) % 2 == 0 ? 0 : 0.5)
            let col = floor(shifted)
            let fu = shifted - col, fv = across / 0.4 - row
            let joint = min(fu, 1 - fu) * 0.6 < 0.05 || min(fv, 1 - fv) * 0.4 < 0.05
            let block = lattice(Int64(col), Int64(row), 4)
            return joint ? surface * 0.45 : surface + 0.25 * (block - 0.5)
        }
    }

    /// The scene's brightness at a ground point, before the lighting gain.
    func ground(x: Double, y: Double, location loc: RoadLocation, laneWidth: Double) -> Double {
        let half = laneWidth / 2, a = abs(loc.lateral)
        var value: Double
        if a < half + 1.0 {
            value = surfaceBrightness(x: x, y: y, along: loc.station, across: loc.lateral)
            let onLeft = abs(loc.lateral - half) < markingWidth / 2
            let onRight = abs(loc.lateral + half) < markingWidth / 2
                && (!rightDashed || loc.station.truncatingRemainder(dividingBy: 9) < 3)
            if onLeft || onRight { value = marking - 0.05 * valueNoise(x, y, scale: 0.5, salt: 5) }
        } else {
            value = verge + 0.15 * (valueNoise(x, y, scale: 0.4, salt: 6) - 0.5) + 0.1 * (valueNoise(x, y, scale: 4, salt: 7) - 0.5)
        }
        for s in shadows {
            let dx = x - s.x, dy = y - s.y
            if dx * dx + dy * dy < s.radius * s.radius { value *= s.factor }
        }
        return value
    }
}
