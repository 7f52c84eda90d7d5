import Foundation

/// Histograms of oriented gradients (Dalal & Triggs 2005), computed as scikit-image's
/// `skimage.feature.hog` computes them for a gray image, so the two agree to rounding:
///
/// 1. optional power-law compression (`transformSqrt`: the square root of every pixel);
/// 2. centred gradients `[-1, 0, 1]` along rows and columns (zero on the border rows/columns);
/// 3. per cell of `cellHeight × cellWidth` pixels, an unsigned-orientation histogram
///    (`orientations` bins over 0–180°): each pixel adds its gradient magnitude to the bin
///    of its angle, without interpolation; the sum is divided by the cell's pixel count;
/// 4. overlapping blocks of `blockHeight × blockWidth` cells, stepped one cell at a time,
///    each normalised on its own (L2-Hys by default, as in the paper);
/// 5. the blocks concatenated in the order `[blockRow, blockColumn, cellRow, cellColumn, bin]`.
///
/// Cells that do not fit whole at the bottom or right are ignored, as in scikit-image.
public struct HOG: Sendable, Equatable {
    /// How each block's histograms are normalised (`eps = 1e-5`, as scikit-image).
    public enum BlockNormalization: String, Sendable, CaseIterable {
        /// `v / (‖v‖₁ + eps)`.
        case l1 = "L1"
        /// `sqrt(v / (‖v‖₁ + eps))`.
        case l1Sqrt = "L1-sqrt"
        /// `v / sqrt(‖v‖₂² + eps²)`.
        case l2 = "L2"
        /// L2, then values clipped at 0.2, then L2 again (Lowe's SIFT normalisation).
        case l2Hys = "L2-Hys"
    }

    public let orientations: Int
    public let cellHeight: Int
    public let cellWidth: Int
    public let blockHeight: Int
    public let blockWidth: Int
    public let blockNormalization: BlockNormalization
    public let transformSqrt: Bool

    /// - Throws: ``VisionError`` when a size is not positive.
    public init(orientations: Int = 9, cellHeight: Int = 8, cellWidth: Int = 8, blockHeight: Int = 3, blockWidth: Int = 3,
                blockNormalization: BlockNormalization = .l2Hys, transformSqrt: Bool = false) throws {
        for (name, v) in [("orientations", orientations), ("cellHeight", cellHeight), ("cellWidth", cellWidth),
                          ("blockHeight", blockHeight), ("blockWidth", blockWidth)] where v <= 0 {
            throw VisionError("HOG: \(name) must be positive, got \(v)")
        }
        self.orientations = orientations
        self.cellHeight = cellHeight
        self.cellWidth = cellWidth
        self.blockHeight = blockHeight
        self.blockWidth = blockWidth
        self.blockNormalization = blockNormalization
        self.transformSqrt = transformSqrt
    }

    /// Per-cell orientation histograms: `rows × columns × orientations`, row-major.
    public struct Cells: Sendable, Equatable {
        public let rows: Int
        public let columns: Int
        public let orientations: Int
        public var values: [Double]
        /// Histograms from `rows * columns * orientations` row-major values.
        public init(rows: Int, columns: Int, orientations: Int, values: [Double]) {
            precondition(values.count == rows * columns * orientations, "HOG.Cells: \(values.count) values for \(rows)x\(columns)x\(orientations)")
            self.rows = rows
            self.columns = columns
            self.orientations = orientations
            self.values = values
        }
        /// The histogram value of bin `bin` in cell (`row`, `column`).
        public subscript(row: Int, column: Int, bin: Int) -> Double { values[(row * columns + column) * orientations + bin] }
    }

    /// The length of the descriptor of a `height × width` image (0 if no block fits).
    public func featureCount(height: Int, width: Int) -> Int {
        let br = height / cellHeight - blockHeight + 1, bc = width / cellWidth - blockWidth + 1
        return br > 0 && bc > 0 ? br * bc * blockHeight * blockWidth * orientations : 0
    }

