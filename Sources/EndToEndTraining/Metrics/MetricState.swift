import Foundation

/// A metric's accumulated state as numbers, so that a checkpoint taken in the middle of an
/// epoch resumes the epoch's training metrics exactly (integer counts and `Float` scores are
/// exact as `Double`s).
public protocol CheckpointableMetric: Metric {
    var checkpointState: [Double] { get }
    /// Restores what ``checkpointState`` returned; throws when it does not fit the metric.
    func restore(checkpointState: [Double]) throws
}

struct MetricStateError: Error, CustomStringConvertible {
    let metric: String
    var description: String { "metric '\(metric)': the checkpoint's state does not fit it" }
}

private func ints(_ s: ArraySlice<Double>) -> [Int]? {
    var out: [Int] = []
    for v in s {
        guard v >= 0, v == v.rounded(), v < 9e15 else { return nil }
        out.append(Int(v))
    }
    return out
}

extension RunningMean: CheckpointableMetric {
    public var checkpointState: [Double] { [weightedSum, totalWeight] }
    public func restore(checkpointState s: [Double]) throws {
        guard s.count == 2 else { throw MetricStateError(metric: name) }
        (weightedSum, totalWeight) = (s[0], s[1])
    }
}

extension ExponentialMovingAverage: CheckpointableMetric {
    public var checkpointState: [Double] { [biased, correction, Double(count)] }
    public func restore(checkpointState s: [Double]) throws {
        guard s.count == 3, let c = ints(s[2...])?.first else { throw MetricStateError(metric: name) }
        (biased, correction, count) = (s[0], s[1], c)
    }
}

extension Accuracy: CheckpointableMetric {
    public var checkpointState: [Double] { [Double(correct), Double(total)] }
    public func restore(checkpointState s: [Double]) throws {
        guard s.count == 2, let v = ints(s[...]) else { throw MetricStateError(metric: name) }
        (correct, total) = (v[0], v[1])
    }
}

extension TopKAccuracy: CheckpointableMetric {
    public var checkpointState: [Double] { [Double(correct), Double(total)] }
    public func restore(checkpointState s: [Double]) throws {
        guard s.count == 2, let v = ints(s[...]) else { throw MetricStateError(metric: name) }
        (correct, total) = (v[0], v[1])
    }
}

extension ClassCounts {
    /// `[classes, counts row by row]`.
    var checkpointState: [Double] { [Double(classes)] + counts.flatMap { $0.map(Double.init) } }
    mutating func restore(_ s: [Double]) -> Bool {
        guard let first = s.first, let c = ints(s[0...0])?.first, let flat = ints(s.dropFirst()),
              first >= 0, flat.count == c * c, fixedClasses.map({ $0 == c }) ?? true else { return false }
        counts = (0..<c).map { Array(flat[($0 * c)..<(($0 + 1) * c)]) }
        return true
    }
}

extension AveragedClassificationMetric: CheckpointableMetric {
    public var checkpointState: [Double] { state.checkpointState }
    public func restore(checkpointState s: [Double]) throws {
        guard state.restore(s) else { throw MetricStateError(metric: name) }
    }
}

extension ConfusionMatrix: CheckpointableMetric {
    public var checkpointState: [Double] { counts.flatMap { $0.map(Double.init) } }
    public func restore(checkpointState s: [Double]) throws {
        let c = counts.count
        guard s.count == c * c, let flat = ints(s[...]) else { throw MetricStateError(metric: name) }
        counts = (0..<c).map { Array(flat[($0 * c)..<(($0 + 1) * c)]) }
    }
}

extension ROCAUC: CheckpointableMetric {
    /// `[columns (0: none yet), n, n scores..., n labels...]`.
    public var checkpointState: [Double] {
        [Double(columns ?? 0), Double(labels.count)] + scores.map(Double.init) + labels.map(Double.init)
    }
    public func restore(checkpointState s: [Double]) throws {
        guard s.count >= 2, let head = ints(s[0..<2]) else { throw MetricStateError(metric: name) }
        let n = head[1], nScores = s.count - 2 - n
        guard n >= 0, nScores >= 0, let l = ints(s[(s.count - n)...]) else { throw MetricStateError(metric: name) }
        columns = head[0] == 0 ? nil : head[0]
        scores = s[2..<(2 + nScores)].map { Float($0) }
        labels = l
    }
}

extension MeanSquaredError: CheckpointableMetric {
    public var checkpointState: [Double] { [state.sum, Double(state.count)] }
    public func restore(checkpointState s: [Double]) throws {
        guard s.count == 2, let c = ints(s[1...])?.first else { throw MetricStateError(metric: name) }
        (state.sum, state.count) = (s[0], c)
    }
}

extension MeanAbsoluteError: CheckpointableMetric {
    public var checkpointState: [Double] { [state.sum, Double(state.count)] }
    public func restore(checkpointState s: [Double]) throws {
        guard s.count == 2, let c = ints(s[1...])?.first else { throw MetricStateError(metric: name) }
        (state.sum, state.count) = (s[0], c)
    }
}

extension MetricSet {
    /// Every metric's state, one line each (`name: v1 v2 ...`), for a checkpoint; nil when a
    /// metric cannot be checkpointed.
    public var checkpointState: String? {
        var lines: [String] = []
        for m in metrics {
            guard let c = m as? any CheckpointableMetric else { return nil }
            lines.append(m.name + ":" + c.checkpointState.map { " \($0)" }.joined())
        }
        return lines.joined(separator: "\n")
    }

    /// Restores what ``checkpointState`` returned, metric by metric in order.
    public func restore(checkpointState text: String) throws {
        let lines = text.isEmpty ? [] : text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count == metrics.count else {
            throw TrainerError("metrics: the checkpoint holds \(lines.count) metric states for \(metrics.count) metrics")
        }
        for (m, line) in zip(metrics, lines) {
            guard let colon = line.firstIndex(of: ":"), line[..<colon] == m.name, let c = m as? any CheckpointableMetric else {
                throw TrainerError("metrics: the checkpoint's state '\(line.prefix(40))' is not for metric '\(m.name)'")
            }
            let values = line[line.index(after: colon)...].split(separator: " ").compactMap { Double($0) }
            try c.restore(checkpointState: values)
        }
    }
}
