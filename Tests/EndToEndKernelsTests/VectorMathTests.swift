import Foundation
import XCTest
@testable import EndToEndKernels

/// Accuracy and edge-case tests for `VectorMath`, against Foundation's Double-precision functions,
/// on the path this CPU takes (the C kernels where it has AVX-512 or AVX2 + FMA).
class VectorMathTests: XCTestCase {
    typealias Kernel = @Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void

    static let expK: Kernel = { VectorMath.exp($0, $1, count: $2) }
    static let logK: Kernel = { VectorMath.log($0, $1, count: $2) }
    static let tanhK: Kernel = { VectorMath.tanh($0, $1, count: $2) }
    static let sigmoidK: Kernel = { VectorMath.sigmoid($0, $1, count: $2) }
    static let all: [(String, Kernel)] = [("exp", expK), ("log", logK), ("tanh", tanhK), ("sigmoid", sigmoidK)]

    private func apply(_ k: Kernel, _ x: [Float]) -> [Float] {
        var y = [Float](repeating: .nan, count: x.count)
        x.withUnsafeBufferPointer { xb in
            y.withUnsafeMutableBufferPointer { yb in
                if let xp = xb.baseAddress, let yp = yb.baseAddress { k(xp, yp, x.count) }
            }
        }
        return y
    }

    private func one(_ k: Kernel, _ v: Float) -> Float { apply(k, [v])[0] }

    private func linspace(_ lo: Double, _ hi: Double, _ n: Int) -> [Float] {
        (0..<n).map { Float(lo + (hi - lo) * Double($0) / Double(n - 1)) }
    }

    private func logspace(_ lo: Double, _ hi: Double, _ n: Int) -> [Float] {
        let a = Foundation.log(lo), b = Foundation.log(hi)
        return (0..<n).map { Float(Foundation.exp(a + (b - a) * Double($0) / Double(n - 1))) }
    }

    /// Largest `err(got, reference)` over `x`, with the argument where it occurs.
    private func maxError(_ k: Kernel, _ x: [Float], ref: (Double) -> Double,
                          err: (Double, Double) -> Double) -> (Double, Float) {
        let y = apply(k, x)
        var worst = 0.0, at: Float = 0
        for i in x.indices {
            let e = err(Double(y[i]), ref(Double(x[i])))
            if !(e <= worst) { worst = e; at = x[i] }   // NaN counts as worst
        }
        return (worst, at)
    }

    private static func sigmoidRef(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }

    // MARK: exp

    func testExpAccuracy() {
        let (e, at) = maxError(Self.expK, linspace(-87, 88, 1_000_003), ref: Foundation.exp,
                               err: { abs($0 - $1) / $1 })
        XCTAssertLessThanOrEqual(e, 4e-7, "max rel error at \(at)")
    }

    func testExpSpecialValues() {
        let k = Self.expK
        XCTAssertEqual(one(k, 0), 1)
        XCTAssertEqual(one(k, -0.0), 1)
        XCTAssertEqual(one(k, 1), Float(M_E), accuracy: 2e-7)
        XCTAssertEqual(one(k, .infinity), .infinity)
        XCTAssertEqual(one(k, -.infinity), 0)
        XCTAssertTrue(one(k, .nan).isNaN)
        XCTAssertEqual(one(k, 88.73), .infinity)
        XCTAssertEqual(one(k, 100), .infinity)
        XCTAssertEqual(one(k, 1e30), .infinity)
        // Largest finite result: exp(88.72283) ≈ 3.40282e38 must not overflow.
        let big = one(k, 88.72283)
        XCTAssertTrue(big.isFinite)
        XCTAssertEqual(Double(big), Foundation.exp(Double(Float(88.72283))), accuracy: 1e32)
        // Underflow: below ln(FLT_MIN) results are denormal-or-zero, never negative or NaN.
        for v: Float in [-87.4, -90, -95, -100, -103.9] {
            let r = one(k, v)
            XCTAssertTrue(r >= 0 && r < Float.leastNormalMagnitude, "exp(\(v)) = \(r)")
            XCTAssertEqual(Double(r), Foundation.exp(Double(v)), accuracy: 2e-45)
        }
        for v: Float in [-104, -110, -1e30] { XCTAssertEqual(one(k, v), 0, "exp(\(v))") }
    }

    // MARK: log

    func testLogAccuracy() {
        let err: (Double, Double) -> Double = { abs($0 - $1) / max(1, abs($1)) }
        let (e1, at1) = maxError(Self.logK, logspace(1e-30, 1e30, 1_000_003), ref: Foundation.log, err: err)
        XCTAssertLessThanOrEqual(e1, 2e-7, "at \(at1)")
        // Dense around 1, where the result is small and cancellation would show up.
        let (e2, at2) = maxError(Self.logK, linspace(0.25, 4, 500_001), ref: Foundation.log, err: err)
        XCTAssertLessThanOrEqual(e2, 2e-7, "at \(at2)")
    }