    /// Steps 1–3: the cell histograms of `image`.
    /// - Throws: ``VisionError`` when the image is smaller than one cell, or (with
    ///   `transformSqrt`) has a negative pixel.
    public func cells(_ image: GrayImage) throws -> Cells {
        let h = image.height, w = image.width
        let rows = h / cellHeight, columns = w / cellWidth
        guard rows > 0, columns > 0 else {
            throw VisionError("HOG: the \(h)x\(w) image is smaller than one \(cellHeight)x\(cellWidth) cell")
        }
        var px = image.pixels.map(Double.init)
        if transformSqrt {
            if let i = px.firstIndex(where: { $0 < 0 }) {
                throw VisionError("HOG: transformSqrt needs non-negative pixels; pixel (\(i / w), \(i % w)) is \(px[i])")
            }
            px = px.map { $0.squareRoot() }
        }
        var values = [Double](repeating: 0, count: rows * columns * orientations)
        let binWidth = 180.0 / Double(orientations)
        // Only pixels of whole cells vote; the gradient still reads their neighbours.
        for r in 0..<(rows * cellHeight) {
            for c in 0..<(columns * cellWidth) {
                let gr = r == 0 || r == h - 1 ? 0 : px[(r + 1) * w + c] - px[(r - 1) * w + c]
                let gc = c == 0 || c == w - 1 ? 0 : px[r * w + c + 1] - px[r * w + c - 1]
                let magnitude = (gr * gr + gc * gc).squareRoot()
                guard magnitude > 0 else { continue }
                var angle = (atan2(gr, gc) * 180 / .pi).truncatingRemainder(dividingBy: 180)
                if angle < 0 { angle += 180 }
                // scikit-image's bin test is `lower <= angle < upper` with bounds binWidth·i.
                var bin = Int(angle / binWidth)
                if bin >= orientations { bin = orientations - 1 }
                if angle < binWidth * Double(bin) { bin -= 1 } else if bin + 1 < orientations && angle >= binWidth * Double(bin + 1) { bin += 1 }
                values[((r / cellHeight) * columns + c / cellWidth) * orientations + bin] += magnitude
            }
        }
        let area = Double(cellHeight * cellWidth)
        for i in values.indices { values[i] /= area }
        return Cells(rows: rows, columns: columns, orientations: orientations, values: values)
    }

    /// Steps 4–5: the normalised, concatenated block descriptors of `cells`.
    /// - Throws: ``VisionError`` when fewer cells than one block are given.
    public func blocks(_ cells: Cells) throws -> [Float] {
        let br = cells.rows - blockHeight + 1, bc = cells.columns - blockWidth + 1
        guard br > 0, bc > 0 else {
            throw VisionError("HOG: \(cells.rows)x\(cells.columns) cells do not fill one \(blockHeight)x\(blockWidth) block")
        }
        let eps = 1e-5
        var out: [Float] = []
        out.reserveCapacity(br * bc * blockHeight * blockWidth * orientations)
        var block = [Double](repeating: 0, count: blockHeight * blockWidth * orientations)
        for r in 0..<br {
            for c in 0..<bc {
                var k = 0
                for i in 0..<blockHeight {
                    for j in 0..<blockWidth {
                        for o in 0..<orientations { block[k] = cells[r + i, c + j, o]; k += 1 }
                    }
                }
                normalize(&block, eps: eps)
                out.append(contentsOf: block.map { Float($0) })
            }
        }
        return out
    }

    private func normalize(_ v: inout [Double], eps: Double) {
        func l2(_ v: [Double]) -> Double { (v.reduce(0) { $0 + $1 * $1 } + eps * eps).squareRoot() }
        switch blockNormalization {
        case .l1:
            let s = v.reduce(0) { $0 + abs($1) } + eps
            for i in v.indices { v[i] /= s }
        case .l1Sqrt:
            let s = v.reduce(0) { $0 + abs($1) } + eps
            for i in v.indices { v[i] = (v[i] / s).squareRoot() }
        case .l2:
            let s = l2(v)
            for i in v.indices { v[i] /= s }
        case .l2Hys:
            let s = l2(v)
            for i in v.indices { v[i] = min(v[i] / s, 0.2) }
            let t = l2(v)
            for i in v.indices { v[i] /= t }
        }
    }

    /// The HOG descriptor of `image` (steps 1–5), `featureCount(height:width:)` values.
    public func features(_ image: GrayImage) throws -> [Float] { try blocks(cells(image)) }
}
