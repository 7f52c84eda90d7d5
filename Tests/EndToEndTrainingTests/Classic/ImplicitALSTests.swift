import Foundation
import XCTest
@testable import EndToEndTraining

/// Implicit ALS: half-sweeps against numpy's dense solve (Fixtures/recommend.json), a
/// one-cell case solved by hand, and exact recovery of a rank-2 preference matrix.
final class ImplicitALSTests: XCTestCase {
    func testHalfSweepsMatchDenseNumpySolve() throws {
        let f = try XCTUnwrap(try RankingMetricsTests.fixture()["als"] as? [String: Any])
        let als = try ImplicitALS(users: f["users"] as! Int, items: f["items"] as! Int, factors: f["factors"] as! Int,
                                  regularization: f["regularization"] as! Double, alpha: f["alpha"] as! Double, seed: 0)
        let entries = (f["entries"] as! [[Double]]).map { (user: Int($0[0]), item: Int($0[1]), value: $0[2]) }
        try als.setEntries(entries)
        als.userFactors = f["x0"] as! [Double]
        als.itemFactors = f["y0"] as! [Double]
        try als.solveUsers()
        for (a, b) in zip(als.userFactors, f["x1"] as! [Double]) { XCTAssertEqual(a, b, accuracy: 1e-10) }
        try als.solveItems()
        for (a, b) in zip(als.itemFactors, f["y1"] as! [Double]) { XCTAssertEqual(a, b, accuracy: 1e-10) }
    }

    func testOneCellByHand() throws {
        // One user, one item, k = 1: x = c·y / (c·y² + λ) with c = 1 + α·r.
        let als = try ImplicitALS(users: 1, items: 1, factors: 1, regularization: 0.5, alpha: 3, seed: 0)
        try als.setEntries([(user: 0, item: 0, value: 2)])
        als.itemFactors = [2]
        try als.solveUsers()
        XCTAssertEqual(als.userFactors[0], 7 * 2 / (7 * 4 + 0.5), accuracy: 1e-14)
    }

    func testRecoversARankTwoPreferenceMatrixAndNeverIncreasesTheLoss() throws {
        // Users 0-2 like items 0-2, users 3-4 like items 3-5: rank 2. With α = 0 and λ ≈ 0 ALS is
        // plain least squares, whose rank-2 optimum reproduces the matrix exactly.
        var entries: [(user: Int, item: Int, value: Double)] = []
        for u in 0..<5 { for i in 0..<6 where (u < 3) == (i < 3) { entries.append((u, i, 1)) } }
        let als = try ImplicitALS(users: 5, items: 6, factors: 2, regularization: 1e-9, alpha: 0, seed: 3)
        try als.setEntries(entries)
        var last = als.loss()
        for _ in 0..<40 {
            try als.solveUsers()
            try als.solveItems()
            let now = als.loss()
            XCTAssertLessThanOrEqual(now, last + 1e-9)
            last = now
        }
        for u in 0..<5 { for i in 0..<6 { XCTAssertEqual(als.score(user: u, item: i), (u < 3) == (i < 3) ? 1 : 0, accuracy: 1e-5, "\(u), \(i)") } }
        // With confidence, the observed cells weigh more, and the fit still ranks them first.
        let weighted = try ImplicitALS(users: 5, items: 6, factors: 2, regularization: 0.1, alpha: 10, seed: 3)
        try weighted.fit(entries, sweeps: 10)
        for u in 0..<5 {
            let liked = (0..<6).filter { (u < 3) == ($0 < 3) }, other = (0..<6).filter { (u < 3) != ($0 < 3) }
            XCTAssertGreaterThan(liked.map { weighted.score(user: u, item: $0) }.min()!, other.map { weighted.score(user: u, item: $0) }.max()!)
        }
    }

    func testBadInputThrows() throws {
        XCTAssertThrowsError(try ImplicitALS(users: 0, items: 3, factors: 2, regularization: 0.1, alpha: 1, seed: 0))
        XCTAssertThrowsError(try ImplicitALS(users: 2, items: 3, factors: 2, regularization: -1, alpha: 1, seed: 0))
        let als = try ImplicitALS(users: 2, items: 3, factors: 2, regularization: 0.1, alpha: 1, seed: 0)
        XCTAssertThrowsError(try als.fit([(user: 2, item: 0, value: 1)], sweeps: 1)) { e in XCTAssertTrue("\(e)".contains("entry 0"), "\(e)") }
        XCTAssertThrowsError(try als.fit([(user: 0, item: 0, value: -.infinity)], sweeps: 1))
    }
}
