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

    /// A `Linear`, `Conv1d` or `Conv2d` followed by a `ReLU` runs as one fused op, with the values
    /// and gradients of the layers applied one by one; other pairs, and every pair while anomaly
    /// detection is on, run apart.
    func testSequentialFusesALayerAndTheReLUAfterItWithTheSameResults() {
        Random.seed(3)
        let net = Sequential(Conv2d(2, 4, kernelSize: 3, padding: 1), ReLU(), MaxPool2d(2), Flatten(),
                             Linear(16, 8), ReLU(), Linear(8, 5), Tanh())
        let x = Tensor.randn([3, 2, 4, 4], seed: 4)
        let y = net(x)
        y.sum().backward()
        let fusedGrads = net.parameters().map { $0.grad!.scalars }
        net.zeroGrad()
        let apart = net.layers.reduce(x) { $1($0) }
        apart.sum().backward()
        XCTAssertEqual(y.scalars, apart.scalars)
        XCTAssertEqual(fusedGrads, net.parameters().map { $0.grad!.scalars })

        let convReLU = Sequential(net.layers[0], net.layers[1])
        XCTAssertEqual(convReLU(x).gradOp, "conv2dReLU")
        let hidden = Tensor.randn([3, 16], seed: 5)
        XCTAssertEqual(Sequential(net.layers[4], net.layers[5])(hidden).gradOp, "linearReLU")
        XCTAssertEqual(Sequential(net.layers[6], net.layers[7])(Tensor.randn([3, 8], seed: 6)).gradOp, "tanh")
        let conv1 = Conv1d(2, 3, kernelSize: 3)
        // conv1dReLU's result is a view of the 2-D op's: no separate relu after it.
        let x1 = Tensor.randn([2, 2, 6], seed: 7)
        XCTAssertEqual(Sequential(conv1, ReLU())(x1).gradOp, "reshape")
        XCTAssertEqual(Sequential(conv1, ReLU())(x1).scalars, conv1(x1).relu().scalars)
        let (_, anomaly) = AnomalyDetection.run { () -> Void in
            XCTAssertEqual(convReLU(x).gradOp, "relu", "anomaly detection names each module, so nothing is fused")
        }
        XCTAssertNil(anomaly)
    }
}
