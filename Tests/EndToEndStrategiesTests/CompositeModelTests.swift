import EndToEnd
import EndToEndNN
import XCTest
@testable import EndToEndStrategies

final class CompositeModelTests: XCTestCase {
    func testPerItemNodeSharesWeightsAcrossItems() throws {
        let model = StrategyTestSupport.model(seed: 0)
        let x = Tensor(shape: [4, 2, 3], scalars: (0..<24).map { Float($0) / 10 })
        let outs = model.outputs(x)
        XCTAssertEqual(outs["encoder"]?.shape, [4, 2, 1])
        XCTAssertEqual(outs["aggregator"]?.shape, [4, 1])
        // Item j of example i goes through the same Linear as a batch of single items.
        let encoder = model.node("encoder")!.module
        let direct = encoder(x.reshaped([8, 3])).scalars
        XCTAssertEqual(outs["encoder"]!.scalars, direct)
        XCTAssertEqual(model.forward(x).scalars, outs["aggregator"]!.scalars)
    }

    func testParametersAreNamedAfterNodes() {
        let names = StrategyTestSupport.model(seed: 0).namedParameters().map(\.0)
        XCTAssertEqual(names.first, "encoder.weight")
        XCTAssertTrue(names.contains("aggregator.layers.2.weight"), "\(names)")
    }

    func testSeveralInputsAreConcatenated() throws {
        let model = try CompositeModel([
            .init("a", Linear(3, 2)),
            .init("b", Linear(3, 4), inputs: ["input"]),
            .init("head", Linear(6, 1), inputs: ["a", "b"]),
        ])
        let outs = model.outputs(Tensor.ones([5, 3]))
        XCTAssertEqual(outs["head"]?.shape, [5, 1])
        XCTAssertEqual(model.inputs(of: "head"), ["a", "b"])
        XCTAssertEqual(model.inputs(of: "a"), ["input"])
    }

    func testWiringErrorsNameTheNode() {
        XCTAssertThrowsError(try CompositeModel([.init("a", Linear(1, 1)), .init("a", Linear(1, 1))])) {
            XCTAssertTrue("\($0)".contains("duplicate name 'a'"), "\($0)")
        }
        XCTAssertThrowsError(try CompositeModel([.init("a", Linear(1, 1), inputs: ["later"]), .init("later", Linear(1, 1))])) {
            XCTAssertTrue("\($0)".contains("input 'later' is not the model input or an earlier node"), "\($0)")
        }
        XCTAssertThrowsError(try CompositeModel([.init("input", Linear(1, 1))]))
        XCTAssertThrowsError(try CompositeModel([]))
    }

    func testStopGradientStopsGradients() {
        let model = StrategyTestSupport.model(seed: 0)
        let x = Tensor(shape: [4, 2, 3], scalars: (0..<24).map { Float($0) / 10 - 1 })
        model.outputs(x, stopGradientBefore: ["aggregator"])["aggregator"]!.sum().backward()
        let encoderGrad = model.node("encoder")!.module.parameters().compactMap(\.grad).map { $0.abs().sum().item }.reduce(0, +)
        XCTAssertEqual(encoderGrad, 0, "no gradient may reach the encoder past the stop")
        XCTAssertGreaterThan(model.node("aggregator")!.module.parameters().compactMap(\.grad).map { $0.abs().sum().item }.reduce(0, +), 0)

        model.zeroGrad()
        model.outputs(x)["aggregator"]!.sum().backward()
        XCTAssertGreaterThan(model.node("encoder")!.module.parameters().compactMap(\.grad).map { $0.abs().sum().item }.reduce(0, +), 0,
                             "without the stop the encoder gets a gradient")
    }

    func testUpToSkipsLaterNodes() {
        let outs = StrategyTestSupport.model(seed: 0).outputs(Tensor.ones([2, 2, 3]), upTo: "encoder")
        XCTAssertEqual(Set(outs.keys), ["encoder"])
    }
}
