import Foundation
import XCTest
@testable import EndToEndData

final class HOGTests: XCTestCase {
    struct Case: Decodable {
        var name: String
        var height: Int
        var width: Int
        var pixels: [Float]
        var orientations: Int
        var cell: [Int]
        var block: [Int]
        var norm: String
        var sqrt: Bool
        var features: [Double]
        var hog_image: [Double]?
    }

    static let cases: [Case] = try! JSONDecoder().decode([Case].self, from: Data(HOGFixtures.json.utf8))

    func hog(_ c: Case) throws -> HOG {
        try HOG(orientations: c.orientations, cellHeight: c.cell[0], cellWidth: c.cell[1], blockHeight: c.block[0], blockWidth: c.block[1],
                blockNormalization: XCTUnwrap(HOG.BlockNormalization(rawValue: c.norm)), transformSqrt: c.sqrt)
    }

    func testDescriptorsMatchScikitImage() throws {
        XCTAssertEqual(Self.cases.count, 5)
        for c in Self.cases {
            let h = try hog(c)
            let image = GrayImage(height: c.height, width: c.width, pixels: c.pixels)
            let f = try h.features(image)
            XCTAssertEqual(f.count, c.features.count, c.name)
            XCTAssertEqual(h.featureCount(height: c.height, width: c.width), c.features.count, c.name)
            let worst = zip(f, c.features).map { abs(Double($0) - $1) }.max() ?? 0
            XCTAssertLessThan(worst, 1e-5, "\(c.name): largest difference from skimage.feature.hog")
        }
    }

    func testVisualizationMatchesScikitImage() throws {
        var checked = 0
        for c in Self.cases {
            guard let expected = c.hog_image else { continue }
            let h = try hog(c)
            let image = GrayImage(height: c.height, width: c.width, pixels: c.pixels)
            let v = h.visualization(of: try h.cells(image), height: c.height, width: c.width)
            XCTAssertEqual(v.pixels.count, expected.count, c.name)
            let worst = zip(v.pixels, expected).map { abs(Double($0) - $1) }.max() ?? 0
            XCTAssertLessThan(worst, 1e-5, "\(c.name): largest difference from skimage's hog_image")
            checked += 1
        }
        XCTAssertEqual(checked, 3)
    }

    func testVerticalEdgeVotesIntoTheZeroDegreeBin() throws {
        // Columns 0-3 dark, 4-7 bright: the gradient points along columns (0°), at columns 3 and 4.
        var px = [Float](repeating: 0, count: 64)
        for r in 0..<8 { for c in 4..<8 { px[r * 8 + c] = 1 } }
        let h = try HOG(orientations: 9, cellHeight: 8, cellWidth: 8, blockHeight: 1, blockWidth: 1, blockNormalization: .l1)
        let cells = try h.cells(GrayImage(height: 8, width: 8, pixels: px))
        // 8 rows × 2 columns of magnitude 1, over 64 pixels.
        XCTAssertEqual(cells[0, 0, 0], 16.0 / 64, accuracy: 1e-12)
        for b in 1..<9 { XCTAssertEqual(cells[0, 0, b], 0) }
        let f = try h.blocks(cells)
        XCTAssertEqual(Double(f[0]), 0.25 / (0.25 + 1e-5), accuracy: 1e-6)
    }

    func testBadArgumentsThrow() throws {
        XCTAssertThrowsError(try HOG(orientations: 0)) { XCTAssertTrue("\($0)".contains("orientations")) }
        let h = try HOG(cellHeight: 5, cellWidth: 5, blockHeight: 2, blockWidth: 2)
        XCTAssertThrowsError(try h.features(GrayImage(height: 4, width: 25))) { XCTAssertTrue("\($0)".contains("smaller than one")) }
        XCTAssertThrowsError(try h.features(GrayImage(height: 5, width: 25))) { XCTAssertTrue("\($0)".contains("block")) }
        let s = try HOG(cellHeight: 2, cellWidth: 2, transformSqrt: true)
        XCTAssertThrowsError(try s.cells(GrayImage(height: 4, width: 4, value: -1))) { XCTAssertTrue("\($0)".contains("non-negative")) }
        XCTAssertEqual(h.featureCount(height: 5, width: 25), 0)
    }

    func testBresenhamLineMatchesScikitImageOrder() {
        // skimage.draw.line(1, 1, 4, 2) -> rows [1 2 3 4], cols [1 1 2 2]
        let l = HOG.line(from: (1, 1), to: (4, 2))
        XCTAssertEqual(l.map(\.0), [1, 2, 3, 4])
        XCTAssertEqual(l.map(\.1), [1, 1, 2, 2])
    }
}
