import EndToEnd
import Foundation

/// An error from fitting or querying a ``KneserNeyModel``.
public struct LanguageModelError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "language model: " + message }
}

/// A smoothed n-gram model over symbol ids (characters, bytes) with **interpolated
/// Kneser–Ney** smoothing (Chen & Goodman 1998, §3), the classic language model that a
/// neural one is measured against.
///
/// For order `N`, the probability of symbol `c` after the context `h` (its last `N − 1`
/// symbols) interpolates every order down to the uniform distribution:
///
///     P_k(c | h) = max(N_k(h c) − D_k, 0) / T_k(h)  +  D_k · U_k(h) / T_k(h) · P_{k−1}(c | h′)
///
/// where `h′` drops the oldest symbol of `h`, `T_k(h) = Σ_c N_k(h c)`, `U_k(h)` is the number of
/// symbols with `N_k(h c) > 0`, and `P_0` is uniform over the `V` symbols. At the highest order
/// `N_k` is the raw count; at lower orders it is the **continuation count** — the number of
/// distinct symbols that precede `h c` in the training text (the start of the text counts as one
/// such symbol) — so a lower order says how likely `c` is to follow in a *new* context. A
/// context never seen at order `k` (`T_k(h) = 0`) leaves the order-`k − 1` estimate unchanged.
/// The discount `D_k` is Ney's estimate `n₁ / (n₁ + 2 n₂)` from the counts of order `k` that
/// are 1 and 2 (0.5 when either is missing), unless given.
///
/// ```swift
/// let model = try KneserNeyModel(tokens: trainIDs, vocabularySize: 80, order: 6)
/// let bpc = model.bitsPerSymbol(testIDs)
/// let p = model.distribution(after: Array(testIDs.prefix(5)))   // sums to 1
/// ```
public struct KneserNeyModel: Sendable {
    public let order: Int
    public let vocabularySize: Int
    /// `D_k` for k = 1...order (index 0 is order 1).
    public let discounts: [Double]
    /// Per order (index k − 1): the n-gram's count (raw at the top order, continuation below).
    let counts: [[UInt64: Int32]]
    /// Per order: for each context of length k − 1, `T_k(h)` and `U_k(h)`.
    let contexts: [[UInt64: (total: Int32, types: Int32)]]

    /// The longest order the packed keys hold (7 symbols of 8 bits).
    public static let maximumOrder = 7

    /// Fits the model on one stream of ids in `0..<vocabularySize`.
    ///
    /// - Parameters:
    ///   - discounts: fixed `D_k` for k = 1...order, each in (0, 1]; nil estimates them.
    /// - Throws: ``LanguageModelError`` for an order outside 1...7, more than 256 symbols, an id
    ///   out of range, an empty text or a bad discount.
    public init(tokens: [Int], vocabularySize: Int, order: Int, discounts: [Double]? = nil) throws {
        guard (1...Self.maximumOrder).contains(order) else {
            throw LanguageModelError("the order must be in 1...\(Self.maximumOrder), got \(order)")
        }
        guard (1...256).contains(vocabularySize) else {
            throw LanguageModelError("the vocabulary must have 1...256 symbols, got \(vocabularySize)")
        }
        guard !tokens.isEmpty else { throw LanguageModelError("no training text") }
        if let (i, bad) = tokens.enumerated().first(where: { !(0..<vocabularySize).contains($0.element) }) {
            throw LanguageModelError("token \(i) is \(bad), outside 0..<\(vocabularySize)")
        }
        if let d = discounts {
            guard d.count == order, d.allSatisfy({ $0 > 0 && $0 <= 1 }) else {
                throw LanguageModelError("give \(order) discounts in (0, 1], got \(d)")
            }
        }
        self.order = order
        self.vocabularySize = vocabularySize
        // Raw counts of every n-gram up to the order.
        var raw = [[UInt64: Int32]](repeating: [:], count: order)
        for n in 1...order {
            var table: [UInt64: Int32] = [:]
            table.reserveCapacity(min(tokens.count, 1 << 20))
            if tokens.count >= n {
                for end in (n - 1)..<tokens.count { table[Self.key(tokens, end - n + 1, n), default: 0] += 1 }
            }
            raw[n - 1] = table
        }
        // Continuation counts for the lower orders: distinct predecessors, the text's start being one.
        var counts = raw
        if order > 1 {
            for n in 1..<order {
                var cont: [UInt64: Int32] = [:]
                cont.reserveCapacity(raw[n].count)
                for longer in raw[n].keys { cont[Self.dropOldest(longer), default: 0] += 1 }
                if tokens.count >= n { cont[Self.key(tokens, 0, n), default: 0] += 1 }
                counts[n - 1] = cont
            }
        }
        var contexts = [[UInt64: (total: Int32, types: Int32)]](repeating: [:], count: order)
        for n in 1...order {
            var table: [UInt64: (total: Int32, types: Int32)] = [:]
            for (gram, c) in counts[n - 1] {
                let ctx = Self.dropNewest(gram)
                let old = table[ctx] ?? (0, 0)
                table[ctx] = (old.total + c, old.types + 1)
            }
            contexts[n - 1] = table
        }
        self.counts = counts
        self.contexts = contexts
        self.discounts = discounts ?? counts.map { Self.neyDiscount($0) }
    }

