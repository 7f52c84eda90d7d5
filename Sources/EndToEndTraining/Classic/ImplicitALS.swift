import EndToEnd

/// Matrix factorization of implicit feedback by alternating least squares (Hu, Koren and
/// Volinsky 2008, "Collaborative filtering for implicit feedback datasets").
///
/// Every (user, item) cell counts: the preference is `p = 1` where the user interacted
/// (value `r > 0`) and 0 elsewhere, with confidence `c = 1 + alpha · r`. The factors
/// minimize `Σ_ui c_ui (p_ui − x_u·y_i)² + regularization · (Σ‖x_u‖² + Σ‖y_i‖²)`; each
/// half-sweep solves every user's (then every item's) normal equations exactly,
/// `x_u = (YᵀY + Yᵀ(C_u − I)Y + λI)⁻¹ YᵀC_u p_u`, with the `YᵀY` trick so a user costs
/// `k²·n_u + k³`, not `k²·items`. Scores are `x_u·y_i`; rank a user's candidates by them.
///
/// ```swift
/// let als = try ImplicitALS(users: 671, items: 9066, factors: 32, regularization: 0.1, alpha: 20, seed: 1)
/// try als.fit(entries, sweeps: 15)             // entries: (user, item, value)
/// let s = als.score(user: 0, item: 42)
/// ```
public final class ImplicitALS {
    public let users: Int
    public let items: Int
    public let factors: Int
    public let regularization: Double
    public let alpha: Double
    /// `[users × factors]`, row-major.
    public internal(set) var userFactors: [Double]
    /// `[items × factors]`, row-major.
    public internal(set) var itemFactors: [Double]
    /// Observed cells: for each user its (item, value) pairs, and for each item its (user, value) pairs.
    var byUser: [[(Int, Double)]]
    var byItem: [[(Int, Double)]]

    /// Factors start from N(0, 0.01²) (the item side matters: the first half-sweep solves users).
    ///
    /// - Throws: ``TrainerError`` for non-positive sizes or negative constants.
    public init(users: Int, items: Int, factors: Int, regularization: Double, alpha: Double, seed: UInt64) throws {
        guard users > 0, items > 0, factors > 0 else {
            throw TrainerError("ImplicitALS: users, items and factors must be positive, got \(users), \(items), \(factors)")
        }
        guard regularization >= 0, alpha >= 0, regularization.isFinite, alpha.isFinite else {
            throw TrainerError("ImplicitALS: regularization and alpha must be finite and non-negative, got \(regularization) and \(alpha)")
        }
        self.users = users
        self.items = items
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        var rng = RandomGenerator(seed: seed)
        userFactors = (0..<(users * factors)).map { _ in 0.01 * Double(rng.nextNormal()) }
        itemFactors = (0..<(items * factors)).map { _ in 0.01 * Double(rng.nextNormal()) }
        byUser = Array(repeating: [], count: users)
        byItem = Array(repeating: [], count: items)
    }

    /// Replaces both factor tables (e.g. with those of a finished fit read back).
    ///
    /// - Throws: ``TrainerError`` when a table's size is not `users × factors` / `items × factors`.
    public func setFactors(users u: [Double], items i: [Double]) throws {
        guard u.count == users * factors, i.count == items * factors else {
            throw TrainerError("ImplicitALS.setFactors: expected \(users * factors) user and \(items * factors) item numbers, got \(u.count) and \(i.count)")
        }
        userFactors = u
        itemFactors = i
    }

    /// Learned numbers: both factor tables.
    public var parameterCount: Int { (users + items) * factors }

    /// Sets the observed cells (values of a repeated cell are added) and runs `sweeps`
    /// alternations (users, then items).
    ///
    /// - Throws: ``TrainerError`` for an id out of range or a negative or non-finite value.
    public func fit(_ entries: [(user: Int, item: Int, value: Double)], sweeps: Int) throws {
        try setEntries(entries)
        for _ in 0..<max(sweeps, 0) {
            try solveUsers()
            try solveItems()
        }
    }

    func setEntries(_ entries: [(user: Int, item: Int, value: Double)]) throws {
        var cells: [Int: Double] = [:]
        for (n, e) in entries.enumerated() {
            guard (0..<users).contains(e.user), (0..<items).contains(e.item) else {
                throw TrainerError("ImplicitALS.fit: entry \(n) has user \(e.user), item \(e.item), outside \(users) users × \(items) items")
            }
            guard e.value >= 0, e.value.isFinite else { throw TrainerError("ImplicitALS.fit: entry \(n) has value \(e.value); values must be finite and non-negative") }
            cells[e.user * items + e.item, default: 0] += e.value
        }
        byUser = Array(repeating: [], count: users)
        byItem = Array(repeating: [], count: items)
        // A zero value is no interaction (preference 0, confidence 1): leave the cell unobserved.
        for key in cells.keys.sorted() where cells[key]! > 0 {
            let u = key / items, i = key % items, v = cells[key]!
            byUser[u].append((i, v))
            byItem[i].append((u, v))
        }
    }

