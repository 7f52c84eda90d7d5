import EndToEndTraining
import Foundation

/// Where end-to-end learning stops reaching its target as a setting grows (d, n or k), with the
/// uncertainty that several seeds give: the first value at which some seed fails and the first at
/// which every seed fails. Between the two, the outcome depends on the seed.
public struct Breakdown: Sendable, Equatable {
    /// The setting swept, e.g. `"d"`.
    public var parameter: String
    /// The accuracy to reach within the budget.
    public var target: Double
    /// The values tried, in increasing order, with how many seeds reached the target at each.
    public var reached: [(value: Double, reached: Int, seeds: Int)]
    /// The first value at which at least one seed failed; nil: every seed succeeded everywhere.
    public var firstSomeFail: Double?
    /// The first value at which every seed failed; nil: at no value did all fail.
    public var firstAllFail: Double?

    public static func == (a: Breakdown, b: Breakdown) -> Bool { a.json == b.json }

    /// The breakdown in `table`: one entry per value tried, with one flag per seed (reached the
    /// target or not). Values are sorted first; values without seeds are ignored.
    public static func find(parameter: String, target: Double, table: [(value: Double, reached: [Bool])]) -> Breakdown {
        let sorted = table.filter { !$0.reached.isEmpty }.sorted { $0.value < $1.value }
        return Breakdown(
            parameter: parameter, target: target,
            reached: sorted.map { ($0.value, $0.reached.filter { $0 }.count, $0.reached.count) },
            firstSomeFail: sorted.first { $0.reached.contains(false) }?.value,
            firstAllFail: sorted.first { !$0.reached.contains(true) }?.value)
    }

    /// The breakdown of `strategy` over `parameter` in aggregated rows (``SeedRuns``): a seed
    /// reached the target when its `reachedMetric` (e.g. `"steps_to_90"`) is not null.
    public static func find(rows: [ResultRow], strategy: String, parameter: String, reachedMetric: String,
                            target: Double) -> Breakdown {
        var table: [(value: Double, reached: [Bool])] = []
        for r in rows where r.strategy == strategy {
            guard let v = r.parameters.first(where: { $0.0 == parameter })?.1, let x = Double(v.text) else { continue }
            let outcomes = r.perSeed.map { $0.map(\.metrics) } ?? [r.metrics]
            table.append((x, outcomes.map { m in (m.first { $0.0 == reachedMetric }?.1 ?? .null) != .null }))
        }
        return find(parameter: parameter, target: target, table: table)
    }

    static func number(_ v: Double) -> JSONValue { v == v.rounded() && abs(v) < 1e15 ? .int(Int(v)) : .double(v) }

    /// `{"parameter", "target", "first_some_fail", "first_all_fail", "reached": [{"value", "reached", "seeds"}]}`.
    public var json: JSONValue {
        .object([
            ("parameter", .string(parameter)), ("target", .double(target)),
            ("first_some_fail", firstSomeFail.map(Self.number) ?? .null),
            ("first_all_fail", firstAllFail.map(Self.number) ?? .null),
            ("reached", .array(reached.map { .object([("value", Self.number($0.value)), ("reached", .int($0.reached)), ("seeds", .int($0.seeds))]) })),
        ])
    }

    /// One Markdown paragraph saying where the breakdown is.
    public var sentence: String {
        let p = parameter, t = String(format: "%g", target)
        let tried = reached.map { "\(p) = \(Self.number($0.value).text): \($0.reached)/\($0.seeds)" }.joined(separator: ", ")
        let head: String
        switch (firstSomeFail, firstAllFail) {
        case (nil, _):
            head = "End-to-end reached \(t) within its budget for every \(p) tried, in every seed."
        case let (some?, all?) where some == all:
            head = "End-to-end first fails to reach \(t) within its budget at \(p) = \(Self.number(some).text), in every seed."
        case let (some?, all?):
            head = "End-to-end first fails to reach \(t) within its budget somewhere in \(p) = \(Self.number(some).text)…\(Self.number(all).text): "
                + "at \(Self.number(some).text) some seed fails, at \(Self.number(all).text) every seed does."
        case let (some?, nil):
            head = "End-to-end fails to reach \(t) within its budget in some seeds from \(p) = \(Self.number(some).text) on, but at no \(p) tried in all."
        }
        return head + " Seeds reaching it: " + tried + "."
    }
}