    /// `n₁ / (n₁ + 2 n₂)`, or 0.5 when there are no counts of 1 or of 2.
    static func neyDiscount(_ table: [UInt64: Int32]) -> Double {
        var n1 = 0, n2 = 0
        for c in table.values { if c == 1 { n1 += 1 } else if c == 2 { n2 += 1 } }
        guard n1 > 0, n2 > 0 else { return 0.5 }
        return Double(n1) / Double(n1 + 2 * n2)
    }

    // Keys: the length in the top 8 bits, then one byte per symbol, oldest highest.
    @inline(__always) static func key(_ t: [Int], _ start: Int, _ length: Int) -> UInt64 {
        var k: UInt64 = 0
        for i in start..<(start + length) { k = k << 8 | UInt64(t[i]) }
        return UInt64(length) << 56 | k
    }

    @inline(__always) static func length(_ k: UInt64) -> Int { Int(k >> 56) }
    @inline(__always) static func body(_ k: UInt64) -> UInt64 { k & 0x00FF_FFFF_FFFF_FFFF }

    @inline(__always) static func dropOldest(_ k: UInt64) -> UInt64 {
        let n = length(k)
        let mask: UInt64 = n > 1 ? (1 << UInt64(8 * (n - 1))) - 1 : 0
        return UInt64(n - 1) << 56 | (body(k) & mask)
    }

    @inline(__always) static func dropNewest(_ k: UInt64) -> UInt64 { UInt64(length(k) - 1) << 56 | (body(k) >> 8) }

    @inline(__always) static func appending(_ ctx: UInt64, _ c: Int) -> UInt64 { UInt64(length(ctx) + 1) << 56 | (body(ctx) << 8 | UInt64(c)) }

    /// The context keys of lengths 0...order−1 that end at `history`'s end (shorter ones when
    /// the history is short), shortest first.
    func contextKeys(_ history: ArraySlice<Int>) -> [UInt64] {
        var keys: [UInt64] = [0]
        var body: UInt64 = 0
        var n = 0
        for id in history.suffix(order - 1).reversed() {
            body |= UInt64(id) << UInt64(8 * n)
            n += 1
            keys.append(UInt64(n) << 56 | body)
        }
        return keys
    }

    /// `P(c | history)`; only the last `order − 1` symbols of the history matter.
    public func probability(of c: Int, after history: ArraySlice<Int>) -> Double {
        guard (0..<vocabularySize).contains(c) else { return 0 }
        var p = 1 / Double(vocabularySize)
        for (k, ctx) in contextKeys(history).enumerated() {
            guard let s = contexts[k][ctx], s.total > 0 else { continue }
            let d = discounts[k]
            let n = Double(counts[k][Self.appending(ctx, c)] ?? 0)
            p = (max(n - d, 0) + d * Double(s.types) * p) / Double(s.total)
        }
        return p
    }

    /// `P(· | history)` over every symbol; it sums to 1.
    public func distribution(after history: [Int]) -> [Double] {
        var p = [Double](repeating: 1 / Double(vocabularySize), count: vocabularySize)
        for (k, ctx) in contextKeys(history[...]).enumerated() {
            guard let s = contexts[k][ctx], s.total > 0 else { continue }
            let d = discounts[k], total = Double(s.total), mix = d * Double(s.types)
            for c in 0..<vocabularySize {
                let n = Double(counts[k][Self.appending(ctx, c)] ?? 0)
                p[c] = (max(n - d, 0) + mix * p[c]) / total
            }
        }
        return p
    }

    /// Bits per symbol of `tokens` scored as one stream from its start (each symbol given
    /// the symbols before it): `−(1/n) Σ log₂ P(tᵢ | t₀ … tᵢ₋₁)`.
    public func bitsPerSymbol(_ tokens: [Int]) -> Double { bits(tokens) / Double(max(tokens.count, 1)) }

    /// `count` symbols drawn one at a time from the model after `prompt`, each from the
    /// distribution raised to `1 / temperature` and renormalized (1 samples the model itself).
    public func sample(prompt: [Int], count: Int, temperature: Double = 1, using rng: inout RandomGenerator) -> [Int] {
        var history = prompt, out: [Int] = []
        for _ in 0..<max(0, count) {
            var p = distribution(after: history)
            if temperature != 1 { p = p.map { pow($0, 1 / max(temperature, 1e-3)) } }
            let c = Self.draw(p, using: &rng)
            out.append(c)
            history.append(c)
            if history.count > order { history.removeFirst(history.count - order) }
        }
        return out
    }

    /// An index drawn with the given probabilities (which need not sum exactly to 1).
    public static func draw(_ p: [Double], using rng: inout RandomGenerator) -> Int {
        let total = p.reduce(0, +)
        var u = rng.nextUniformDouble() * total
        for (i, v) in p.enumerated() {
            u -= v
            if u < 0 { return i }
        }
        return p.count - 1
    }

    /// The total bits of `tokens[from...]`, each symbol given the symbols before it in `tokens`.
    public func bits(_ tokens: [Int], from: Int = 0) -> Double {
        var bits = 0.0
        for i in max(0, from)..<tokens.count {
            bits -= log2(probability(of: tokens[i], after: tokens[max(0, i - order + 1)..<i]))
        }
        return bits
    }

    /// Stored n-grams (every order's counts): the model's fitted numbers.
    public var parameterCount: Int { counts.reduce(0) { $0 + $1.count } + order }
}
