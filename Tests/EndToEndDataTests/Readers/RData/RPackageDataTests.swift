import Foundation
import XCTest
@testable import EndToEndData

/// The lazy-load databases Debian's R packages ship (zlib and xz entries), checked against
/// values printed by Rscript. Each test skips when its package is not installed.
final class RPackageDataTests: XCTestCase {
    func database(_ package: String) throws -> RLazyLoadDatabase {
        guard let base = RLazyLoadDatabase.package(package) else {
            throw XCTSkip("R package \(package) is not installed (apt install r-cran-\(package))")
        }
        return try RLazyLoadDatabase(contentsOf: base)
    }

    func testJaneAustenCharacterVector() throws {
        let db = try database("janeaustenr")
        XCTAssertTrue(db.objectNames.contains("prideprejudice"))
        let lines = try db.characterVector("prideprejudice")
        XCTAssertEqual(lines.count, 13_030)
        XCTAssertEqual(lines.first ?? nil, "PRIDE AND PREJUDICE")
    }

    func testMovielensDataFrame() throws {
        let frame = try database("dslabs").dataFrame("movielens")
        XCTAssertEqual(frame.rowCount, 100_004)
        XCTAssertEqual(frame.columnNames, ["movieId", "title", "year", "genres", "userId", "rating", "timestamp"])
        guard case .integer(let movieId) = try frame.column("movieId"),
              case .string(let title) = try frame.column("title"),
              case .integer(let year) = try frame.column("year"),
              case .factor(let genres, let levels) = try frame.column("genres"),
              case .integer(let userId) = try frame.column("userId"),
              case .double(let rating) = try frame.column("rating"),
              case .integer(let timestamp) = try frame.column("timestamp") else {
            return XCTFail("movielens column types differ from R's")
        }
        XCTAssertEqual(levels.count, 901)
        XCTAssertEqual(movieId[0], 31)
        XCTAssertEqual(title[0], "Dangerous Minds")
        XCTAssertEqual(year[0], 1995)
        XCTAssertEqual(genres[0].map { levels[$0] }, "Drama")
        XCTAssertEqual(userId[0], 1)
        XCTAssertEqual(rating[0], 2.5)
        XCTAssertEqual(timestamp[0], 1_260_759_144)
        XCTAssertThrowsError(try frame.column("nope")) { e in
            XCTAssertTrue("\(e)".contains("movieId"), "\(e)")
        }
    }

    func testModeldataTibblesFromXZEntries() throws {
        let db = try database("modeldata")
        let train = try db.dataFrame("training_data")
        XCTAssertEqual(train.rowCount, 4_000)
        XCTAssertEqual(train.columnNames, ["product", "review", "score"])
        XCTAssertEqual(train.classNames, ["tbl_df", "tbl", "data.frame"])
        guard case .factor(_, let levels) = try train.column("score") else { return XCTFail("score is not a factor") }
        XCTAssertEqual(levels, ["great", "other"])
        XCTAssertEqual(try train.column("product").strings().first ?? nil, "B000J0LSBG")
        XCTAssertEqual(try db.dataFrame("testing_data").rowCount, 1_000)

        let credit = try db.dataFrame("credit_data")
        XCTAssertEqual(credit.rowCount, 4_454)
        XCTAssertEqual(credit.columnNames.count, 14)
        // colSums(is.na(credit_data)) in R.
        let expected: [String: Int] = ["Status": 0, "Seniority": 0, "Home": 6, "Time": 0, "Age": 0, "Marital": 1,
                                       "Records": 0, "Job": 2, "Expenses": 0, "Income": 381, "Assets": 47,
                                       "Debt": 18, "Amount": 0, "Price": 0]
        for name in credit.columnNames {
            XCTAssertEqual(try credit.column(name).missingCount, expected[name], name)
        }
    }
}
