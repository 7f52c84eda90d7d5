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

    /// The bias-and-ReLU epilogue: `relu(src + bias[j])` on destination row `j`, bit for bit the
    /// separate passes (NaN and negative zero to +0), on every block and edge.
    func testTheEpilogueEqualsTheSeparatePasses() {
        for (rows, cols) in [(1, 1), (9, 7), (8, 8), (17, 33), (64, 32), (33, 65), (576, 32)] {
            let lds = cols + 3, ldd = rows + 2
            var src = (0..<(rows * lds)).map { Float(($0 * 37) % 23) * 0.25 - 2.9 }
            src[0] = .nan
            if src.count > 9 { src[9] = -0.0 }
            let bias = (0..<cols).map { Float($0 % 5) * 0.7 - 1.2 }
            for (useBias, relu) in [(true, true), (true, false), (false, true), (false, false)] {
                var dst = [Float](repeating: -99, count: cols * ldd)
                src.withUnsafeBufferPointer { s in
                    dst.withUnsafeMutableBufferPointer { d in
                        bias.withUnsafeBufferPointer { b in
                            transposeMatrix(rows: rows, cols: cols, src: s.baseAddress!, lds: lds, dst: d.baseAddress!, ldd: ldd,
                                            bias: useBias ? b.baseAddress! : nil, relu: relu)
                        }
                    }
                }
                for j in 0..<cols {
                    for i in 0..<ldd {
                        var want: Float = -99  // padding untouched
                        if i < rows {
                            let v = useBias ? src[i * lds + j] + bias[j] : src[i * lds + j]
                            want = relu ? (v > 0 ? v : 0) : v
                        }
                        let got = dst[j * ldd + i]
                        XCTAssertTrue(got.bitPattern == want.bitPattern || got.isNaN && want.isNaN,
                                      "rows \(rows) cols \(cols) bias \(useBias) relu \(relu) at (\(j), \(i)): \(got) against \(want)")
                    }
                }
            }
        }
    }
}
