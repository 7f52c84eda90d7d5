import EndToEnd
import Foundation
import XCTest
@testable import EndToEndNN

final class ModuleTests: XCTestCase {
    final class Block: Module, @unchecked Sendable {
        let fc = Linear(4, 4)
        let gain = Parameter(Tensor.ones([4]))
        override func forward(_ x: Tensor) -> Tensor { fc(x).relu() * gain.value }
    }

    final class Net: Module, @unchecked Sendable {
        let encoder = Sequential(Linear(3, 4), ReLU(), Linear(4, 4))
        let layers: [Module] = [Block(), Block()]
        let head: Linear? = Linear(4, 2, bias: false)
        let unused: Linear? = nil
        override func forward(_ x: Tensor) -> Tensor {
            head!(layers.reduce(encoder(x)) { $1($0) })
        }
    }

    func testParametersAreFoundWithDottedNames() {
        let net = Net()
        let names = net.namedParameters().map(\.0)
        XCTAssertEqual(names, [
            "encoder.layers.0.weight", "encoder.layers.0.bias", "encoder.layers.2.weight", "encoder.layers.2.bias",
            "layers.0.gain", "layers.0.fc.weight", "layers.0.fc.bias",
            "layers.1.gain", "layers.1.fc.weight", "layers.1.fc.bias", "head.weight",
        ])
        XCTAssertEqual(net.parameterCount, 3 * 4 + 4 + 16 + 4 + 2 * (4 + 16 + 4) + 8)
        XCTAssertEqual(net.namedModules().map(\.0).prefix(3), ["", "encoder", "encoder.layers.0"])
        XCTAssertEqual(net(Tensor.randn([5, 3], seed: 0)).shape, [5, 2])
        XCTAssertTrue(net.description.contains("Linear(3 -> 4)"))
        XCTAssertTrue(net.description.contains("weight [4, 3]"))
    }

    func testSharedParametersCountOnce() {
        let shared = Linear(2, 2)
        let seq = Sequential(shared, shared)
        XCTAssertEqual(seq.parameters().count, 2)
        XCTAssertEqual(seq.parameterCount, 6)
    }

    func testTrainEvalAndFreeze() {
        let net = Net()
        XCTAssertTrue(net.namedModules().allSatisfy { $0.1.isTraining })
        net.eval()
        XCTAssertTrue(net.namedModules().allSatisfy { !$0.1.isTraining })
        net.train()
        XCTAssertTrue(net.encoder.isTraining)

        net.encoder.freeze()
        XCTAssertEqual(net.trainableParameterCount, net.parameterCount - (12 + 4 + 16 + 4))
        let before = net.encoder.parameters().map { $0.value.scalars }
        let x = Tensor.randn([8, 3], seed: 1)
        net(x).square().mean().backward()
        XCTAssertTrue(net.encoder.parameters().allSatisfy { $0.grad == nil }, "frozen parameters get no gradient")
        XCTAssertNotNil(net.head!.weight.grad)
        let opt = SGD(net.parameters(), learningRate: 0.1)
        opt.step()
        XCTAssertEqual(net.encoder.parameters().map { $0.value.scalars }, before, "frozen parameters do not change")
        net.encoder.unfreeze()
        XCTAssertEqual(net.trainableParameterCount, net.parameterCount)
    }

    func testInitializersHaveTheirBoundsAndSpread() {
        Random.seed(0)
        let w = Initializer.kaimingUniform([256, 100], a: Float(5).squareRoot())
        XCTAssertLessThanOrEqual(w.abs().max().item, 0.1 + 1e-6)
        XCTAssertEqual(Initializer.fans([8, 3, 5, 5]).fanIn, 75)
        XCTAssertEqual(Initializer.fans([8, 3, 5, 5]).fanOut, 200)
        let x = Initializer.xavierUniform([300, 200])
        XCTAssertLessThanOrEqual(x.abs().max().item, (6.0 / 500.0).squareRoot() + 1e-6)
        let k = Initializer.kaimingNormal([1000, 50])
        XCTAssertEqual(k.variance().item, 2.0 / 50.0, accuracy: 0.004)
        Random.seed(3); let a = Linear(3, 3).weight.value.scalars
        Random.seed(3); let b = Linear(3, 3).weight.value.scalars
        XCTAssertEqual(a, b, "seeding makes initialization reproducible")
    }
}
