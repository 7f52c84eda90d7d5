/// One user–item interaction (a rating, a purchase, a click) at a time.
public struct Interaction: Sendable, Equatable {
    /// Dense user index in `0..<users`.
    public var user: Int
    /// Dense item index in `0..<items`.
    public var item: Int
    /// When it happened (any monotone clock, e.g. Unix seconds); orders a user's history.
    public var time: Int
    /// Its strength: a rating, a count, or 1 for a bare event.
    public var value: Double

    public init(user: Int, item: Int, time: Int, value: Double = 1) {
        self.user = user
        self.item = item
        self.time = time
        self.value = value
    }
}

/// Interactions of `users` users with `items` items: the implicit-feedback data of a
/// recommender, with the leave-last-out split of He et al. 2017 (neural collaborative
/// filtering) and the per-user item sets negative sampling needs.
///
/// ```swift
/// let data = try InteractionSet(interactions, users: 671, items: 9066)
/// let split = data.leaveLastOut()       // each user's latest interaction held out
/// let sampler = try NegativeSampler(items: data.items, positives: data.itemsByUser())
/// ```
public struct InteractionSet: Sendable {
    public let users: Int
    public let items: Int
    /// In the order given.
    public let interactions: [Interaction]

    /// - Throws: ``DataError`` naming the first interaction whose user or item is out of range.
    public init(_ interactions: [Interaction], users: Int, items: Int, source: String = "<interactions>") throws {
        guard users >= 0, items >= 0 else {
            throw DataError(file: source, message: "the user and item counts must not be negative, got \(users) and \(items)")
        }
        for (i, x) in interactions.enumerated() {
            guard (0..<users).contains(x.user) else {
                throw DataError(file: source, location: "interaction \(i)", message: "user \(x.user) is outside 0..<\(users)")
            }
            guard (0..<items).contains(x.item) else {
                throw DataError(file: source, location: "interaction \(i)", message: "item \(x.item) is outside 0..<\(items)")
            }
        }
        self.interactions = interactions
        self.users = users
        self.items = items
    }

    public var count: Int { interactions.count }

    /// Each user's interactions in time order (ties keep the given order).
    public func historyByUser() -> [[Interaction]] {
        var out = [[Interaction]](repeating: [], count: users)
        for x in interactions { out[x.user].append(x) }
        for u in 0..<users {
            // A stable sort by time: the index breaks ties.
            out[u] = out[u].enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
        }
        return out
    }

    /// The distinct items each user interacted with, sorted.
    public func itemsByUser() -> [[Int]] {
        var sets = [Set<Int>](repeating: [], count: users)
        for x in interactions { sets[x.user].insert(x.item) }
        return sets.map { $0.sorted() }
    }

    /// Interactions per item (popularity).
    public func itemCounts() -> [Int] {
        var c = [Int](repeating: 0, count: items)
        for x in interactions { c[x.item] += 1 }
        return c
    }

    /// A set over the same users and items holding only `interactions` (e.g. a split's part).
    public func with(_ interactions: [Interaction]) throws -> InteractionSet {
        try InteractionSet(interactions, users: users, items: items)
    }

    /// He et al. 2017's leave-one-out split: each user's latest interaction (by time, the
    /// later of equal times by the given order) is the test case, the rest is training.
    /// Users with fewer than `minimumHistory` interactions keep them all in training and
    /// have no test case.
    public func leaveLastOut(minimumHistory: Int = 2) -> (train: [Interaction], test: [Interaction]) {
        var train: [Interaction] = [], test: [Interaction] = []
        train.reserveCapacity(count)
        for history in historyByUser() {
            if history.count >= max(minimumHistory, 1) {
                train += history.dropLast()
                test.append(history[history.count - 1])
            } else {
                train += history
            }
        }
        return (train, test)
    }
}
