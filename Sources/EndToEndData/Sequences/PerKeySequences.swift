import EndToEnd

/// Groups a stream of events by key (a card, a user, a machine) and gives every event the
/// window of its key's last `length` events up to and including it, as a front-padded
/// `[events, length, features (+1 mask)]` tensor for a sequence model.
///
/// The scored event is always the window's last step, so a recurrent layer that returns its
/// last output (`{type: lstm, hidden: 32}`) reads it after the history; windows shorter than
/// `length` (a key's first events) are padded with zeros at the front, and the optional mask
/// channel (the last feature) is 1 at real steps and 0 at padding, so a model can tell a
/// zero-valued event from no event.
///
/// ```swift
/// let seq = try PerKeySequences(keys: cardIDs, times: timestamps, length: 16)
/// seq.window(of: 42)                  // indices of event 42's card's events, oldest first, ending at 42
/// let x = try seq.tensor(features: flat, featureCount: 12)   // [N, 16, 13]
/// ```
public struct PerKeySequences: Sendable {
    /// The window length N.
    public let length: Int
    /// Number of events.
    public let count: Int
    /// For each event, the index of its key's previous event (nil for the key's first).
    public let previous: [Int?]
    /// For each event, how many events of its key come before it.
    public let position: [Int]

    /// - Parameters:
    ///   - keys: each event's key.
    ///   - times: each event's time; a key's events are ordered by time, ties by their index.
    ///   - length: the window length, at least 1.
    /// - Throws: ``DataError`` when the counts differ, a time is NaN or `length < 1`.
    public init<Key: Hashable>(keys: [Key], times: [Double], length: Int) throws(DataError) {
        let name = "PerKeySequences"
        guard length >= 1 else { throw DataError(file: name, message: "the window length must be at least 1, got \(length)") }
        guard keys.count == times.count else { throw DataError(file: name, message: "\(keys.count) keys but \(times.count) times") }
        if let i = times.firstIndex(where: \.isNaN) { throw DataError(file: name, location: "event \(i)", message: "the time is NaN") }
        self.length = length
        count = keys.count
        let order = keys.indices.sorted { times[$0] != times[$1] ? times[$0] < times[$1] : $0 < $1 }
        var last: [Key: Int] = [:]
        var previous = [Int?](repeating: nil, count: keys.count), position = [Int](repeating: 0, count: keys.count)
        for i in order {
            if let p = last[keys[i]] {
                previous[i] = p
                position[i] = position[p] + 1
            }
            last[keys[i]] = i
        }
        self.previous = previous
        self.position = position
    }

    /// The indices of `event`'s window: up to ``length`` events of its key, oldest first,
    /// ending with `event` itself.
    public func window(of event: Int) -> [Int] {
        var out = [event], i = event
        while out.count < length, let p = previous[i] {
            out.append(p)
            i = p
        }
        return out.reversed()
    }

    /// The windows of `events` (all events by default) as `[E, length, featureCount + (mask ? 1 : 0)]`:
    /// step `length − 1` is the event itself, earlier steps its key's earlier events, zeros
    /// before the key's first event.
    ///
    /// - Parameter features: row-major `[count, featureCount]` per-event features.
    /// - Throws: ``DataError`` when `features` does not hold `count × featureCount` values or an
    ///   event index is out of range.
    public func tensor(features: [Float], featureCount: Int, events: [Int]? = nil, mask: Bool = true) throws(DataError) -> Tensor {
        let name = "PerKeySequences.tensor"
        guard featureCount >= 1, features.count == count * featureCount else {
            throw DataError(file: name, message: "expected \(count) events × \(featureCount) features = \(count * max(featureCount, 0)) values, got \(features.count)")
        }
        let chosen = events ?? Array(0..<count)
        if let bad = chosen.first(where: { !(0..<count).contains($0) }) {
            throw DataError(file: name, message: "event \(bad) is out of range 0..<\(count)")
        }
        let width = featureCount + (mask ? 1 : 0)
        var out = [Float](repeating: 0, count: chosen.count * length * width)
        for (e, event) in chosen.enumerated() {
            let w = window(of: event)
            let pad = length - w.count
            for (k, i) in w.enumerated() {
                let base = (e * length + pad + k) * width
                for f in 0..<featureCount { out[base + f] = features[i * featureCount + f] }
                if mask { out[base + featureCount] = 1 }
            }
        }
        return Tensor(shape: [chosen.count, length, width], scalars: out)
    }
}
