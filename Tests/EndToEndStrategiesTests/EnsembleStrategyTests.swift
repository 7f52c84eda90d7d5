import EndToEnd
import EndToEndNN
import XCTest
@testable import EndToEndStrategies

final class EnsembleStrategyTests: XCTestCase {
    func testEnsembleOfIdenticalMembersEqualsOneMember() throws {
        let setup = StrategyTestSupport.setup(steps: 40)
        let single = try EndToEndStrategy().run(setup)
        for combination in EnsembleStrategy.Combination.allCases where combination != .stacking {
            let ensemble = try EnsembleStrategy(members: 3, combination: combination, identicalMembers: true).run(setup)
            XCTAssertEqual(ensemble.testAccuracy, single.testAccuracy, "\(combination)")
            XCTAssertEqual(ensemble.metrics["member0_accuracy"], single.testAccuracy)
            XCTAssertEqual(ensemble.metrics["member2_accuracy"], single.testAccuracy)
        }
        let averaged = try EnsembleStrategy(members: 3, identicalMembers: true).run(setup)
        XCTAssertEqual(averaged.metrics["test_loss"]!, single.metrics["test_loss"]!, accuracy: 1e-4)
        XCTAssertEqual(averaged.samplesSeen, 3 * single.samplesSeen)
        XCTAssertEqual(averaged.parameterCount, 3 * single.parameterCount)
    }

    func testDifferentSeedsGiveDifferentMembers() throws {
        let r = try EnsembleStrategy(members: 2).run(StrategyTestSupport.setup(steps: 10))
        XCTAssertNotNil(r.metrics["members_mean_accuracy"])
        XCTAssertEqual(r.steps, 10)
    }

    func testEqualSamplesBudgetDividesStepsAmongMembers() throws {
        let r = try EnsembleStrategy(members: 4).run(StrategyTestSupport.setup(steps: 40, policy: .equalSamples))
        XCTAssertEqual(r.steps, 10)
        XCTAssertEqual(r.samplesSeen, 40 * 32)
    }

    func testBlendAndBaggingAndStackingRun() throws {
        let setup = StrategyTestSupport.setup(steps: 20)
        XCTAssertEqual(try EnsembleStrategy(members: 2, lambda: 1).run(setup).strategy, "ensemble-lambda=1")
        XCTAssertEqual(try EnsembleStrategy(members: 2, bagging: true).run(setup).steps, 20)
        let stacked = try EnsembleStrategy(members: 2, combination: .stacking, stackingFraction: 0.25).run(setup)
        XCTAssertEqual(stacked.stages.map(\.name), ["members", "stacking"])
        XCTAssertEqual(stacked.stages.map(\.steps), [15, 5])
        XCTAssertThrowsError(try EnsembleStrategy(members: 2, bagging: true, lambda: 0.5).run(setup))
        XCTAssertThrowsError(try EnsembleStrategy(members: 0).run(setup))
    }

    func testVoteTakesTheMajorityAndBreaksTiesLow() {
        let a = Tensor(shape: [2, 3], scalars: [5, 0, 0, 0, 1, 0])
        let b = Tensor(shape: [2, 3], scalars: [0, 5, 0, 0, 0, 1])
        let c = Tensor(shape: [2, 3], scalars: [0, 5, 0, 1, 0, 0])
        let v = EnsembleStrategy.vote([a, b, c], objective: .crossEntropy)
        XCTAssertEqual(v.argmax(axis: -1).scalars, [1, 0], "row 0: class 1 twice; row 1: a three-way tie goes to class 0")
        let s = EnsembleStrategy.vote([Tensor([1, -1]), Tensor([2, -3]), Tensor([-1, 4])], objective: .hinge)
        XCTAssertEqual(s.scalars, [1, -1])
    }

    func testStackerStartsAsTheAverage() {
        let s = EnsembleStrategy.averagingStacker(members: 2, features: 3)
        let a = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [2, 3], scalars: [3, 2, 1, 0, 1, 2])
        let y = EnsembleStrategy.stack([a, b], s)
        for (u, v) in zip(y.scalars, ((a + b) / 2).scalars) { XCTAssertEqual(u, v, accuracy: 1e-6) }
    }
}
