import EndToEnd
import EndToEndData
import EndToEndTraining
import Foundation
import XCTest
@testable import EndToEndApplications

/// One smoke run of the fraud application (the result's shape and report), and the pieces:
/// the generator's fraud rate and patterns, the engineered aggregates on a hand-made stream.
final class FraudApplicationTests: XCTestCase {
    func testSmokeRunHasTheResultShapeAndReport() throws {
        let fm = FileManager.default
        let root = fm.temporaryDirectory.appendingPathComponent("fraud-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: root) }
        let report = root.appendingPathComponent("report")
        let context = ApplicationContext(size: .smoke, seed: 1, outputDirectory: report, artifactsDirectory: root.appendingPathComponent("scratch"),
                                         cacheDirectory: root.appendingPathComponent("cache"),
                                         parts: FinishedParts(directory: root.appendingPathComponent("parts")))
        let app = try XCTUnwrap(ApplicationRegistry.application(named: "fraud"))
        let r = try app.run(context)
        // The streams' three approaches, then the credit_data pair when r-cran-modeldata is installed.
        let credit = RLazyLoadDatabase.package("modeldata") != nil
        XCTAssertEqual(r.results.map(\.approach), FraudApplication.approaches + (credit ? CreditCase.approaches : []))
        for res in r.results {
            XCTAssertEqual(res.metric, "average_precision")
            XCTAssertTrue((0...1).contains(res.value), "\(res.approach) AP \(res.value)")
            XCTAssertEqual(res.extra.map(\.0), ["recall_at_1pct_fpr", "roc_auc", "threshold", "precision_at_threshold", "recall_at_threshold", "steps"])
            XCTAssertGreaterThanOrEqual(Set(r.dataEfficiency.filter { $0.approach == res.approach }.map(\.fraction)).count, 5, res.approach)
            XCTAssertEqual(r.shift.filter { $0.approach == res.approach }.count, CreditCase.approaches.contains(res.approach) ? 0 : 1, res.approach)
        }
        XCTAssertEqual(r.maintenance.map(\.approach), FraudApplication.approaches)
        XCTAssertTrue(r.notes[0].contains("account-takeover"), r.notes[0])
        try ApplicationReport(directory: report).write(r, application: app, context: context, wallSeconds: 1)
        for f in ["figures/data_efficiency.svg", "figures/shift.svg", "models/end-to-end/model.safetensors",
                  "models/pipeline-mlp/config.yaml", "models/pipeline-mlp/model.safetensors"] {
            XCTAssertTrue(fm.fileExists(atPath: report.appendingPathComponent(f).path), f)
        }
        // The saved LSTM weights load into a fresh network.
        let net = FraudSequenceNet(merchants: 780)
        _ = try net.load(from: report.appendingPathComponent("models/end-to-end/model.safetensors"))
        let json = r.summary(app: "fraud", report: nil).encoded
        XCTAssertTrue(json.contains("\"shift_held_out\": \"account-takeover\""), json)
        // Resumed: the networks' fits (wall time included) and the data-efficiency points are read back;
        // the logistic regressions, not parts, are fitted again to the same numbers.
        let again = try app.run(context)
        XCTAssertEqual(again.results.map(\.value), r.results.map(\.value))
        XCTAssertEqual(again.results[0].trainSeconds, r.results[0].trainSeconds)
        XCTAssertEqual(again.dataEfficiency, r.dataEfficiency)
        XCTAssertEqual(again.shift, r.shift)
    }

    func testGeneratorRatesPatternsAndSharedLegitimateStream() {
        let w = CardTransactions.generate(cards: 300, days: 40, seed: 5)
        XCTAssertGreaterThan(w.count, 5000)
        XCTAssertTrue((0.002...0.012).contains(w.fraudRate), "fraud rate \(w.fraudRate)")
        XCTAssertTrue(zip(w.transactions, w.transactions.dropFirst()).allSatisfy { $0.time <= $1.time })
        let cardTesting = w.transactions.filter { $0.fraud == .cardTesting }
        XCTAssertFalse(cardTesting.isEmpty)
        XCTAssertTrue(cardTesting.allSatisfy { w.merchants[$0.merchant].online })
        XCTAssertTrue(w.transactions.filter { $0.fraud == .collusion }.allSatisfy { w.colluding.contains($0.merchant) })
        // Account takeovers happen away from home.
        for t in w.transactions where t.fraud == .accountTakeover {
            XCTAssertNotEqual(w.merchants[t.merchant].city, w.homeCity[t.card])
        }
        // Turning a pattern off leaves the legitimate transactions as they were.
        let without = CardTransactions.generate(cards: 300, days: 40, seed: 5, patterns: [.cardTesting, .collusion])
        XCTAssertEqual(w.transactions.filter { $0.fraud == nil }, without.transactions.filter { $0.fraud == nil })
        XCTAssertFalse(without.transactions.contains { $0.fraud == .accountTakeover })
        XCTAssertEqual(CardTransactions.generate(cards: 20, days: 10, seed: 5).transactions, CardTransactions.generate(cards: 20, days: 10, seed: 5).transactions)
    }

    func testEngineeredAggregatesOnAHandMadeStream() throws {
        let g = CardTransactions.generate(cards: 1, days: 1, seed: 0)
        // Card 0: three purchases at merchant 0 (city 0) at 5, 20 and 30 h, then one at a merchant of another city 30 minutes later.
        let far = try XCTUnwrap(g.merchants.indices.first { !g.merchants[$0].online && g.merchants[$0].city != g.merchants[0].city })
        let tx: [CardTransactions.Transaction] = [
            .init(card: 0, time: 5, amount: 20, merchant: 0, fraud: nil), .init(card: 0, time: 20, amount: 20, merchant: 0, fraud: nil),
            .init(card: 0, time: 30, amount: 20, merchant: 0, fraud: nil), .init(card: 0, time: 30.5, amount: 2, merchant: far, fraud: .accountTakeover),
        ]
        let w = CardTransactions(merchants: g.merchants, colluding: g.colluding, homeCity: [0], cities: g.cities, days: 2, transactions: tx)
        let e = TransactionFeatures.engineered(w)
        let f = TransactionFeatures.engineeredNames.count
        func v(_ row: Int, _ name: String) -> Float { e[row * f + TransactionFeatures.engineeredNames.firstIndex(of: name)!] }
        XCTAssertEqual(v(0, "new_merchant"), 1)
        XCTAssertEqual(v(1, "new_merchant"), 0)
        XCTAssertEqual(v(3, "new_merchant"), 1)
        XCTAssertEqual(v(3, "transactions_last_hour"), 1)
        XCTAssertEqual(v(3, "transactions_last_day"), 2)   // 20 h and 30 h are within 24 h of 30.5 h; 5 h is not
        XCTAssertEqual(v(3, "small_transactions_last_hour"), 0)
        XCTAssertEqual(v(3, "log_hours_since_previous"), Float(log1p(0.5)), accuracy: 1e-6)
        let km = Double(hypot(w.merchants[far].x - w.merchants[0].x, w.merchants[far].y - w.merchants[0].y))
        XCTAssertEqual(v(3, "log_km_from_previous"), Float(log1p(km)), accuracy: 1e-4)
        XCTAssertEqual(v(3, "log_kmh_from_previous"), Float(log1p(km / 0.5)), accuracy: 1e-4)
        // Equal previous amounts: sd floored at 0.1, so the z-score of $2 is (ln 3 − ln 21) / 0.1.
        XCTAssertEqual(v(3, "amount_zscore"), Float((log(3.0) - log(21.0)) / 0.1), accuracy: 1e-3)
        XCTAssertEqual(v(2, "amount_zscore"), 0)   // fewer than 3 earlier transactions
        // The merchant risk: one fraud in 4 rows at `far`, smoothed toward the 1/4 prior.
        let risk = TransactionFeatures.merchantRisk(w, rows: [0, 1, 2, 3])
        XCTAssertEqual(risk[far], Float(log((1 + 20 * 0.25) / 21)), accuracy: 1e-6)
        XCTAssertEqual(risk[0], Float(log((0 + 20 * 0.25) / 23)), accuracy: 1e-6)
        // The raw fields the LSTM reads: hours since the previous transaction, merchant id + 1.
        let raw = TransactionFeatures.raw(w)
        XCTAssertEqual(raw[3 * TransactionFeatures.rawCount + 1], Float(log1p(0.5) / 5), accuracy: 1e-6)
        XCTAssertEqual(raw[3 * TransactionFeatures.rawCount + TransactionFeatures.rawCount - 1], Float(far + 1))
    }
}

/// The real case's two views of modeldata's credit_data (skipped without r-cran-modeldata).
final class CreditTableTests: XCTestCase {
    func testRawAndEngineeredViews() throws {
        guard let credit = try CreditTable.load(path: nil) else { throw XCTSkip("r-cran-modeldata is not installed") }
        XCTAssertEqual(credit.count, 4454)
        XCTAssertEqual(credit.labels.reduce(0, +), 1254)   // R: table(credit_data$Status)
        XCTAssertEqual(credit.numbers["Income"]!.filter { $0 == nil }.count, 381)   // R: colSums(is.na(credit_data))
        let raw = credit.raw([0, 1, 2])
        // 9 numbers, NA indicators of Income, Assets, Debt, factors one-hot with an NA level (6+1, 5+1, 2+1, 4+1).
        XCTAssertEqual(raw.shape, [3, 9 + 3 + 7 + 6 + 3 + 5])
        // Row 1 of credit_data: Seniority 9, Time 60, Age 30, Expenses 73, Income 129, Assets 0, Debt 0, Amount 800, Price 846.
        XCTAssertEqual(Array(raw.scalars[0..<9]), [9, 60, 30, 73, 129, 0, 0, 800, 846])
        let e = credit.engineered([0], fitRows: Array(0..<credit.count))
        XCTAssertEqual(e[0, 0], Float(log1p(129.0)), accuracy: 1e-5)
        XCTAssertEqual(e[0, 3], Float(800.0 / 846.0), accuracy: 1e-6)
        XCTAssertEqual(e[0, 5], Float(800.0 / 60.0 / 129.0), accuracy: 1e-6)
    }
}
