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

    public static func load(_ context: ApplicationContext, userLimit: Int?, itemLimit: Int? = nil) throws -> RecommendData {
        if let table = try realTable(context) {
            let csv = table.source.hasSuffix(".csv")
            context.log("recommend: reading \(csv ? table.source : "dslabs' movielens (\(table.source))")")
            return try RecommendData(table: table.table, userLimit: userLimit, itemLimit: itemLimit, source: table.source,
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
        // `--data` names the package's `data/Rdata` database (or its folder); else the installed package.
        let base = context.dataPath.map { $0.hasDirectoryPath || $0.lastPathComponent == "data" ? $0.appendingPathComponent("Rdata") : $0 }
            ?? RLazyLoadDatabase.package("dslabs")
        guard let base else { return nil }
        let frame = try RLazyLoadDatabase(contentsOf: base).dataFrame("movielens")
        return (try table(frame, source: base.path), context.dataPath == nil ? package : base.path)
    }

    /// The ratings of dslabs' `movielens` data frame.
    ///
    /// - Throws: ``DataError`` naming the column and row of a missing value, or a missing column.
    static func table(_ frame: RDataFrame, source: String) throws -> RatingsTable {
        let numbers = try ["userId", "movieId", "rating", "timestamp"].map { try frame.column($0).doubles() }
        let titles = try frame.column("title").strings()
        var table = RatingsTable()
        for r in 0..<frame.rowCount {
            var v: [Double] = []
            for (c, name) in ["userId", "movieId", "rating", "timestamp"].enumerated() {
                guard let x = numbers[c][r], x.isFinite, abs(x) < 1e12 else {
                    throw DataError(file: source, location: "movielens row \(r + 1), column \(name)", message: "missing or not a finite number")
                }
                v.append(x)
            }
            table.append(user: Int(v[0]), movie: Int(v[1]), rating: v[2], timestamp: Int(v[3]), title: titles[r])
        }
        guard table.count > 0 else { throw DataError(file: source, message: "movielens has no rows") }
        return table
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
