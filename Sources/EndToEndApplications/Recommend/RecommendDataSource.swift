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
            return try RecommendData(table: table.table, userLimit: userLimit, source: table.source,
                                     licence: "GPL-2.0 | GPL-3.0 (dslabs); the ratings are MovieLens' (GroupLens Research), for research use",
                                     note: "dslabs' `movielens` (\(table.table.count) ratings, a 2016 ml-latest-small snapshot of MovieLens)")
        }
        context.log("recommend: dslabs' movielens not found (\(installHint)); generating ratings of the same schema")
        let size = userLimit.map { (users: min($0, generatedSize.users), movies: max(200, $0 * 10)) } ?? generatedSize
        let table = GeneratedRatings(users: size.users, movies: min(size.movies, generatedSize.movies), seed: context.seed(0)).table()
        return try RecommendData(table: table, source: "generated", licence: nil,
                                 note: "generated ratings of movielens' schema (\(installHint) for the real ones): latent tastes, log-normal popularity, ≥ 20 ratings per user")
    }

    /// The real table, or nil when the package is absent and no `--data` was given.
    static func realTable(_ context: ApplicationContext) throws -> (table: RatingsTable, source: String)? {
        nil
    }
}
