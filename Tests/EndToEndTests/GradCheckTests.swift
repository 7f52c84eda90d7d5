import XCTest
@testable import EndToEnd

final class GradCheckTests: XCTestCase {
    func testEveryCatalogCasePasses() {
        let cases = GradCheckCatalog.all(seed: 7)
        XCTAssertGreaterThan(cases.count, 100)
        for c in cases {
            let r = GradCheck.run(c)
            XCTAssertTrue(r.passed, "\(c.name): \(r.detail)")
        }
    }

    /// The checker must catch a wrong derivative, or passing it means nothing.
    func testDetectsAWrongGradient() {
        let wrong = GradCheckCase("wrong", inputs: [Tensor([0.5, 1.0, 2.0])]) { x in
            var out = withNoGrad { x[0].exp() }
            // Claims d/dx exp(x) = 2·exp(x).
            let y = out.detached()
            out.recordUnary(x[0], op: "wrong") { g in g * y * 2 }
            return out
        }
        let r = GradCheck.run(wrong)
        XCTAssertFalse(r.passed)
        XCTAssertFalse(r.detail.isEmpty)
    }

    func testCatalogCoversCoreOps() {
        let names = Set(GradCheckCatalog.opNames)
        for op in ["add", "sub", "mul", "div", "pow", "neg", "abs", "exp", "log", "sqrt", "tanh", "sigmoid", "relu",
                   "leakyRelu", "gelu", "softplus", "clamp", "maximum", "minimum", "where", "sum", "mean", "variance",
                   "max", "min", "logsumexp", "softmax", "logSoftmax", "matmul", "reshape", "permute", "slice", "expand",
                   "squeeze", "unsqueeze"] {
            XCTAssertTrue(names.contains(op), "gradcheck catalog misses \(op)")
        }
    }
}
