import XCTest
import EndToEnd
@testable import EndToEndTraining

/// Interpolated Kneser–Ney on hand-worked cases, normalization, and bits per character.
final class KneserNeyModelTests: XCTestCase {
    /// "abab", order 2, D = 0.5 at both orders. Bigram counts: ab 2, ba 1. Continuation counts
    /// of the unigrams: a is preceded by b and by the start (2), b by a (1); T₁ = 3, U₁ = 2.
    /// P₁(a) = (2 − .5)/3 + .5·2/3·½ = 2/3, P₁(b) = 1/3.
    /// After a: T = 2, U = 1: P(b|a) = 1.5/2 + .5·1/2·⅓ = 5/6, P(a|a) = .25·⅔ = 1/6.
    /// After b: T = 1, U = 1: P(a|b) = .5 + .5·⅔ = 5/6, P(b|b) = .5·⅓ = 1/6.
    func testHandWorkedBigramModel() throws {
        let m = try KneserNeyModel(tokens: [0, 1, 0, 1], vocabularySize: 2, order: 2, discounts: [0.5, 0.5])
        XCTAssertEqual(m.probability(of: 0, after: []), 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(m.probability(of: 1, after: []), 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(m.probability(of: 1, after: [0]), 5.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(m.probability(of: 0, after: [0]), 1.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(m.probability(of: 0, after: [1]), 5.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(m.probability(of: 1, after: [1]), 1.0 / 6, accuracy: 1e-12)
        // Only the last order − 1 symbols matter.
        XCTAssertEqual(m.probability(of: 1, after: [1, 1, 0]), 5.0 / 6, accuracy: 1e-12)
        // Bits of "ab" from the start: −log₂(2/3) − log₂(5/6).
        XCTAssertEqual(m.bitsPerSymbol([0, 1]), -(log2(2.0 / 3) + log2(5.0 / 6)) / 2, accuracy: 1e-12)
    }

    /// An unseen symbol gets the uniform share the discounts free: with V = 3 and "abab",
    /// P₁(c) = .5·2/3·⅓ = 1/9 and P(c | a) = .25·(1/9).
    func testUnseenSymbolAndUnseenContext() throws {
        let m = try KneserNeyModel(tokens: [0, 1, 0, 1], vocabularySize: 3, order: 2, discounts: [0.5, 0.5])
        XCTAssertEqual(m.probability(of: 2, after: []), 1.0 / 9, accuracy: 1e-12)
        XCTAssertEqual(m.probability(of: 2, after: [0]), 0.25 / 9, accuracy: 1e-12)
        // Context c was never seen: the unigram estimate is used unchanged.
        XCTAssertEqual(m.probability(of: 0, after: [2]), m.probability(of: 0, after: []), accuracy: 1e-12)
        XCTAssertEqual(m.probability(of: 7, after: []), 0)
    }

    /// A trigram case: "aab", order 3, D = 1 everywhere (each count loses one).
    /// Raw trigrams: aab 1. Continuation bigrams (distinct predecessors, the start counting as one):
    /// aa 1 (start), ab 1 (a). Unigrams: a 2 (start, a), b 1 (a).
    /// P₁: T = 3, U = 2: P₁(a) = (1 + 2·½)/3 = 2/3, P₁(b) = (0 + 1)/3 = 1/3.
    /// Bigram context a: T = 2, U = 2: P₂(b|a) = (0 + 2·⅓)/2 = 1/3, P₂(a|a) = (0 + 2·⅔)/2 = 2/3.
    /// Trigram context aa: T = 1, U = 1: P₃(b|aa) = (0 + 1·⅓)/1 = 1/3.
    func testHandWorkedTrigramModel() throws {
        let m = try KneserNeyModel(tokens: [0, 0, 1], vocabularySize: 2, order: 3, discounts: [1, 1, 1])
        XCTAssertEqual(m.probability(of: 0, after: []), 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(m.probability(of: 1, after: [0]), 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(m.probability(of: 1, after: [0, 0]), 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(m.probability(of: 0, after: [0, 0]), 2.0 / 3, accuracy: 1e-12)
    }

    func testDistributionsSumToOneWithEstimatedDiscounts() throws {
        var rng = RandomGenerator(seed: 7)
        // A text with structure (repeated words) and noise.
        let words = [[1, 2, 3], [4, 2], [5, 6, 7, 2], [3, 3, 8]]
        var text: [Int] = []
        for _ in 0..<400 { text += words[rng.nextInt(below: words.count)] + [0] }
        let m = try KneserNeyModel(tokens: text, vocabularySize: 10, order: 4)
        XCTAssertTrue(m.discounts.allSatisfy { $0 > 0 && $0 <= 1 }, "\(m.discounts)")
        for start in stride(from: 0, to: 200, by: 13) {
            for len in 0...5 {
                let history = Array(text[start..<(start + len)])
                let p = m.distribution(after: history)
                XCTAssertEqual(p.reduce(0, +), 1, accuracy: 1e-9)
                for c in 0..<10 { XCTAssertEqual(p[c], m.probability(of: c, after: history[...]), accuracy: 1e-12) }
            }
        }
        // Unseen histories too (symbol 9 never occurs).
        XCTAssertEqual(m.distribution(after: [9, 9, 9]).reduce(0, +), 1, accuracy: 1e-9)
        // The structure is learned: better than uniform.
        XCTAssertLessThan(m.bitsPerSymbol(Array(text.prefix(500))), log2(10.0) - 1)
        let sample = m.sample(prompt: [1], count: 50, using: &rng)
        XCTAssertEqual(sample.count, 50)
        XCTAssertTrue(sample.allSatisfy { (0..<10).contains($0) })
    }

    func testBadSettingsThrow() {
        XCTAssertThrowsError(try KneserNeyModel(tokens: [0], vocabularySize: 2, order: 8))
        XCTAssertThrowsError(try KneserNeyModel(tokens: [], vocabularySize: 2, order: 2))
        XCTAssertThrowsError(try KneserNeyModel(tokens: [3], vocabularySize: 2, order: 2))
        XCTAssertThrowsError(try KneserNeyModel(tokens: [0], vocabularySize: 300, order: 2))
        XCTAssertThrowsError(try KneserNeyModel(tokens: [0], vocabularySize: 2, order: 2, discounts: [0.5, 1.5]))
    }

    func testBitsPerCharacter() throws {
        XCTAssertEqual(BitsPerCharacter.of(probabilities: [0.5, 0.25]), 1.5, accuracy: 1e-12)
        XCTAssertEqual(BitsPerCharacter.of(meanCrossEntropyNats: log(4)), 2, accuracy: 1e-12)
        // Logits ln 1, ln 3 → probabilities ¼, ¾; targets 0 and 1: 2 + log₂(4/3) bits.
        let logits = Tensor(shape: [2, 2], scalars: [0, Float(log(3.0)), 0, Float(log(3.0))])
        let t = try BitsPerCharacter.total(logits: logits, targets: [0, 1])
        XCTAssertEqual(t.count, 2)
        XCTAssertEqual(t.bits, 2 + log2(4.0 / 3), accuracy: 1e-6)
        XCTAssertThrowsError(try BitsPerCharacter.total(logits: logits, targets: [0]))
        XCTAssertThrowsError(try BitsPerCharacter.total(logits: logits, targets: [0, 2]))
    }
}
