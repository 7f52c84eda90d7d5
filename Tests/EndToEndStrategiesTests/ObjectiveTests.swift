import EndToEnd
import XCTest
@testable import EndToEndStrategies

final class ObjectiveTests: XCTestCase {
    func testHingeAlignsScoresWithLabelsAndCountsSigns() {
        let scores = Tensor(shape: [2, 2, 1], scalars: [2, -1, 0.5, -3])
        let labels = Tensor(shape: [2, 2], scalars: [1, 0, 0, 0])
        // y = [1, -1, -1, -1]; max(0, 1 - y s) = [0, 0, 1.5, 0] -> mean 0.375
        XCTAssertEqual(Objective.hinge.loss(scores, labels).item, 0.375, accuracy: 1e-6)
        XCTAssertEqual(Objective.hinge.correct(scores, labels).correct, 3)
        XCTAssertEqual(Objective.hinge.correct(scores, labels).total, 4)
    }

    func testCrossEntropyTakesClassIndicesAsFloats() {
        let logits = Tensor(shape: [2, 3], scalars: [0, 5, 0, 1, 0, 0])
        let targets = Tensor(shape: [2], scalars: [1, 2])
        XCTAssertEqual(Objective.crossEntropy.correct(logits, targets).correct, 1)
        let expected = (-logits.logSoftmax(axis: -1).scalars[1] - logits.logSoftmax(axis: -1).scalars[5]) / 2
        XCTAssertEqual(Objective.crossEntropy.loss(logits, targets).item, expected, accuracy: 1e-5)
    }

    func testProbabilitiesRoundTrip() {
        let x = Tensor(shape: [2, 2], scalars: [0.3, -1.2, 2, 0])
        for o in [Objective.hinge, .logistic] {
            let back = o.output(fromProbabilities: o.probabilities(x)).scalars
            for (a, b) in zip(back, x.scalars) { XCTAssertEqual(a, b, accuracy: 1e-4) }
        }
        let p = Objective.crossEntropy.output(fromProbabilities: Objective.crossEntropy.probabilities(x)).softmax(axis: -1)
        for (a, b) in zip(p.scalars, x.softmax(axis: -1).scalars) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }
}
