import EndToEnd
import Foundation

/// The fraud patterns the generator injects into the card streams.
public enum FraudPattern: String, CaseIterable, Sendable {
    /// A burst of tiny online charges that checks a stolen card number works, often followed
    /// by one or two large online purchases.
    case cardTesting = "card-testing"
    /// Someone else uses the card far from the customer, at new merchants, for large amounts,
    /// while the customer keeps using it at home (a jump in location).
    case accountTakeover = "account-takeover"
    /// A merchant that skims cards it sees and later posts night-time charges to them.
    case collusion = "colluding-merchant"
}

/// A generated world of customers, merchants and their card transactions, ordered by time.
///
/// How it is generated (all from the seed; documented in docs/apps/fraud.md):
/// - 12 cities on a 2000 × 2000 km square; 60 physical merchants per city and 60 online
///   merchants, each with one of 8 categories (online merchants sell digital goods,
///   electronics, retail or travel) and a typical amount per category.
/// - Each customer (one card) has a home city, a rate of 0.4–3 transactions a day, a
///   preference over categories, a personal spending level, 6–20 usual merchants in the home
///   city and 1–4 usual online merchants, and trips (about one every 45 days, 2–6 days long)
///   to other cities. Transactions follow a Poisson process, mostly by day; 85 % of home
///   purchases are at usual merchants.
/// - Fraud, each pattern from its own random stream (so turning a pattern off leaves every
///   legitimate transaction as it was): card-testing bursts, account takeovers in a far city,
///   and 4 colluding merchants that skim some visiting cards and charge them at night 0.5–3
///   days later. The fraud rate comes out at 0.2–1 %.
public struct CardTransactions: Sendable {
    /// One card transaction.
    public struct Transaction: Sendable, Equatable {
        public var card: Int
        /// Hours since the start of the stream.
        public var time: Double
        public var amount: Float
        public var merchant: Int
        /// The fraud pattern, nil for a legitimate transaction.
        public var fraud: FraudPattern?
        public var label: Int { fraud == nil ? 0 : 1 }
    }

    public struct Merchant: Sendable, Equatable {
        public var category: Int
        public var online: Bool
        /// Kilometres; (0, 0) for online merchants.
        public var x: Float, y: Float
        public var city: Int
    }

    public static let categories = ["grocery", "fuel", "restaurant", "retail", "electronics", "travel", "pharmacy", "digital"]
    /// ln of the typical amount per category (about 33, 40, 27, 55, 150, 245, 20, 12 dollars).
    static let categoryLogAmount: [Double] = [3.5, 3.7, 3.3, 4.0, 5.0, 5.5, 3.0, 2.5]
    static let cityCount = 12, merchantsPerCity = 60, onlineMerchants = 60, colludingMerchants = 4
    /// Per card and day.
    static let cardTestingRate = 1.0 / 2500, takeoverRate = 1.0 / 2000
    /// Chance that a visit to a colluding merchant gets the card skimmed.
    static let skimProbability = 0.25

    public let merchants: [Merchant]
    /// Indices of the colluding merchants.
    public let colluding: [Int]
    public let homeCity: [Int]
    public let cities: [(x: Float, y: Float)]
    public let days: Int
    /// Every transaction, in time order.
    public let transactions: [Transaction]

    public var count: Int { transactions.count }
    public var labels: [Int] { transactions.map(\.label) }
    public var fraudRate: Double { Double(transactions.filter { $0.fraud != nil }.count) / Double(max(1, count)) }

