import EndToEnd
import XCTest
@testable import EndToEndNN

/// Containers and parameter-free layers.
final class ContainerTests: XCTestCase {
    func testActivationModulesMatchTheirOps() {
        let x = Tensor([-2, -0.5, 0.5, 2])
        XCTAssertEqual(ReLU()(x).scalars, x.relu().scalars)
        XCTAssertEqual(LeakyReLU(negativeSlope: 0.2)(x).scalars, x.leakyRelu(negativeSlope: 0.2).scalars)
        XCTAssertEqual(Tanh()(x).scalars, x.tanh().scalars)
        XCTAssertEqual(Sigmoid()(x).scalars, x.sigmoid().scalars)
        XCTAssertEqual(GELU()(x).scalars, x.gelu().scalars)
        XCTAssertEqual(GELU(approximate: true)(x).scalars, x.gelu(approximate: true).scalars)
        XCTAssertEqual(Softplus(beta: 2)(x).scalars, x.softplus(beta: 2).scalars)
        XCTAssertEqual(Identity()(x).scalars, x.scalars)
    }

    func testSequentialResidualFlattenAndGlobalPool() {
        Random.seed(0)
        let inner = Linear(4, 4)
        let res = Residual(inner)
        let x = Tensor.randn([2, 4], seed: 1)
        XCTAssertEqual(res(x).scalars, (x + inner(x)).scalars)
        XCTAssertEqual(Flatten()(Tensor.zeros([2, 3, 4, 5])).shape, [2, 60])
        let img = Tensor.arange(16).reshaped([1, 1, 4, 4])
        XCTAssertEqual(GlobalAvgPool2d()(img).scalars, [7.5])
        let net = Sequential(Conv2d(1, 2, kernelSize: 3, padding: 1), ReLU(), MaxPool2d(2), Flatten(), Linear(8, 3))
        XCTAssertEqual(net(img).shape, [1, 3])
        XCTAssertEqual(net.namedParameters().map(\.0), ["layers.0.weight", "layers.0.bias", "layers.4.weight", "layers.4.bias"])
        // Gradients reach every parameter through the container.
        net(img).sum().backward()
        XCTAssertTrue(net.parameters().allSatisfy { $0.grad != nil })
    }
}
