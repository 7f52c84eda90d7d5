import Foundation
import XCTest
@testable import EndToEnd
import EndToEndKernels

/// The exact GELU's C kernel against the reference formula (Foundation's erf), values and
/// gradients, across the range and at the edges.
final class UnaryMathTests: XCTestCase {
    func testGELUCKernelMatchesTheReferenceFormula() throws {
        try XCTSkipIf(CPUKernels.instructionSet == nil, "this CPU has neither AVX-512 nor AVX2 + FMA")
        var values = (0..<4_001).map { Float(-12 + 24 * Double($0) / 4_000) }
        values += [0, -0, 1e-30, -1e-30, 1e-4, -1e-4, 30, -30, 88, -88]
        func run(_ fast: Bool) -> ([Float], [Float]) {
            let saved = CPUKernels.isEnabled
            CPUKernels.isEnabled = fast
            defer { CPUKernels.isEnabled = saved }
            let x = Tensor(values).requiringGrad()
            let y = x.gelu()
            y.sum().backward()
            return (y.scalars, x.grad!.scalars)
        }
        let (fy, fg) = run(true), (ry, rg) = run(false)
        for i in values.indices {
            let scale = max(1, abs(values[i]))
            XCTAssertEqual(fy[i], ry[i], accuracy: 3e-7 * scale, "gelu(\(values[i]))")
            XCTAssertEqual(fg[i], rg[i], accuracy: 3e-7 * scale, "gelu'(\(values[i]))")
        }
        // Exactly 0 at 0, and the identity and zero far out, as the definition gives.
        XCTAssertEqual(fy[values.count - 10], 0)
        XCTAssertEqual(fy[values.count - 4], 30)
        XCTAssertEqual(fy[values.count - 3], 0, accuracy: 1e-30)
    }
}
