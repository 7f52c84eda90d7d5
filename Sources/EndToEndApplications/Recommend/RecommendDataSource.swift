import EndToEnd
import EndToEndData
import Foundation

/// Where the ratings come from: Debian's `r-cran-dslabs` (`movielens`, read with the data
/// layer's R lazy-load reader) when installed or given with `--data`, otherwise generated
/// ratings of the same schema.
public enum RecommendDataSource {
    public static let package = "r-cran-dslabs"
    public static let installHint = "apt-get install r-cran-dslabs"
    /// Generated data's size, MovieLens' own: users × movies.
    static let generatedSize = (users: 671, movies: 9066)

    public static func load(_ context: ApplicationContext, userLimit: Int?) throws -> RecommendData {
        if let table = try realTable(context) {
            let csv = table.source.hasSuffix(".csv")
            return try RecommendData(table: table.table, userLimit: userLimit, source: table.source,
                                     licence: "GPL-2.0 | GPL-3.0 (dslabs); the ratings are MovieLens' (GroupLens Research), for research use",
                                     note: "dslabs' `movielens`\(csv ? " exported to CSV" : "") (\(table.table.count) ratings, a 2016 ml-latest-small snapshot of MovieLens)")
        }
        context.log("recommend: dslabs' movielens not found (\(installHint)); generating ratings of the same schema")
        let size = userLimit.map { (users: min($0, generatedSize.users), movies: max(200, $0 * 10)) } ?? generatedSize
        let table = GeneratedRatings(users: size.users, movies: min(size.movies, generatedSize.movies), seed: context.seed(0)).table()
        return try RecommendData(table: table, source: "generated", licence: nil,
                                 note: "generated ratings of movielens' schema (\(installHint) for the real ones): latent tastes, log-normal popularity, ≥ 20 ratings per user")
    }

    /// The real table, or nil when the package is absent and no `--data` was given.
    static func realTable(_ context: ApplicationContext) throws -> (table: RatingsTable, source: String)? {
        if let path = context.dataPath, path.pathExtension.lowercased() == "csv" {
            return (try csvTable(path), path.path)
        }
        return nil
    }

    /// Ratings from a CSV file with movielens' columns `userId`, `movieId`, `rating`,
    /// `timestamp` and optionally `title` (e.g. `write.csv(dslabs::movielens, ...)`).
    ///
    /// - Throws: ``DataError`` naming the file, line and column of a missing column or a malformed number.
    static func csvTable(_ url: URL) throws -> RatingsTable {
        let csv = try CSVTable.read(url)
        let columns = try ["userId", "movieId", "rating", "timestamp"].map { try csv.columnIndex($0) }
        let title = try? csv.columnIndex("title")
        var table = RatingsTable()
        for (r, row) in csv.rows.enumerated() {
            func number(_ c: Int) throws -> Double {
                guard c < row.count, let v = Double(row[c].trimmingCharacters(in: .whitespaces)), v.isFinite else {
                    throw DataError(file: url.path, location: "line \(csv.lineNumbers[r]), column \(csv.columnNames[c])",
                                    message: "expected a number, got \(c < row.count ? "'\(row[c])'" : "nothing")")
                }
                return v
            }
            let user = try number(columns[0]), movie = try number(columns[1])
            guard user == user.rounded(), movie == movie.rounded(), abs(user) < 1e9, abs(movie) < 1e9 else {
                throw DataError(file: url.path, location: "line \(csv.lineNumbers[r])", message: "userId and movieId must be whole numbers")
            }
            table.append(user: Int(user), movie: Int(movie), rating: try number(columns[2]), timestamp: Int(try number(columns[3])),
                         title: title.flatMap { $0 < row.count ? row[$0] : nil })
        }
        guard table.count > 0 else { throw DataError(file: url.path, message: "no ratings") }
        return table
    }
}
