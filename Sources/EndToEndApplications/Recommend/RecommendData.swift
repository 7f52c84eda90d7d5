import EndToEnd
import EndToEndData
import Foundation

/// The recommend application's data: implicit feedback (every rating is an interaction)
/// over dense user and item indices, with the movie titles for the nearest-item tables.
public struct RecommendData: Sendable {
    public var interactions: InteractionSet
    /// By dense item index.
    public var titles: [String]
    public var source: String
    public var licence: String?
    public var note: String

    /// Dense indices in ascending order of the raw ids. For the smoke run, `userLimit` keeps
    /// the first users (by id) and `itemLimit` only their most-rated items (ties by id).
    public init(table: RatingsTable, userLimit: Int? = nil, itemLimit: Int? = nil, source: String, licence: String?, note: String) throws {
        let keptUsers = Set(Array(Set(table.userIds)).sorted().prefix(userLimit ?? Int.max))
        var userIndex: [Int: Int] = [:], itemIndex: [Int: Int] = [:]
        var kept: [Int] = []
        for r in 0..<table.count where keptUsers.contains(table.userIds[r]) { kept.append(r) }
        if let itemLimit {
            var counts: [Int: Int] = [:]
            for r in kept { counts[table.movieIds[r], default: 0] += 1 }
            let top = Set(counts.keys.sorted { (counts[$0]!, -$0) > (counts[$1]!, -$1) }.prefix(itemLimit))
            kept = kept.filter { top.contains(table.movieIds[$0]) }
        }
        for u in Set(kept.map { table.userIds[$0] }).sorted() { userIndex[u] = userIndex.count }
        for m in Set(kept.map { table.movieIds[$0] }).sorted() { itemIndex[m] = itemIndex.count }
        var titles = [String](repeating: "", count: itemIndex.count)
        for (m, i) in itemIndex { titles[i] = table.title(of: m) }
        let list = kept.map { r in
            Interaction(user: userIndex[table.userIds[r]]!, item: itemIndex[table.movieIds[r]]!, time: table.timestamps[r], value: table.ratings[r])
        }
        interactions = try InteractionSet(list, users: userIndex.count, items: itemIndex.count, source: source)
        self.titles = titles
        self.source = source
        self.licence = licence
        self.note = note
    }
}