    /// - Parameters:
    ///   - patterns: the fraud patterns to inject.
    ///   - minimumIncidents: this many extra incidents of card testing and of account takeover,
    ///     spread over the period (for tiny smoke worlds).
    public static func generate(cards: Int, days: Int, seed: UInt64, patterns: Set<FraudPattern> = Set(FraudPattern.allCases),
                                minimumIncidents: Int = 0) -> CardTransactions {
        var world = RandomGenerator(seed: SeedDerivation.derive(seed, [1]))
        let cities = (0..<cityCount).map { _ in (x: 100 + 1800 * world.nextUniform(), y: 100 + 1800 * world.nextUniform()) }
        var merchants: [Merchant] = []
        for c in 0..<cityCount {
            for _ in 0..<merchantsPerCity {
                // Physical categories, groceries and restaurants most common.
                let cat = [0, 0, 0, 1, 1, 2, 2, 2, 3, 3, 4, 5, 6, 6][world.nextInt(below: 14)]
                merchants.append(Merchant(category: cat, online: false, x: cities[c].x + 15 * world.nextNormal(),
                                          y: cities[c].y + 15 * world.nextNormal(), city: c))
            }
        }
        for _ in 0..<onlineMerchants {
            merchants.append(Merchant(category: [7, 7, 7, 4, 3, 3, 5][world.nextInt(below: 7)], online: true, x: 0, y: 0, city: -1))
        }
        // Colluding merchants: physical restaurants, fuel or retail in four different cities.
        var colluding: [Int] = []
        for c in world.permutation(cityCount).prefix(colludingMerchants) {
            let candidates = (0..<merchantsPerCity).map { c * merchantsPerCity + $0 }.filter { [1, 2, 3].contains(merchants[$0].category) }
            colluding.append(candidates.isEmpty ? c * merchantsPerCity : candidates[world.nextInt(below: candidates.count)])
        }
        let online = Array((cityCount * merchantsPerCity)..<merchants.count)
        func byCategory(_ cats: Set<Int>, in pool: [Int]) -> [Int] { pool.filter { cats.contains(merchants[$0].category) } }
        let onlineDigital = byCategory([7], in: online), onlineLarge = byCategory([3, 4], in: online)

        var all: [Transaction] = []
        var homes: [Int] = []
        let hours = Double(days * 24)
        for card in 0..<cards {
            var rng = RandomGenerator(seed: SeedDerivation.derive(seed, [2, UInt64(card)]))
            let home = rng.nextInt(below: cityCount)
            homes.append(home)
            let rate = 0.4 + 2.6 * Double(rng.nextUniform())
            let preference = (0..<categories.count).map { _ in -log(1 - Double(rng.nextUniform())) }  // Gamma(1) weights
            let level = 0.4 * Double(rng.nextNormal())
            let local = (0..<merchantsPerCity).map { home * merchantsPerCity + $0 }
            let usual = Array(rng.permutation(local.count).prefix(6 + rng.nextInt(below: 15)).map { local[$0] })
            let usualOnline = Array(rng.permutation(online.count).prefix(1 + rng.nextInt(below: 4)).map { online[$0] })
            let onlineShare = 0.05 + 0.25 * Double(rng.nextUniform())
            // Trips to other cities.
            var trips: [(start: Double, end: Double, city: Int)] = []
            var t = -log(1 - Double(rng.nextUniform())) * 45 * 24
            while t < hours {
                let length = 24 * (2 + 4 * Double(rng.nextUniform()))
                var city = rng.nextInt(below: cityCount - 1)
                if city >= home { city += 1 }
                trips.append((t, t + length, city))
                t += length + -log(1 - Double(rng.nextUniform())) * 45 * 24
            }
            func pick(_ pool: [Int], _ rng: inout RandomGenerator) -> Int {
                // Weighted by the customer's category preference.
                let w = pool.map { preference[merchants[$0].category] + 0.05 }
                var u = Double(rng.nextUniform()) * w.reduce(0, +)
                for (k, m) in pool.enumerated() {
                    u -= w[k]
                    if u <= 0 { return m }
                }
                return pool[pool.count - 1]
            }
            func amount(_ merchant: Int, _ rng: inout RandomGenerator) -> Float {
                let m = categoryLogAmount[merchants[merchant].category] + level + 0.5 * Double(rng.nextNormal())
                return Float((exp(m) * 100).rounded() / 100)
            }
            var cardEvents: [Transaction] = []
            t = 0
            while true {
                t += -log(1 - Double(rng.nextUniform())) * 24 / rate
                if t >= hours { break }
                var when = t
                // Mostly by day: a night-time draw moves to the morning with probability 0.85.
                let hour = when.truncatingRemainder(dividingBy: 24)
                if hour < 6 && rng.nextUniform() < 0.85 { when += 7 - hour + 3 * Double(rng.nextUniform()) }
                let trip = trips.first { $0.start <= when && when < $0.end }
                let merchant: Int
                if rng.nextUniform() < Float(onlineShare) {
                    merchant = rng.nextUniform() < 0.9 ? usualOnline[rng.nextInt(below: usualOnline.count)] : online[rng.nextInt(below: online.count)]
                } else if let trip {
                    merchant = pick((0..<merchantsPerCity).map { trip.city * merchantsPerCity + $0 }, &rng)
                } else {
                    merchant = rng.nextUniform() < 0.85 ? pick(usual, &rng) : pick(local, &rng)
                }
                cardEvents.append(Transaction(card: card, time: when, amount: amount(merchant, &rng), merchant: merchant, fraud: nil))
            }

            // Fraud, each pattern from its own stream.
            if patterns.contains(.cardTesting) {
                var f = RandomGenerator(seed: SeedDerivation.derive(seed, [3, UInt64(card)]))
                for start in incidents(rate: cardTestingRate, hours: hours, forced: card < minimumIncidents ? (card, minimumIncidents) : nil, &f) {
                    var s = start
                    for _ in 0..<(3 + f.nextInt(below: 6)) {
                        let m = onlineDigital[f.nextInt(below: onlineDigital.count)]
                        cardEvents.append(Transaction(card: card, time: s, amount: Float(50 + f.nextInt(below: 450)) / 100, merchant: m, fraud: .cardTesting))
                        s += (0.5 + 9.5 * Double(f.nextUniform())) / 60
                    }
                    if f.nextUniform() < 0.6 {
                        for _ in 0..<(1 + f.nextInt(below: 2)) {
                            s += 1 + 5 * Double(f.nextUniform())
                            let m = onlineLarge[f.nextInt(below: onlineLarge.count)]
                            let a = Float((exp(5.5 + 0.4 * Double(f.nextNormal())) * 100).rounded() / 100)
                            cardEvents.append(Transaction(card: card, time: s, amount: a, merchant: m, fraud: .cardTesting))
                        }
                    }
                }
            }
            if patterns.contains(.accountTakeover) {
                var f = RandomGenerator(seed: SeedDerivation.derive(seed, [4, UInt64(card)]))
                for start in incidents(rate: takeoverRate, hours: hours, forced: card >= cards - minimumIncidents ? (cards - 1 - card, minimumIncidents) : nil, &f) {
                    // A city far from home.
                    let far = (0..<cityCount).filter { $0 != home }.sorted {
                        hypot(cities[$0].x - cities[home].x, cities[$0].y - cities[home].y) > hypot(cities[$1].x - cities[home].x, cities[$1].y - cities[home].y)
                    }
                    let city = far[f.nextInt(below: min(5, far.count))]
                    let pool = (0..<merchantsPerCity).map { city * merchantsPerCity + $0 }.filter { [3, 4, 5].contains(merchants[$0].category) }
                    var s = start
                    for _ in 0..<(2 + f.nextInt(below: 5)) {
                        let m = pool.isEmpty ? city * merchantsPerCity : pool[f.nextInt(below: pool.count)]
                        let a = Float((exp(5.2 + 0.5 * Double(f.nextNormal())) * 100).rounded() / 100)
                        cardEvents.append(Transaction(card: card, time: s, amount: a, merchant: m, fraud: .accountTakeover))
                        s += 0.3 + 3 * Double(f.nextUniform())
                    }
                }
            }
            if patterns.contains(.collusion) {
                var f = RandomGenerator(seed: SeedDerivation.derive(seed, [5, UInt64(card)]))
                // The first visit to a colluding merchant that gets the card skimmed.
                let visits = cardEvents.filter { $0.fraud == nil && colluding.contains($0.merchant) }
                if let visit = visits.first(where: { _ in f.nextUniformDouble() < skimProbability }) {
                    var s = visit.time + 12 + 60 * Double(f.nextUniform())
                    s = (s / 24).rounded(.down) * 24 + 24 + 1 + 4 * Double(f.nextUniform())  // the next night, 1–5 am
                    for _ in 0..<(1 + f.nextInt(below: 2)) {
                        let a = Float((exp(4.8 + 0.3 * Double(f.nextNormal()))).rounded())
                        cardEvents.append(Transaction(card: card, time: s, amount: a, merchant: visit.merchant, fraud: .collusion))
                        s += 0.2 + 0.5 * Double(f.nextUniform())
                    }
                }
            }
            all += cardEvents.filter { $0.time < hours }
        }
        all.sort { $0.time != $1.time ? $0.time < $1.time : $0.card < $1.card }
        return CardTransactions(merchants: merchants, colluding: colluding, homeCity: homes, cities: cities, days: days, transactions: all)
    }

    /// Start times of a Poisson process of `rate` per day over `hours`; with `forced` (the
    /// j-th of m forced cards), one more at 10–95 % of the period, spread evenly over the m
    /// cards so that every period of a tiny world holds some.
    static func incidents(rate: Double, hours: Double, forced: (j: Int, m: Int)?, _ rng: inout RandomGenerator) -> [Double] {
        var out: [Double] = []
        var t = -log(1 - Double(rng.nextUniform())) * 24 / rate
        while t < hours {
            out.append(t)
            t += -log(1 - Double(rng.nextUniform())) * 24 / rate
        }
        if let forced { out.append(hours * (0.1 + 0.85 * (Double(forced.j) + 0.5) / Double(forced.m))) }
        return out
    }

    /// The transactions with `time` in `[from, to)` hours, as indices.
    public func indices(from: Double, to: Double) -> [Int] {
        transactions.indices.filter { transactions[$0].time >= from && transactions[$0].time < to }
    }
}
