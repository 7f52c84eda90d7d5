import EndToEnd
import EndToEndData
import Foundation

/// Generated cell-image patches: gray microscope crops of a stained smear with 1–6 nuclei on
/// cytoplasm and background, labelled malignant (1) or benign (0) by the nuclei's size,
/// outline irregularity and count — the three things a cytologist grades.
///
/// Each patch draws an image-level grade: a mean nucleus radius in [2.5, 5.5] px, a mean
/// outline irregularity (the amplitude of 3- and 5-lobed radial harmonics) in [0, 0.3], and a
/// nucleus count in 1...6; each nucleus varies around the grade. The label is
/// `z(radius) + z(irregularity) + 0.8 z(count) + ε > 0` with standardized grades and
/// ε ~ N(0, 0.7²), so it is learnable but not exactly (the Bayes AUC is below 1). The stain
/// sets the intensities and noise; ``Stain/shifted`` is the shifted test set's other
/// staining (fainter nuclei, darker cytoplasm and background, lower contrast, more noise).
public struct CellImages: Sendable {
    /// Intensities of the stained tissue, in [0, 1] (1 = white).
    public struct Stain: Sendable, Equatable {
        public var name: String
        public var nucleus: ClosedRange<Float>
        public var cytoplasm: Float
        public var background: Float
        public var noise: Float

        /// The training stain: dark nuclei on a light background.
        public static let standard = Stain(name: "standard stain", nucleus: 0.22...0.38, cytoplasm: 0.74, background: 0.86, noise: 0.03)
        /// Another lab's staining: fainter nuclei, darker cytoplasm and background (the
        /// nucleus-to-background contrast falls from about 0.56 to 0.30), a third more noise.
        public static let shifted = Stain(name: "other stain", nucleus: 0.42...0.54, cytoplasm: 0.68, background: 0.78, noise: 0.04)
    }

    /// One drawn nucleus (ground truth, for tests and the page).
    public struct Nucleus: Sendable, Equatable {
        public var row: Double, column: Double, radius: Double, irregularity: Double
    }

    public static let size = 40

    /// `[N, 1, size, size]`.
    public var inputs: Tensor
    public var labels: [Int]
    public var nuclei: [[Nucleus]]

    public var count: Int { labels.count }

    /// As a training set (inputs with integer labels).
    public func dataset() throws -> TensorDataset { try TensorDataset(inputs: inputs, labels: IntTensor(labels)) }

    /// The examples at `indices`.
    public func subset(_ indices: [Int]) -> CellImages {
        let s = Self.size * Self.size
        let all = inputs.contiguous().scalars
        var px: [Float] = []
        px.reserveCapacity(indices.count * s)
        for i in indices { px += all[(i * s)..<((i + 1) * s)] }
        return CellImages(inputs: Tensor(shape: [indices.count, 1, Self.size, Self.size], scalars: px),
                          labels: indices.map { labels[$0] }, nuclei: indices.map { nuclei[$0] })
    }

    /// Example `i`'s pixels, row-major.
    public func pixels(_ i: Int) -> [Float] {
        let s = Self.size * Self.size
        return Array(inputs.contiguous().scalars[(i * s)..<((i + 1) * s)])
    }

    /// `count` patches from `seed` in `stain`; the same seed draws the same cells and labels
    /// in any stain, so a shifted test set holds the same cases as the ordinary one.
    public static func generate(count: Int, seed: UInt64, stain: Stain = .standard) -> CellImages {
        var px = [Float](repeating: 0, count: count * size * size)
        var labels: [Int] = [], nuclei: [[Nucleus]] = []
        for i in 0..<count {
            var shape = RandomGenerator(seed: seed &+ UInt64(i) &* 0x9E37_79B9_7F4A_7C15)
            var look = RandomGenerator(seed: (seed ^ 0x5747_A1E5) &+ UInt64(i) &* 0xD1B5_4A32_D192_ED03)
            let (cells, label) = drawCase(&shape)
            let image = render(cells, stain: stain, &look)
            px.replaceSubrange((i * size * size)..<((i + 1) * size * size), with: image)
            labels.append(label)
            nuclei.append(cells)
        }
        return CellImages(inputs: Tensor(shape: [count, 1, size, size], scalars: px), labels: labels, nuclei: nuclei)
    }

