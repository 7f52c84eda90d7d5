import EndToEnd
import EndToEndData
import EndToEndTraining
import Foundation

/// What a person can read of each system for one flagged transaction: for the LSTM, how much
/// each transaction of the card's window moved the fraud score (occlusion: the score minus
/// the score with that step replaced by padding); for the logistic regression, its largest
/// terms `w_j · z_j` (weight times standardized feature).
enum FraudAttribution {
    /// Markdown: for each fraud pattern, the test fraud the LSTM scored highest.
    static func table(stream: FraudApplication.Stream, net: FraudSequenceNet, regression: LogisticRegression, risk: [Float],
                      testScores: [Float]) throws -> String {
        var md = "### Attributions: which transactions moved the score\n\n"
        md += "For each fraud pattern, the test fraud the LSTM scored highest. Δ is the LSTM's fraud probability minus its value with that "
            + "transaction of the window replaced by padding (occlusion); the regression's terms are weight × standardized feature, in logits.\n\n"
        let w = stream.world
        for pattern in FraudPattern.allCases {
            let candidates = stream.test.indices.filter { w.transactions[stream.test[$0]].fraud == pattern }
            guard let best = candidates.max(by: { testScores[$0] < testScores[$1] }) else { continue }
            let event = stream.test[best]
            let (base, deltas) = try occlusion(stream: stream, net: net, event: event)
            let window = stream.sequences.window(of: event)
            let scored = w.transactions[event], here = w.merchants[scored.merchant]
            md += "**\(pattern.rawValue)**: card \(scored.card), LSTM fraud probability \(Format.number(Double(base)))\n\n"
            md += "| step | hours before | amount | category | where | fraud | Δ |\n|---:|---:|---:|---|---|---|---:|\n"
            for (k, i) in window.enumerated() {
                let t = w.transactions[i], m = w.merchants[t.merchant]
                let place = m.online ? "online" : here.online ? "physical" : "\(Int(hypot(m.x - here.x, m.y - here.y).rounded())) km away"
                md += "| \(k - window.count + 1) | \(String(format: "%.1f", scored.time - t.time)) | \(String(format: "%.2f", t.amount)) | "
                    + "\(CardTransactions.categories[m.category]) | \(place) | \(t.fraud?.rawValue ?? "–") | \(Format.signed(Double(deltas[k]))) |\n"
            }
            let terms = regressionTerms(regression, stream: stream, risk: risk, event: event).prefix(4)
            md += "\nLogistic regression: " + terms.map { "\($0.name) \(Format.signed($0.value))" }.joined(separator: ", ") + "\n\n"
        }
        return md
    }

    /// The LSTM's fraud probability for `event`, and for each step of its window the drop when
    /// that step is replaced by padding (one batch: the window and each occluded copy).
    static func occlusion(stream: FraudApplication.Stream, net: FraudSequenceNet, event: Int) throws -> (Float, [Float]) {
        let x = try stream.sequences.tensor(features: stream.raw, featureCount: TransactionFeatures.rawCount, events: [event])
        let t = x.shape[1], width = x.shape[2], real = stream.sequences.window(of: event).count
        let v = x.scalars
        var batch = v
        for k in (t - real)..<t {
            var copy = v
            for c in 0..<width { copy[k * width + c] = 0 }
            batch += copy
        }
        net.eval()
        defer { net.train() }
        let p = withNoGrad { net(Tensor(shape: [1 + real, t, width], scalars: batch)).softmax(axis: 1) }
        let base = p[0, 1]
        return (base, (0..<real).map { base - p[1 + $0, 1] })
    }

    /// The regression's terms for `event`, largest magnitude first.
    static func regressionTerms(_ r: LogisticRegression, stream: FraudApplication.Stream, risk: [Float], event: Int) -> [(name: String, value: Double)] {
        let x = TransactionFeatures.pipelineMatrix(stream.world, engineered: stream.engineered, risk: risk, rows: [event]).scalars
        let weight = r.linear.weight.value
        let names = FraudPipeline.featureNames
        return names.indices.map { j in
            let z = (x[j] - r.mean[j]) / r.scale[j]
            return (names[j], Double((weight[1, j] - weight[0, j]) * z))
        }.sorted { abs($0.value) > abs($1.value) }
    }
}
