import XCTest
@testable import EndToEndKernels

/// `transposeMatrix` (the C kernel's 8 × 8 AVX blocks, 32 × 32 tiles and scalar edges) against
/// the definition, with leading dimensions wider than the matrices.
final class TransposeTests: XCTestCase {
    func testEveryBlockAndEdgeCase() {
        for (rows, cols) in [(1, 1), (1, 9), (9, 1), (7, 7), (8, 8), (8, 16), (17, 33), (32, 32), (33, 65), (100, 3), (576, 32)] {
            for pad in [0, 5] {
                let lds = cols + pad, ldd = rows + pad
                let src = (0..<(rows * lds)).map { Float($0) * 0.5 - 3 }
                var dst = [Float](repeating: -99, count: cols * ldd)
                src.withUnsafeBufferPointer { s in
                    dst.withUnsafeMutableBufferPointer { d in
                        transposeMatrix(rows: rows, cols: cols, src: s.baseAddress!, lds: lds, dst: d.baseAddress!, ldd: ldd)
                    }
                }
                for j in 0..<cols {
                    for i in 0..<ldd {
                        let want: Float = i < rows ? src[i * lds + j] : -99  // padding untouched
                        XCTAssertEqual(dst[j * ldd + i], want, "rows \(rows) cols \(cols) pad \(pad) at (\(j), \(i))")
                    }
                }
            }
        }
    }
}
