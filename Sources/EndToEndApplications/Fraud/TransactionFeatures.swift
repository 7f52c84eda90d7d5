import EndToEnd
import Foundation

/// What each system reads of a transaction.
///
/// The end-to-end model reads the raw fields of each transaction in the card's window
/// (``raw(_:)``); the pipeline reads hand-engineered aggregates of the card's history
/// (``engineered(_:)``) plus a merchant risk fitted on the training labels
/// (``merchantRisk(_:rows:)``).
public enum TransactionFeatures {
    /// Raw fields per transaction: scaled amount, hours since the card's previous
    /// transaction, hour of day (sine, cosine), category (one-hot), online flag, merchant
    /// location, then the merchant's id + 1 for the embedding (0 is padding).
    public static let rawNames = ["log_amount", "log_hours_since_previous", "hour_sin", "hour_cos"]
        + CardTransactions.categories.map { "category_\($0)" } + ["online", "merchant_x", "merchant_y", "merchant_id"]
    public static var rawCount: Int { rawNames.count }

    /// Row-major `[count, rawCount]`.
    public static func raw(_ w: CardTransactions) -> [Float] {
        let f = rawCount
        var out = [Float](repeating: 0, count: w.count * f)
        var last: [Int: Double] = [:]
        for (i, t) in w.transactions.enumerated() {
            let m = w.merchants[t.merchant], b = i * f
            out[b] = log1p(t.amount) / 5
            if let p = last[t.card] { out[b + 1] = Float(log1p(t.time - p) / 5) }
            last[t.card] = t.time
            let hour = t.time.truncatingRemainder(dividingBy: 24)
            out[b + 2] = Float(sin(2 * Double.pi * hour / 24))
            out[b + 3] = Float(cos(2 * Double.pi * hour / 24))
            out[b + 4 + m.category] = 1
            out[b + 12] = m.online ? 1 : 0
            out[b + 13] = m.x / 1000
            out[b + 14] = m.y / 1000
            out[b + 15] = Float(t.merchant + 1)
        }
        return out
    }

    /// The pipeline's aggregates, each computed from the card's transactions before this one
    /// (and this one's own fields); the merchant risk is appended per training set.
    public static let engineeredNames = ["log_amount", "amount_zscore", "transactions_last_hour", "transactions_last_day",
                                         "log_amount_last_day", "small_transactions_last_hour", "new_merchant",
                                         "log_km_from_previous", "log_kmh_from_previous", "log_km_from_usual",
                                         "log_hours_since_previous", "night", "online"]
        + CardTransactions.categories.map { "category_\($0)" }
    public static let merchantRiskName = "merchant_risk"

    /// Hand-set constants of the aggregates: the 1-hour and 24-hour windows, the $5 small
    /// amount, 3 transactions before a z-score, night as 0–6 h, the risk's smoothing weight.
    public static let handSetConstants = 6
    static let riskSmoothing = 20.0

    /// Row-major `[count, engineeredNames.count]`.
    public static func engineered(_ w: CardTransactions) -> [Float] {
        let f = engineeredNames.count
        var out = [Float](repeating: 0, count: w.count * f)
        var history: [Int: [Int]] = [:]
        struct Stats { var n = 0.0, mean = 0.0, m2 = 0.0, sx = 0.0, sy = 0.0, physical = 0.0, lastX: Float = 0, lastY: Float = 0, lastT = -1.0 }
        var stats: [Int: Stats] = [:]
        var seen: [Int: Set<Int>] = [:]
        for (i, t) in w.transactions.enumerated() {
            let m = w.merchants[t.merchant], b = i * f
            var s = stats[t.card] ?? Stats()
            let la = log1p(Double(t.amount))
            out[b] = Float(la)
            if s.n >= 3 {
                let sd = (s.m2 / (s.n - 1)).squareRoot()
                out[b + 1] = Float((la - s.mean) / max(sd, 0.1))
            }
            var hour = 0, day = 0, small = 0, daySum = Double(t.amount)
            for j in (history[t.card] ?? []).reversed() {
                let p = w.transactions[j], dt = t.time - p.time
                if dt > 24 { break }
                day += 1
                daySum += Double(p.amount)
                if dt <= 1 {
                    hour += 1
                    if p.amount < 5 { small += 1 }
                }
            }
            out[b + 2] = Float(hour)
            out[b + 3] = Float(day)
            out[b + 4] = Float(log1p(daySum))
            out[b + 5] = Float(small)
            out[b + 6] = seen[t.card, default: []].contains(t.merchant) ? 0 : 1
            if !m.online && s.lastT >= 0 {
                let d = Double(hypot(m.x - s.lastX, m.y - s.lastY))
                out[b + 7] = Float(log1p(d))
                out[b + 8] = Float(log1p(d / max(t.time - s.lastT, 0.05)))
            }
            if !m.online && s.physical > 0 {
                out[b + 9] = Float(log1p(hypot(Double(m.x) - s.sx / s.physical, Double(m.y) - s.sy / s.physical)))
            }
            if let last = history[t.card]?.last { out[b + 10] = Float(log1p(t.time - w.transactions[last].time)) }
            out[b + 11] = t.time.truncatingRemainder(dividingBy: 24) < 6 ? 1 : 0
            out[b + 12] = m.online ? 1 : 0
            out[b + 13 + m.category] = 1
            // Update the card's history with this transaction.
            s.n += 1
            let delta = la - s.mean
            s.mean += delta / s.n
            s.m2 += delta * (la - s.mean)
            if !m.online {
                s.sx += Double(m.x); s.sy += Double(m.y); s.physical += 1
                s.lastX = m.x; s.lastY = m.y; s.lastT = t.time
            }
            stats[t.card] = s
            history[t.card, default: []].append(i)
            seen[t.card, default: []].insert(t.merchant)
        }
        return out
    }

    /// The merchant risk fitted on the training rows, per merchant: ln of its smoothed fraud
    /// rate, `(frauds + 20 · prior) / (transactions + 20)`, prior = the training fraud rate;
    /// merchants never seen in training get the prior.
    public static func merchantRisk(_ w: CardTransactions, rows: [Int]) -> [Float] {
        var fraud = [Double](repeating: 0, count: w.merchants.count), total = fraud
        for i in rows {
            fraud[w.transactions[i].merchant] += Double(w.transactions[i].label)
            total[w.transactions[i].merchant] += 1
        }
        let prior = max(fraud.reduce(0, +), 0.5) / Double(max(rows.count, 1))
        return (0..<w.merchants.count).map { Float(log((fraud[$0] + riskSmoothing * prior) / (total[$0] + riskSmoothing))) }
    }

    /// The `[rows.count, engineered + 1]` matrix of the pipeline: the aggregates of `rows`
    /// and their merchant's risk.
    public static func pipelineMatrix(_ w: CardTransactions, engineered e: [Float], risk: [Float], rows: [Int]) -> Tensor {
        let f = engineeredNames.count
        var out = [Float]()
        out.reserveCapacity(rows.count * (f + 1))
        for i in rows {
            out += e[(i * f)..<((i + 1) * f)]
            out.append(risk[w.transactions[i].merchant])
        }
        return Tensor(shape: [rows.count, f + 1], scalars: out)
    }
}
