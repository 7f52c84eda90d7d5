import XCTest
@testable import EndToEnd
import EndToEndKernels

/// The op-typed element-wise kernels (``ElementOp``) against a plain per-element loop, bit for
/// bit (each op is one correctly rounded operation, so vectorizing changes nothing): same
/// shapes, every broadcast pattern, strided inputs, above and below the parallel threshold, on
/// one and two threads.
final class ElementOpsTests: XCTestCase {
    /// Deterministic values with zeros, signed zeros, infinities and NaN among them.
    static func values(_ n: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix(seed)
        return (0..<n).map { i in
            switch i % 97 {
            case 3: return 0
            case 5: return -0
            case 7: return .infinity
            case 11: return -.infinity
            case 13: return .nan
            default: return Float(Double(rng.next() % 20_001) / 1_000 - 10)
            }
        }
    }

    struct SplitMix {
        var state: UInt64
        init(_ seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    func assertSame(_ got: [Float], _ want: [Float], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, want.count, what, file: file, line: line)
        for i in 0..<min(got.count, want.count) where !(got[i].bitPattern == want[i].bitPattern || (got[i].isNaN && want[i].isNaN)) {
            XCTFail("\(what): element \(i) is \(got[i]), expected \(want[i])", file: file, line: line)
            return
        }
    }

    /// `a ∘ b` through the tensor op against the broadcast computed by hand ([rows, cols] with
    /// [rows, cols], [cols], [rows, 1] and a scalar, both ways round).
    func checkBinary(_ name: String, _ op: (Tensor, Tensor) -> Tensor, _ f: (Float, Float) -> Float, rows: Int, cols: Int) {
        let a = Self.values(rows * cols, seed: 1), b = Self.values(rows * cols, seed: 2)
        let row = Self.values(cols, seed: 3), column = Self.values(rows, seed: 4)
        let ta = Tensor(shape: [rows, cols], scalars: a)
        let same: (Int, Int) -> Float = { r, c in b[r * cols + c] }
        let rowAt: (Int, Int) -> Float = { _, c in row[c] }
        let columnAt: (Int, Int) -> Float = { r, _ in column[r] }
        let scalarAt: (Int, Int) -> Float = { _, _ in row[1] }
        let cases: [(String, Tensor, (Int, Int) -> Float)] = [
            ("same shape", Tensor(shape: [rows, cols], scalars: b), same),
            ("row", Tensor(shape: [cols], scalars: row), rowAt),
            ("column", Tensor(shape: [rows, 1], scalars: column), columnAt),
            ("scalar", Tensor(shape: [], scalars: [row[1]]), scalarAt),
        ]
        for (label, tb, bAt) in cases {
            var want = [Float](), wantSwapped = [Float]()
            for r in 0..<rows { for c in 0..<cols { want.append(f(a[r * cols + c], bAt(r, c))); wantSwapped.append(f(bAt(r, c), a[r * cols + c])) } }
            assertSame(op(ta, tb).scalars, want, "\(name) \(label) [\(rows), \(cols)]")
            assertSame(op(tb, ta).scalars, wantSwapped, "\(name) \(label) swapped [\(rows), \(cols)]")
        }
        // A transposed (strided) operand.
        let t = Tensor(shape: [cols, rows], scalars: b).transposed(0, 1)
        var want = [Float]()
        for r in 0..<rows { for c in 0..<cols { want.append(f(a[r * cols + c], b[c * rows + r])) } }
        assertSame(op(ta, t).scalars, want, "\(name) transposed [\(rows), \(cols)]")
    }

    func testArithmeticMatchesThePerElementLoop() {
        for threads in [1, 2] {
            Threading.withThreadCount(threads) {
                for (rows, cols) in [(3, 5), (300, 257)] {  // below and above the parallel threshold
                    checkBinary("add", { $0 + $1 }, { $0 + $1 }, rows: rows, cols: cols)
                    checkBinary("sub", { $0 - $1 }, { $0 - $1 }, rows: rows, cols: cols)
                    checkBinary("mul", { $0 * $1 }, { $0 * $1 }, rows: rows, cols: cols)
                    checkBinary("div", { $0 / $1 }, { $0 / $1 }, rows: rows, cols: cols)
                }
            }
        }
    }

    func testScalarFormsNegationAndSquareMatchThePerElementLoop() {
        for threads in [1, 2] {
            Threading.withThreadCount(threads) {
                for n in [10, 70_001] {
                    let x = Self.values(n, seed: 5), t = Tensor(x), s: Float = -1.75
                    assertSame((t + s).scalars, x.map { $0 + s }, "x + s, n = \(n)")
                    assertSame((t - s).scalars, x.map { $0 + -s }, "x - s, n = \(n)")
                    assertSame((s - t).scalars, x.map { s - $0 }, "s - x, n = \(n)")
                    assertSame((t * s).scalars, x.map { $0 * s }, "x * s, n = \(n)")
                    assertSame((t / s).scalars, x.map { $0 / s }, "x / s, n = \(n)")
                    assertSame((s / t).scalars, x.map { s / $0 }, "s / x, n = \(n)")
                    assertSame((-t).scalars, x.map { -$0 }, "-x, n = \(n)")
                    assertSame(t.square().scalars, x.map { $0 * $0 }, "x², n = \(n)")
                }
            }
        }
    }

    func testMaskedFillAndActivationGradientsMatchThePerElementLoop() {
        for threads in [1, 2] {
            Threading.withThreadCount(threads) {
                for n in [10, 70_001] {
                    let x = Self.values(n, seed: 6).map { $0.isNaN || $0.isInfinite ? 0.5 : $0 }
                    let mask = Self.values(n, seed: 7).map { $0 > 0 ? Float(1) : 0 }
                    let g = Self.values(n, seed: 8).map { $0.isNaN || $0.isInfinite ? 1 : $0 }
                    let t = Tensor(x).requiringGrad()
                    let filled = t.maskedFill(Tensor(mask), -9)
                    assertSame(filled.scalars, zip(x, mask).map { $1 != 0 ? -9 : $0 }, "maskedFill, n = \(n)")
                    (filled * Tensor(g)).sum().backward()
                    assertSame(t.grad!.scalars, zip(g, mask).map { $1 != 0 ? 0 : $0 }, "maskedFill gradient, n = \(n)")
                    let activations: [(String, (Tensor) -> Tensor, (Float) -> Float)] = [
                        ("tanh", { $0.tanh() }, { 1 - $0 * $0 }),
                        ("sigmoid", { $0.sigmoid() }, { $0 * (1 - $0) }),
                        ("exp", { $0.exp() }, { $0 }),
                    ]
                    for (name, apply, derivative) in activations {
                        let u = Tensor(x).requiringGrad()
                        let y = apply(u)
                        (y * Tensor(g)).sum().backward()
                        assertSame(u.grad!.scalars, zip(g, y.scalars).map { $0 * derivative($1) }, "\(name) gradient, n = \(n)")
                    }
                }
            }
        }
    }
}
