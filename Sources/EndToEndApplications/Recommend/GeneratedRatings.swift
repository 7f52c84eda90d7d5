import EndToEnd
import Foundation

/// Generated ratings of the same schema as dslabs' `movielens` (userId, movieId, title,
/// rating, timestamp), the fallback when the package is not installed.
///
/// Users and movies have latent tastes (`dimension` numbers each) and movies a log-normal
/// popularity; each user rates at least 20 movies (MovieLens' own floor) and a heavy-tailed
/// number more, chosen with probability ∝ popularity · exp(2 · taste match) (the Gumbel
/// top-k trick draws them without replacement), at increasing times, with a half-star
/// rating from the match plus noise. So both popularity and collaborative signal exist.
public struct GeneratedRatings: Sendable {
    public var users: Int
    public var movies: Int
    public var dimension: Int
    public var seed: UInt64

    public init(users: Int, movies: Int, dimension: Int = 8, seed: UInt64) {
        self.users = users
        self.movies = movies
        self.dimension = dimension
        self.seed = seed
    }

    public func table() -> RatingsTable {
        var rng = RandomGenerator(seed: seed)
        let d = dimension
        let itemTaste = (0..<(movies * d)).map { _ in Double(rng.nextNormal()) / Double(d).squareRoot() }
        let popularity = (0..<movies).map { _ in 1.2 * Double(rng.nextNormal()) }   // log popularity
        var table = RatingsTable()
        table.titles = (0..<movies).map { "Generated movie \($0 + 1)" }
        for u in 0..<users {
            let taste = (0..<d).map { _ in Double(rng.nextNormal()) }
            // 20 + a Pareto-like tail, capped at a third of the catalogue.
            let extra = Int(15 / pow(max(rng.nextUniformDouble(), 1e-6), 0.8)) - 15
            let n = min(movies / 3, 20 + extra)
            var keyed: [(Double, Int, Double)] = []
            keyed.reserveCapacity(movies)
            for i in 0..<movies {
                var m = 0.0
                for a in 0..<d { m += taste[a] * itemTaste[i * d + a] }
                let gumbel = -log(-log(max(rng.nextUniformDouble(), 1e-12)))
                keyed.append((popularity[i] + 2 * m + gumbel, i, m))
            }
            keyed.sort { $0.0 > $1.0 }
            var time = 1_000_000_000 + rng.nextInt(below: 200_000_000)
            for (_, i, m) in keyed.prefix(n).shuffled(using: &rng) {
                time += 1 + rng.nextInt(below: 100_000)
                let stars = min(5, max(0.5, ((3.5 + m + 0.7 * Double(rng.nextNormal())) * 2).rounded() / 2))
                table.append(user: u + 1, movie: i + 1, rating: stars, timestamp: time)
            }
        }
        return table
    }
}

/// Ratings in the columns of dslabs' `movielens`: one row per rating.
public struct RatingsTable: Sendable {
    public var userIds: [Int] = []
    public var movieIds: [Int] = []
    public var ratings: [Double] = []
    public var timestamps: [Int] = []
    /// Titles by movie id (`movieIds` value − 1 for generated data; looked up by ``title(of:)``).
    public var titles: [String] = []
    var titleById: [Int: String] = [:]

    public init() {}

    public var count: Int { userIds.count }

    mutating func append(user: Int, movie: Int, rating: Double, timestamp: Int, title: String? = nil) {
        userIds.append(user)
        movieIds.append(movie)
        ratings.append(rating)
        timestamps.append(timestamp)
        if let title { titleById[movie] = title }
    }

    /// The title of a raw movie id.
    public func title(of movie: Int) -> String {
        if let t = titleById[movie] { return t }
        return movie >= 1 && movie <= titles.count ? titles[movie - 1] : "movie \(movie)"
    }
}
