import EndToEnd
import EndToEndData
import Foundation

/// The second, real case: `credit_data` from Debian's `r-cran-modeldata` (4,454 loan
/// applicants, `Status` bad or good, 28 % bad, with NAs), read with ``RLazyLoadDatabase``.
///
/// Two views of each applicant: the **raw** columns (numbers as given with NA → 0 plus an NA
/// indicator, factors one-hot with an NA level) for the end-to-end MLP, and **engineered**
/// features (log income, assets and debt; loan-to-price, monthly payment, payment and
/// expenses over income; median imputation from the training rows) for logistic regression.
struct CreditTable {
    static let licence = "MIT (r-cran-modeldata; credit_data from the CreditScoring data of Gaston Sanchez)"
    static let numeric = ["Seniority", "Time", "Age", "Expenses", "Income", "Assets", "Debt", "Amount", "Price"]
    static let factors = ["Home", "Marital", "Records", "Job"]

    /// Numeric columns by name (NA = nil); factors as level names (NA = nil).
    var numbers: [String: [Double?]]
    var levels: [String: [String?]]
    var levelNames: [String: [String]]
    /// 1 = bad.
    var labels: [Int]
    var source: String
    var count: Int { labels.count }

    /// Reads `credit_data` from `path` (an `Rdata` lazy-load base) or the installed modeldata.
    /// - Returns: nil when the package is not installed and no path is given.
    static func load(path: URL?) throws -> CreditTable? {
        guard let base = path ?? RLazyLoadDatabase.package("modeldata") else { return nil }
        let frame = try RLazyLoadDatabase(contentsOf: base).dataFrame("credit_data")
        var numbers: [String: [Double?]] = [:], levels: [String: [String?]] = [:], names: [String: [String]] = [:]
        for c in numeric { numbers[c] = try frame.column(c).doubles() }
        for c in factors {
            let column = try frame.column(c)
            if case .factor(_, let l) = column { names[c] = l } else { throw ApplicationError("credit_data: column \(c) is not a factor") }
            levels[c] = try column.strings()
        }
        let status = try frame.column("Status").strings()
        var labels: [Int] = []
        for (i, s) in status.enumerated() {
            guard let s, s == "bad" || s == "good" else { throw ApplicationError("credit_data: row \(i + 1) has Status \(status[i] ?? "NA"), expected bad or good") }
            labels.append(s == "bad" ? 1 : 0)
        }
        return CreditTable(numbers: numbers, levels: levels, levelNames: names, labels: labels, source: "r-cran-modeldata")
    }

    /// `[rows, features]` of the raw view.
    func raw(_ rows: [Int]) -> Tensor {
        let withNA = Self.numeric.filter { c in numbers[c]!.contains { $0 == nil } }
        var out: [Float] = []
        for i in rows {
            for c in Self.numeric { out.append(Float(numbers[c]![i] ?? 0)) }
            for c in withNA { out.append(numbers[c]![i] == nil ? 1 : 0) }
            for c in Self.factors {
                let v = levels[c]![i]
                for l in levelNames[c]! { out.append(v == l ? 1 : 0) }
                out.append(v == nil ? 1 : 0)
            }
        }
        return Tensor(shape: [rows.count, out.count / max(rows.count, 1)], scalars: out)
    }

    /// Hand-set in the engineered view: the 9 derived features chosen.
    static let engineeredConstants = 9

    /// `[rows, features]` of the engineered view, NAs imputed with the medians of `fitRows`.
    func engineered(_ rows: [Int], fitRows: [Int]) -> Tensor {
        var median: [String: Double] = [:]
        for c in Self.numeric {
            let v = fitRows.compactMap { numbers[c]![$0] }.sorted()
            median[c] = v.isEmpty ? 0 : v[v.count / 2]
        }
        func n(_ c: String, _ i: Int) -> Double { numbers[c]![i] ?? median[c]! }
        var out: [Float] = []
        for i in rows {
            let income = max(n("Income", i), 1), payment = n("Amount", i) / max(n("Time", i), 1)
            let f: [Double] = [
                log1p(income), log1p(n("Assets", i)), log1p(n("Debt", i)), n("Amount", i) / max(n("Price", i), 1), log1p(payment),
                payment / income, n("Expenses", i) / income, n("Seniority", i), n("Age", i),
            ]
            out += f.map { Float($0) }
            out.append(levels["Records"]![i] == "yes" ? 1 : 0)
            for c in ["Home", "Marital", "Job"] {
                let v = levels[c]![i]
                for l in levelNames[c]! { out.append(v == l ? 1 : 0) }
            }
        }
        return Tensor(shape: [rows.count, out.count / max(rows.count, 1)], scalars: out)
    }
}
