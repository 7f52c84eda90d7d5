import EndToEnd
import EndToEndTraining
import Foundation
import XCTest
@testable import EndToEndApplications

/// The simulated fleet and the pipeline's stages on it.
final class TurbofanFleetTests: XCTestCase {
    let fleet = TurbofanFleet(seed: 11)

    func testEnginesAreSeededAndShapedLikeCMAPSS() throws {
        let a = try fleet.engines(count: 3, fault: .hpc, allowed: [0, 1, 2, 3, 4], truncate: false, stream: 1)
        let b = try fleet.engines(count: 3, fault: .hpc, allowed: [0, 1, 2, 3, 4], truncate: false, stream: 1)
        XCTAssertEqual(a.map(\.cycles), b.map(\.cycles))
        XCTAssertEqual(TurbofanFleet.channels, 24)
        XCTAssertEqual(TurbofanFleet.wearSensors.count, 14)
        for e in a {
            XCTAssertTrue((128...362).contains(e.lifetime))
            XCTAssertEqual(e.observed, e.lifetime)
            XCTAssertEqual(e.cycles.count, e.observed * 24)
            XCTAssertFalse(e.conditions.contains(5))
        }
        let test = try fleet.engines(count: 20, fault: .hpc, allowed: [0], truncate: true, stream: 2)
        for e in test {
            XCTAssertTrue((5...150).contains(e.remainingLife), "\(e.remainingLife)")
            XCTAssertGreaterThanOrEqual(e.observed, 31)
        }
        XCTAssertThrowsError(try fleet.engines(count: 1, fault: .hpc, allowed: [6], truncate: false, stream: 1))
        XCTAssertEqual(TurbofanFleet.cappedLife(200, cap: 125), 125)
        XCTAssertEqual(TurbofanFleet.cappedLife(40, cap: 125), 40)
    }

    /// T50 (sensor 4) rises with HPC wear within one condition: the last 20 cycles read higher than the first 20.
    func testWearRaisesTheHPCSensorsTowardsFailure() throws {
        let e = try fleet.engines(count: 4, fault: .hpc, allowed: [2], truncate: false, stream: 5)
        for engine in e {
            let t50 = (0..<engine.observed).map { Double(engine.cycles[$0 * 24 + 3 + 3]) }
            let early = t50.prefix(20).reduce(0, +) / 20, late = t50.suffix(20).reduce(0, +) / 20
            XCTAssertGreaterThan(late - early, 0.01 * early, "engine \(engine.id)")
        }
    }

    /// The condition normalizer finds the five flown conditions and drops the seven condition-only sensors;
    /// the z-scored sensors of the training cycles have mean 0 and deviation 1 per condition.
    func testConditionNormalizerFindsTheConditions() throws {
        let e = try fleet.engines(count: 5, fault: .hpc, allowed: [0, 1, 2, 3, 4], truncate: false, stream: 6)
        let n = try ConditionNormalizer(fitting: e, seed: 1)
        XCTAssertEqual(n.conditionCount, 5)
        XCTAssertEqual(n.kept, TurbofanFleet.wearSensors)
        let z = Array(try e.map { try n.normalize($0) }.joined())
        let k = n.kept.count, rows = z.count / k
        let first = (0..<rows).map { Double(z[$0 * k]) }
        XCTAssertEqual(first.reduce(0, +) / Double(rows), 0, accuracy: 1e-3)
        let pipeline = try MaintenancePipeline(fitting: e, window: 30, stride: 5, cap: 125, seed: 2)
        let p = try pipeline.predict(try fleet.engines(count: 6, fault: .hpc, allowed: [0, 1, 2, 3, 4], truncate: true, stream: 7))
        XCTAssertTrue(p.allSatisfy { (0...125).contains($0) })
        // The health index falls over a training engine's life.
        let hi = try pipeline.health.healthIndex(try n.normalize(e[0]))
        XCTAssertGreaterThan(hi.prefix(20).reduce(0, +) / 20, hi.suffix(20).reduce(0, +) / 20 + 0.5)
    }
}