    func testLogSpecialValues() {
        let k = Self.logK
        XCTAssertEqual(one(k, 1), 0)
        XCTAssertEqual(one(k, 0), -.infinity)
        XCTAssertEqual(one(k, -0.0), -.infinity)
        XCTAssertEqual(one(k, .infinity), .infinity)
        XCTAssertTrue(one(k, -1).isNaN)
        XCTAssertTrue(one(k, -1e-30).isNaN)
        XCTAssertTrue(one(k, -.infinity).isNaN)
        XCTAssertTrue(one(k, .nan).isNaN)
        // Extremes of the finite range, denormals included.
        for v: Float in [.greatestFiniteMagnitude, .leastNormalMagnitude, .leastNonzeroMagnitude,
                         .leastNormalMagnitude / 1000, .leastNormalMagnitude / 3] {
            let ref = Foundation.log(Double(v))
            XCTAssertEqual(Double(one(k, v)), ref, accuracy: 2e-7 * abs(ref), "log(\(v))")
        }
    }

    // MARK: tanh

    func testTanhAccuracy() {
        let (e, at) = maxError(Self.tanhK, linspace(-12, 12, 1_000_003), ref: Foundation.tanh,
                               err: { abs($0 - $1) })
        XCTAssertLessThanOrEqual(e, 3e-7, "max abs error at \(at)")
        // Relative accuracy near zero (polynomial branch; no 1 - 2/(e^2x+1) cancellation).
        let (r, atr) = maxError(Self.tanhK, logspace(1e-30, 0.7, 200_001), ref: Foundation.tanh,
                                err: { abs($0 - $1) / abs($1) })
        XCTAssertLessThanOrEqual(r, 3e-7, "max rel error at \(atr)")
    }

    func testTanhSpecialValues() {
        let k = Self.tanhK
        XCTAssertEqual(one(k, 0), 0)
        XCTAssertEqual(one(k, 1e-6), 1e-6, accuracy: 1e-12)
        XCTAssertEqual(one(k, -1e-6), -1e-6, accuracy: 1e-12)
        XCTAssertTrue(one(k, .nan).isNaN)
        for v: Float in [9.0001, 10, 20, 88, 100, 1e30, .infinity] {
            XCTAssertEqual(one(k, v), 1, "tanh(\(v))")
            XCTAssertEqual(one(k, -v), -1, "tanh(\(-v))")
        }
        // Exact odd symmetry.
        let x = linspace(0, 12, 100_001)
        let pos = apply(k, x), neg = apply(k, x.map { -$0 })
        for i in x.indices where pos[i] != -neg[i] {
            XCTFail("tanh not odd at \(x[i]): \(pos[i]) vs \(neg[i])"); break
        }
    }

    // MARK: sigmoid

    func testSigmoidAccuracy() {
        let (e, at) = maxError(Self.sigmoidK, linspace(-40, 40, 1_000_003), ref: Self.sigmoidRef,
                               err: { abs($0 - $1) })
        XCTAssertLessThanOrEqual(e, 3e-7, "max abs error at \(at)")
    }

    func testSigmoidSpecialValues() {
        let k = Self.sigmoidK
        XCTAssertEqual(one(k, 0), 0.5)
        XCTAssertEqual(one(k, 100), 1)
        XCTAssertEqual(one(k, .infinity), 1)
        XCTAssertEqual(one(k, -.infinity), 0)
        XCTAssertTrue(one(k, .nan).isNaN)
        for v: Float in [-88, -100, -1000, -1e30] {
            let r = one(k, v)
            XCTAssertFalse(r.isNaN, "sigmoid(\(v))")
            XCTAssertTrue(r >= 0 && r < 1e-38, "sigmoid(\(v)) = \(r)")
        }
    }

    // MARK: buffer handling

