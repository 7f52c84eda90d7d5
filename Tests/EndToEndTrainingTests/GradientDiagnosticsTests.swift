import EndToEnd
import EndToEndNN
import XCTest
import EndToEndTraining

final class GradientDiagnosticsTests: XCTestCase {
    func testSNRIsMeanNormOverPerExampleStandardDeviation() {
        let p = Parameter(Tensor([0, 0]))
        let group = GradientDiagnostics.Group(name: "p", parameters: [p])
        // loss_i = a_i · p, so the per-example gradient is a_i.
        let a: [[Float]] = [[1, 2], [3, 2], [2, 5]]
        let snr = GradientDiagnostics.signalToNoise(groups: [group], examples: 3) { i in (p.value * Tensor(a[i])).sum() }
        // mean = (2, 3); deviations (-1,-1), (1,-1), (0,2): total variance (2 + 2 + 4) / (3 - 1) = 4;
        // signal² = |mean|² - 4/3 = 13 - 4/3.
        XCTAssertEqual(snr["p"]!, (13.0 - 4.0 / 3).squareRoot() / 2, accuracy: 1e-6)
        XCTAssertNil(p.grad.map { $0.abs().sum().item }.flatMap { $0 == 0 ? nil : $0 }, "gradients are cleared afterwards")
    }

    func testPureNoiseReadsAsZeroSignal() {
        let p = Parameter(Tensor([0]))
        let g: [Float] = [1, -1, 1, -1]
        let snr = GradientDiagnostics.signalToNoise(groups: [.init(name: "p", parameters: [p])], examples: 4) { i in
            (p.value * g[i]).sum()
        }
        XCTAssertEqual(snr["p"]!, 0, "zero mean gradient: no signal, not 1/√n")
    }

    func testFrozenGroupsAreSkippedAndNormsReadGradients() {
        let p = Parameter(Tensor([1, 1]), requiresGrad: false)
        let q = Parameter(Tensor([3, 4]))
        let snr = GradientDiagnostics.signalToNoise(
            groups: [.init(name: "frozen", parameters: [p]), .init(name: "live", parameters: [q])], examples: 2
        ) { i in (q.value * Float(i + 1)).sum() + p.value.sum() }
        XCTAssertNil(snr["frozen"])
        XCTAssertNotNil(snr["live"])
        (q.value * q.value).sum().backward()  // gradient 2q = (6, 8)
        XCTAssertEqual(GradientDiagnostics.gradientNorm(.init(name: "q", parameters: [q]))!, 10, accuracy: 1e-5)
        XCTAssertNil(GradientDiagnostics.gradientNorm(.init(name: "p", parameters: [p])))
    }
}
