import EndToEndTraining
import Foundation

/// What one cell of an experiment's grid contributes to the result — its rows and curves —
/// in a form ``ExperimentContext/cell(_:_:)`` keeps on disk, so a resumed run reads finished
/// cells back bit for bit instead of training them again.
public struct ExperimentCell: Sendable, Equatable, Codable {
    public var rows: [ResultRow]
    public var curves: [Curve]

    public init(rows: [ResultRow] = [], curves: [Curve] = []) {
        self.rows = rows
        self.curves = curves
    }
}

// Ordered key–value lists travel as JSONValue objects, which keep their order and number kinds.
private func object(_ pairs: [(String, JSONValue)]) -> JSONValue { .object(pairs) }
private func pairs(_ v: JSONValue, _ field: String, _ decoder: Decoder) throws -> [(String, JSONValue)] {
    guard case .object(let p) = v else {
        throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(field)' is not an object"))
    }
    return p
}

extension ResultRow: Codable {
    private enum Keys: String, CodingKey { case strategy, testAccuracy, steps, wallSeconds, parameters, metrics, perSeed }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        self.init(strategy: try c.decode(String.self, forKey: .strategy), testAccuracy: try c.decode(JSONDouble.self, forKey: .testAccuracy).value,
                  steps: try c.decode(Int.self, forKey: .steps), wallSeconds: try c.decode(JSONDouble.self, forKey: .wallSeconds).value,
                  parameters: try pairs(c.decode(JSONValue.self, forKey: .parameters), "parameters", decoder),
                  metrics: try pairs(c.decode(JSONValue.self, forKey: .metrics), "metrics", decoder))
        perSeed = try c.decodeIfPresent([SeedOutcome].self, forKey: .perSeed)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(strategy, forKey: .strategy)
        try c.encode(JSONDouble(testAccuracy), forKey: .testAccuracy)
        try c.encode(steps, forKey: .steps)
        try c.encode(JSONDouble(wallSeconds), forKey: .wallSeconds)
        try c.encode(object(parameters), forKey: .parameters)
        try c.encode(object(metrics), forKey: .metrics)
        try c.encodeIfPresent(perSeed, forKey: .perSeed)
    }
}

extension ResultRow.SeedOutcome: Codable {
    private enum Keys: String, CodingKey { case seed, testAccuracy, steps, metrics }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        self.init(seed: try c.decode(UInt64.self, forKey: .seed), testAccuracy: try c.decode(JSONDouble.self, forKey: .testAccuracy).value,
                  steps: try c.decode(Int.self, forKey: .steps), metrics: try pairs(c.decode(JSONValue.self, forKey: .metrics), "metrics", decoder))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(seed, forKey: .seed)
        try c.encode(JSONDouble(testAccuracy), forKey: .testAccuracy)
        try c.encode(steps, forKey: .steps)
        try c.encode(object(metrics), forKey: .metrics)
    }
}

extension Curve: Codable {
    private enum Keys: String, CodingKey { case label, metric, points }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        self.init(label: try c.decode(String.self, forKey: .label), metric: try c.decode(String.self, forKey: .metric),
                  points: try c.decode([Point].self, forKey: .points))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(label, forKey: .label)
        try c.encode(metric, forKey: .metric)
        try c.encode(points, forKey: .points)
    }
}

extension Curve.Point: Codable {
    // [step, wall seconds, value] or [step, wall seconds, value, low, high].
    public init(from decoder: Decoder) throws {
        var c = try decoder.unkeyedContainer()
        let step = try c.decode(Int.self), wall = try c.decode(JSONDouble.self).value, value = try c.decode(JSONDouble.self).value
        let low = c.isAtEnd ? nil : try c.decode(JSONDouble.self).value
        let high = c.isAtEnd ? nil : try c.decode(JSONDouble.self).value
        self.init(step: step, wallSeconds: wall, value: value, low: low, high: high)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.unkeyedContainer()
        try c.encode(step)
        try c.encode(JSONDouble(wallSeconds))
        try c.encode(JSONDouble(value))
        if let low, let high {
            try c.encode(JSONDouble(low))
            try c.encode(JSONDouble(high))
        }
    }
}

/// A Double that survives any JSON coder: non-finite values (a NaN accuracy of a run that
/// produced none) as the strings `"nan"`, `"inf"`, `"-inf"`.
struct JSONDouble: Codable {
    var value: Double
    init(_ value: Double) { self.value = value }
    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let d = try? c.decode(Double.self) { value = d; return }
        switch try c.decode(String.self) {
        case "nan": value = .nan
        case "inf": value = .infinity
        case "-inf": value = -.infinity
        case let s: throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a number: \(s)")
        }
    }
    func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        if value.isFinite { try c.encode(value) } else { try c.encode(value.isNaN ? "nan" : value > 0 ? "inf" : "-inf") }
    }
}
