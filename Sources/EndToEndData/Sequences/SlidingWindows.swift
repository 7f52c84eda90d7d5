import EndToEnd

/// Fixed-length windows over multivariate sequences (sensor logs, transaction streams): the
/// input of a 1-D CNN or a recurrent network that reads the last `length` steps.
///
/// A sequence is `steps × features` values, row-major (one step after another). Windows are
/// aligned to the sequence's end: the last window always ends at the last step, and earlier
/// ones end `stride`, `2·stride`, … steps before it, so a truncated test trajectory's last
/// window (the C-MAPSS test protocol) is always among them. A sequence shorter than `length`
/// gives no window, or one window front-padded by repeating its first step (``Padding``).
///
/// (The images' ``SlidingWindow`` slides a box over a picture; this slides over time.)
///
/// ```swift
/// let w = try SlidingWindows(length: 30, stride: 1)
/// let all = try w.windows(engines, features: 24, layout: .channelsFirst)      // [N, 24, 30]
/// let last = try w.windows(testEngines, features: 24, layout: .channelsFirst, lastOnly: true)
/// // all.sequence[i], all.end[i]: which sequence window i came from and the step it ends before
/// ```
public struct SlidingWindows: Sendable, Equatable {
    /// What to do with a sequence shorter than ``length``.
    public enum Padding: String, Sendable, Equatable {
        /// No window for it.
        case none
        /// One window, front-padded by repeating the first step.
        case repeatFirst = "repeat_first"
    }

    /// How a window's values are laid out in the batch tensor.
    public enum Layout: String, Sendable, Equatable {
        /// `[N, length, features]`: steps first, as a recurrent layer reads them.
        case timeMajor = "time_major"
        /// `[N, features, length]`: one channel per feature, as `conv1d` reads them.
        case channelsFirst = "channels_first"
    }

    /// Steps per window.
    public let length: Int
    /// Steps between the ends of consecutive windows.
    public let stride: Int
    /// What a sequence shorter than ``length`` gives.
    public let padding: Padding

    /// - Throws: ``DataError`` when `length` or `stride` is not positive.
    public init(length: Int, stride: Int = 1, padding: Padding = .none) throws(DataError) {
        guard length > 0 else { throw DataError(file: "<sliding windows>", message: "window length must be positive, got \(length)") }
        guard stride > 0 else { throw DataError(file: "<sliding windows>", message: "window stride must be positive, got \(stride)") }
        self.length = length
        self.stride = stride
        self.padding = padding
    }

    /// The (exclusive) end steps of the windows over a sequence of `steps` steps, ascending:
    /// `steps`, `steps − stride`, … while a whole window fits; `[steps]` for a short sequence
    /// with ``Padding/repeatFirst``, `[]` with ``Padding/none`` or for an empty sequence.
    public func ends(steps: Int) -> [Int] {
        guard steps > 0 else { return [] }
        guard steps >= length else { return padding == .repeatFirst ? [steps] : [] }
        return Array(Swift.stride(from: steps, through: length, by: -stride).reversed())
    }

    /// The window of `sequence` (`steps × features`, row-major) that ends before step `end`,
    /// time-major (`length × features`); steps before the start repeat the first step.
    ///
    /// - Throws: ``DataError`` when the values are not a whole number of steps or `end` is out of range.
    public func window(_ sequence: [Float], features: Int, end: Int) throws(DataError) -> [Float] {
        let steps = try Self.steps(sequence, features: features, index: 0)
        guard end >= 1, end <= steps else {
            throw DataError(file: "<sliding windows>", message: "window end \(end) is outside 1...\(steps)")
        }
        var out = [Float](repeating: 0, count: length * features)
        for t in 0..<length {
            let source = max(0, end - length + t)
            for f in 0..<features { out[t * features + f] = sequence[source * features + f] }
        }
        return out
    }

    /// Windows cut from many sequences, and where each came from.
    public struct Batch: Sendable {
        /// `[N, length, features]` or `[N, features, length]` (``Layout``).
        public var inputs: Tensor
        /// The index of the sequence window `i` was cut from.
        public var sequence: [Int]
        /// The (exclusive) end step of window `i` in its sequence.
        public var end: [Int]
        /// The number of windows.
        public var count: Int { sequence.count }
    }

    /// Every window (or, with `lastOnly`, the last window) of each sequence, in sequence order.
    ///
    /// - Parameters:
    ///   - sequences: each `steps × features` values, row-major; lengths may differ.
    /// - Throws: ``DataError`` naming the sequence whose values are not a whole number of
    ///   steps, or when no sequence gives a window.
    public func windows(_ sequences: [[Float]], features: Int, layout: Layout, lastOnly: Bool = false) throws(DataError) -> Batch {
        guard features > 0 else { throw DataError(file: "<sliding windows>", message: "features must be positive, got \(features)") }
        var which: [Int] = [], windowEnds: [Int] = []
        for (s, seq) in sequences.enumerated() {
            let e = ends(steps: try Self.steps(seq, features: features, index: s))
            let kept = lastOnly ? Array(e.suffix(1)) : e
            which += Array(repeating: s, count: kept.count)
            windowEnds += kept
        }
        guard !which.isEmpty else {
            throw DataError(file: "<sliding windows>", message: "none of the \(sequences.count) sequences is long enough for a \(length)-step window")
        }
        let size = length * features
        var values = [Float](repeating: 0, count: which.count * size)
        for i in which.indices {
            let w = try window(sequences[which[i]], features: features, end: windowEnds[i])
            let base = i * size
            switch layout {
            case .timeMajor:
                for j in 0..<size { values[base + j] = w[j] }
            case .channelsFirst:
                for t in 0..<length { for f in 0..<features { values[base + f * length + t] = w[t * features + f] } }
            }
        }
        let shape = layout == .timeMajor ? [which.count, length, features] : [which.count, features, length]
        return Batch(inputs: Tensor(shape: shape, scalars: values), sequence: which, end: windowEnds)
    }

    static func steps(_ sequence: [Float], features: Int, index: Int) throws(DataError) -> Int {
        guard features > 0, sequence.count % features == 0 else {
            throw DataError(file: "<sliding windows>", location: "sequence \(index)",
                            message: "\(sequence.count) values are not a whole number of \(features)-feature steps")
        }
        return sequence.count / features
    }
}