    /// Results must not depend on position (tails vs. full vectors), tails must not write past
    /// `count`, and in-place use must match out-of-place.
    func testTailsInPlaceAndPositionIndependence() {
        let base: [Float] = (0..<40).map { Float($0) * 0.37 - 7 + 0.001 * Float($0 * $0) }
        for (name, k) in Self.all {
            let input = name == "log" ? base.map { abs($0) + 0.01 } : base
            let reference = apply(k, input)
            for count in 0...19 {
                for offset in [0, 1, 3, 8, 13] where offset + count <= input.count {
                    let slice = Array(input[offset..<(offset + count)])
                    // Out of place with sentinels after the end.
                    var out = [Float](repeating: 12345, count: count + 9)
                    slice.withUnsafeBufferPointer { xb in
                        out.withUnsafeMutableBufferPointer { yb in
                            k(xb.baseAddress ?? UnsafePointer(yb.baseAddress!), yb.baseAddress!, count)
                        }
                    }
                    for i in 0..<count {
                        XCTAssertEqual(out[i].bitPattern, reference[offset + i].bitPattern,
                                       "\(name) count=\(count) offset=\(offset) i=\(i)")
                    }
                    XCTAssertTrue(out[count...].allSatisfy { $0 == 12345 }, "\(name) wrote past count=\(count)")
                    // In place.
                    var buf = slice
                    buf.withUnsafeMutableBufferPointer { b in
                        if let p = b.baseAddress { k(UnsafePointer(p), p, count) }
                    }
                    XCTAssertEqual(buf.map(\.bitPattern), Array(out[0..<count]).map(\.bitPattern),
                                   "\(name) in-place count=\(count)")
                }
            }
        }
    }

    /// The SIMD8 entry points agree bit-for-bit with the buffer entry points of the Swift path
    /// (the C kernels fuse multiply-adds, so they may differ in the last bits; see below).
    func testSIMD8EntryPointsMatchBuffers() {
        let saved = CPUKernels.isEnabled
        CPUKernels.isEnabled = false
        defer { CPUKernels.isEnabled = saved }
        let v = SIMD8<Float>(-3.5, -0.3, 0, 1e-7, 0.5, 2, 9.5, 50)
        let p = SIMD8<Float>(1e-30, 0.3, 1, 1.5, 2, 10, 1e10, 3e38)
        let fns: [((SIMD8<Float>) -> SIMD8<Float>, Kernel, SIMD8<Float>)] = [
            (VectorMath.exp, Self.expK, v), (VectorMath.log, Self.logK, p),
            (VectorMath.tanh, Self.tanhK, v), (VectorMath.sigmoid, Self.sigmoidK, v),
        ]
        for (f, k, input) in fns {
            let arr = (0..<8).map { input[$0] }
            let viaBuffer = apply(k, arr)
            let viaSIMD = f(input)
            for i in 0..<8 { XCTAssertEqual(viaSIMD[i].bitPattern, viaBuffer[i].bitPattern) }
        }
    }

    /// The C kernels and the Swift SIMD8 path agree to a few ulps over the whole range,
    /// special values included.
    func testCKernelsAgreeWithTheSwiftPath() throws {
        try XCTSkipIf(CPUKernels.instructionSet == nil, "this CPU has neither AVX-512 nor AVX2 + FMA")
        let saved = CPUKernels.isEnabled
        defer { CPUKernels.isEnabled = saved }
        var x = linspace(-120, 120, 20_011) + linspace(-1, 1, 2_001)
        x += [0, -0, .infinity, -.infinity, .nan, 1e-30, -1e-30, 88.7, -87.3, 9, -9, 0.625, -0.625]
        for (name, k) in Self.all where name != "log" {
            CPUKernels.isEnabled = true
            let c = apply(k, x)
            CPUKernels.isEnabled = false
            let swift = apply(k, x)
            for i in x.indices {
                if swift[i].isNaN { XCTAssertTrue(c[i].isNaN, "\(name)(\(x[i]))"); continue }
                if swift[i].isInfinite || swift[i] == 0 { XCTAssertEqual(c[i], swift[i], "\(name)(\(x[i]))"); continue }
                XCTAssertEqual(c[i], swift[i], accuracy: 4 * swift[i].ulp, "\(name)(\(x[i]))")
            }
        }
    }
}

/// The same tests on the reference path: Swift's SIMD8 code, as on CPUs without the C kernels.
final class VectorMathReferencePathTests: VectorMathTests {
    private var saved = true
    override func setUp() {
        super.setUp()
        saved = CPUKernels.isEnabled
        CPUKernels.isEnabled = false
    }
    override func tearDown() {
        CPUKernels.isEnabled = saved
        super.tearDown()
    }

    // Declared again so that XCTest on Linux, which lists each class's own methods, runs them.
    override func testExpAccuracy() { super.testExpAccuracy() }
    override func testExpSpecialValues() { super.testExpSpecialValues() }
    override func testLogAccuracy() { super.testLogAccuracy() }
    override func testLogSpecialValues() { super.testLogSpecialValues() }
    override func testSigmoidAccuracy() { super.testSigmoidAccuracy() }
    override func testSigmoidSpecialValues() { super.testSigmoidSpecialValues() }
    override func testTailsInPlaceAndPositionIndependence() { super.testTailsInPlaceAndPositionIndependence() }
    override func testTanhAccuracy() { super.testTanhAccuracy() }
    override func testTanhSpecialValues() { super.testTanhSpecialValues() }
}