    /// The case: nuclei placed without overlap, and its label.
    static func drawCase(_ rng: inout RandomGenerator) -> ([Nucleus], Int) {
        let radius = 2.5 + 3 * rng.nextUniformDouble()
        let irregularity = 0.3 * rng.nextUniformDouble()
        let wanted = 1 + rng.nextInt(below: 6)
        var cells: [Nucleus] = []
        var tries = 0
        while cells.count < wanted && tries < 400 {
            tries += 1
            let r = radius * (0.85 + 0.3 * rng.nextUniformDouble())
            let a = max(0, irregularity * (0.7 + 0.6 * rng.nextUniformDouble()))
            let margin = r * (1 + a) + 1.5
            let row = margin + (Double(size) - 2 * margin) * rng.nextUniformDouble()
            let col = margin + (Double(size) - 2 * margin) * rng.nextUniformDouble()
            let free = cells.allSatisfy { c in
                let d = ((c.row - row) * (c.row - row) + (c.column - col) * (c.column - col)).squareRoot()
                return d > (c.radius * (1 + c.irregularity) + r * (1 + a)) * 1.15 + 2
            }
            if free { cells.append(Nucleus(row: row, column: col, radius: r, irregularity: a)) }
        }
        let n = Double(cells.count)
        let meanR = cells.map(\.radius).reduce(0, +) / n, meanA = cells.map(\.irregularity).reduce(0, +) / n
        // Standardized by the grades' uniform ranges (std of U[a, b] is (b − a)/√12).
        let score = (meanR - 4) / 0.866 + (meanA - 0.15) / 0.0866 + 0.8 * (n - 3.5) / 1.708 + 0.7 * Double(rng.nextNormal())
        return (cells, score > 0 ? 1 : 0)
    }

    /// Draws the cells in `stain`: background with a faint texture, cytoplasm halos, lobed
    /// nuclei with chromatin grain, a 3×3 blur (the optics), then sensor noise.
    static func render(_ cells: [Nucleus], stain: Stain, _ rng: inout RandomGenerator) -> [Float] {
        let s = size
        var img = [Float](repeating: stain.background, count: s * s)
        let fx = 0.3 + 0.4 * rng.nextUniform(), fy = 0.3 + 0.4 * rng.nextUniform(), ph = 6.28 * rng.nextUniform()
        for y in 0..<s { for x in 0..<s { img[y * s + x] += 0.02 * sin(fx * Float(x) + ph) * cos(fy * Float(y)) } }
        let darkness = cells.map { _ in stain.nucleus.lowerBound + (stain.nucleus.upperBound - stain.nucleus.lowerBound) * rng.nextUniform() }
        let phases = cells.map { _ in (6.28 * rng.nextUniformDouble(), 6.28 * rng.nextUniformDouble()) }
        for y in 0..<s {
            for x in 0..<s {
                for (k, c) in cells.enumerated() {
                    let dy = Double(y) - c.row, dx = Double(x) - c.column
                    let d = (dx * dx + dy * dy).squareRoot()
                    let t = atan2(dy, dx)
                    let edge = c.radius * (1 + c.irregularity * (0.7 * sin(3 * t + phases[k].0) + 0.3 * sin(5 * t + phases[k].1)))
                    if d <= edge {
                        img[y * s + x] = darkness[k] + 0.04 * (rng.nextUniform() - 0.5)
                    } else if d <= 1.9 * c.radius, img[y * s + x] > stain.cytoplasm {
                        img[y * s + x] = stain.cytoplasm
                    }
                }
            }
        }
        var blurred = img
        for y in 0..<s {
            for x in 0..<s {
                var sum: Float = 0, n: Float = 0
                for yy in max(0, y - 1)...min(s - 1, y + 1) { for xx in max(0, x - 1)...min(s - 1, x + 1) { sum += img[yy * s + xx]; n += 1 } }
                blurred[y * s + x] = sum / n
            }
        }
        return blurred.map { min(1, max(0, $0 + stain.noise * rng.nextNormal())) }
    }
}
