import EndToEnd

/// Draws items a user has not interacted with ("negatives"), uniformly, from a seeded
/// generator: the training negatives of implicit-feedback models (NCF's 4 per positive)
/// and the 99 evaluation candidates of He et al. 2017's protocol.
public struct NegativeSampler: Sendable {
    public let items: Int
    /// Each user's positive items, as sets for the membership test.
    let positives: [Set<Int>]

    /// - Parameter positives: the items each user interacted with (any order, repeats allowed).
    /// - Throws: ``DataError`` for an item outside `0..<items`.
    public init(items: Int, positives: [[Int]]) throws {
        guard items > 0 else { throw DataError(file: "NegativeSampler", message: "there must be at least one item, got \(items)") }
        var sets: [Set<Int>] = []
        sets.reserveCapacity(positives.count)
        for (u, list) in positives.enumerated() {
            if let bad = list.first(where: { !(0..<items).contains($0) }) {
                throw DataError(file: "NegativeSampler", location: "user \(u)", message: "item \(bad) is outside 0..<\(items)")
            }
            sets.append(Set(list))
        }
        self.items = items
        self.positives = sets
    }

    public var users: Int { positives.count }

    /// Whether `user` interacted with `item`.
    public func isPositive(user: Int, item: Int) -> Bool { positives[user].contains(item) }

    /// `count` items `user` has not interacted with, each uniform over those items;
    /// `distinct` draws without replacement (evaluation candidates), otherwise with (training).
    ///
    /// - Throws: ``DataError`` for an unknown user, or when the user has no negatives left
    ///   (or fewer than `count` with `distinct`).
    public func sample(user: Int, count: Int, distinct: Bool, using rng: inout RandomGenerator) throws -> [Int] {
        guard (0..<users).contains(user) else {
            throw DataError(file: "NegativeSampler", message: "user \(user) is outside 0..<\(users)")
        }
        guard count >= 0 else { throw DataError(file: "NegativeSampler", message: "count must not be negative, got \(count)") }
        let own = positives[user]
        let available = items - own.count
        guard count == 0 || available > 0, !distinct || count <= available else {
            throw DataError(file: "NegativeSampler", location: "user \(user)",
                            message: "\(count) \(distinct ? "distinct " : "")negatives asked for, but the user has only \(available) items left of \(items)")
        }
        var out: [Int] = []
        out.reserveCapacity(count)
        if own.count * 2 > items || (distinct && count * 2 > available) {
            // Dense users (or most of the rest asked for): draw from the complement list.
            var rest = (0..<items).filter { !own.contains($0) }
            for j in 0..<count {
                if distinct {
                    let r = j + rng.nextInt(below: rest.count - j)
                    rest.swapAt(j, r)
                    out.append(rest[j])
                } else {
                    out.append(rest[rng.nextInt(below: rest.count)])
                }
            }
            return out
        }
        // Sparse users: rejection sampling, whose expected cost is under 2 draws per item.
        var taken = Set<Int>()
        while out.count < count {
            let i = rng.nextInt(below: items)
            if own.contains(i) || (distinct && taken.contains(i)) { continue }
            if distinct { taken.insert(i) }
            out.append(i)
        }
        return out
    }
}
