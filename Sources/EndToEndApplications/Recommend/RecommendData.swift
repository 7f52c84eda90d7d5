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

    /// Dense indices in order of first appearance of the raw ids sorted ascending; keeps
    /// the first `userLimit` users (by id) when given, for the smoke run.
    public init(table: RatingsTable, userLimit: Int? = nil, source: String, licence: String?, note: String) throws {
        let keptUsers = Set(Array(Set(table.userIds)).sorted().prefix(userLimit ?? Int.max))
        var userIndex: [Int: Int] = [:], itemIndex: [Int: Int] = [:]
        for u in Set(table.userIds).sorted() where keptUsers.contains(u) { userIndex[u] = userIndex.count }
        var kept: [Int] = []
        for r in 0..<table.count where keptUsers.contains(table.userIds[r]) { kept.append(r) }
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