    /// One half-sweep: every user's factors given the items'.
    func solveUsers() throws { try solve(rows: &userFactors, count: users, fixed: itemFactors, fixedCount: items, cells: byUser) }

    /// One half-sweep: every item's factors given the users'.
    func solveItems() throws { try solve(rows: &itemFactors, count: items, fixed: userFactors, fixedCount: users, cells: byItem) }

    func solve(rows: inout [Double], count: Int, fixed: [Double], fixedCount: Int, cells: [[(Int, Double)]]) throws {
        let k = factors
        // YᵀY over all fixed rows, shared by every solve.
        var gram = [Double](repeating: 0, count: k * k)
        for r in 0..<fixedCount {
            let b = r * k
            for a in 0..<k {
                let ya = fixed[b + a]
                for c in a..<k { gram[a * k + c] += ya * fixed[b + c] }
            }
        }
        for a in 0..<k { for c in 0..<a { gram[a * k + c] = gram[c * k + a] } }
        var system = [Double](repeating: 0, count: k * k), rhs = [Double](repeating: 0, count: k)
        for row in 0..<count {
            system = gram
            for a in 0..<k { system[a * k + a] += regularization; rhs[a] = 0 }
            fixed.withUnsafeBufferPointer { y in
                system.withUnsafeMutableBufferPointer { s in
                    for (other, value) in cells[row] {
                        let confidence = 1 + alpha * value
                        let b = other * k
                        for a in 0..<k {
                            let ya = y[b + a]
                            rhs[a] += confidence * ya          // p = 1 on observed cells
                            let w = (confidence - 1) * ya
                            if w != 0 { for c in 0..<k { s[a * k + c] += w * y[b + c] } }
                        }
                    }
                }
            }
            guard let x = Self.choleskySolve(system, rhs, k) else {
                throw TrainerError("ImplicitALS: the normal equations of row \(row) are not positive definite; use regularization > 0")
            }
            for a in 0..<k { rows[row * k + a] = x[a] }
        }
    }

    /// Solves `A x = b` for a symmetric positive definite `k × k` `A`; nil when it is not.
    static func choleskySolve(_ a: [Double], _ b: [Double], _ k: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: k * k)
        for i in 0..<k {
            for j in 0...i {
                var s = a[i * k + j]
                for m in 0..<j { s -= l[i * k + m] * l[j * k + m] }
                if i == j {
                    guard s > 1e-300 else { return nil }
                    l[i * k + i] = s.squareRoot()
                } else {
                    l[i * k + j] = s / l[j * k + j]
                }
            }
        }
        var y = b
        for i in 0..<k {
            for m in 0..<i { y[i] -= l[i * k + m] * y[m] }
            y[i] /= l[i * k + i]
        }
        for i in stride(from: k - 1, through: 0, by: -1) {
            for m in (i + 1)..<k { y[i] -= l[m * k + i] * y[m] }
            y[i] /= l[i * k + i]
        }
        return y
    }

    /// `x_user · y_item`.
    public func score(user: Int, item: Int) -> Double {
        var s = 0.0
        for a in 0..<factors { s += userFactors[user * factors + a] * itemFactors[item * factors + a] }
        return s
    }

    /// An item's factor vector (for nearest-item tables).
    public func itemVector(_ item: Int) -> [Double] { Array(itemFactors[(item * factors)..<((item + 1) * factors)]) }

    /// The objective `Σ_ui c_ui (p_ui − x_u·y_i)² + λ(‖X‖² + ‖Y‖²)` over all cells (O(users·items·k): for tests and small data).
    public func loss() -> Double {
        var total = 0.0
        for u in 0..<users {
            var observed: [Int: Double] = [:]
            for (i, v) in byUser[u] { observed[i] = v }
            for i in 0..<items {
                let v = observed[i]
                let c = 1 + alpha * (v ?? 0), p: Double = v == nil ? 0 : 1
                let e = p - score(user: u, item: i)
                total += c * e * e
            }
        }
        return total + regularization * (userFactors.reduce(0) { $0 + $1 * $1 } + itemFactors.reduce(0) { $0 + $1 * $1 })
    }
}
