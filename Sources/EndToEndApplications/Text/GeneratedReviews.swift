import EndToEnd
import EndToEndData

/// The fallback when `r-cran-modeldata` is missing: generated product reviews of the same
/// form as `small_fine_foods` — a product id (ASIN-like, `B00…`), free text, and the score
/// `great` (about 65 %) or `other`.
///
/// A review mixes an opening, sentences about the product with positive or negative phrases
/// (some negated, some of the other polarity, some neutral), line breaks written as `<br />`,
/// and random capitals; 8 % of labels are flipped, so neither system can be perfect. Products
/// with later ids come from categories that earlier ones never had (the shift's new words).
enum GeneratedReviews {
    static let oldCategories = ["coffee", "tea", "dog food", "cat treats", "cereal", "pasta sauce", "olive oil", "honey", "cookies", "chips"]
    static let newCategories = ["kombucha", "protein bars", "coconut water", "quinoa puffs", "matcha powder"]
    static let good = ["delicious", "the best I have had", "great value", "fresh and tasty", "my kids love it", "highly recommend",
                       "perfect flavor", "will buy again", "excellent", "wonderful aroma", "arrived quickly and well packed", "five stars"]
    static let bad = ["stale", "tasted awful", "a waste of money", "too sweet", "bitter aftertaste", "arrived crushed", "would not buy again",
                      "disappointing", "expired", "bland", "smelled strange", "overpriced"]
    static let neutral = ["I ordered it from Amazon", "the package is a standard size", "we tried it last week", "it comes in a box",
                          "my husband drinks it every morning", "I compared it with the store brand"]
    static let openings = ["I bought this", "We got this", "Tried this", "Ordered a case of this", "My friend recommended this"]

    /// `count` reviews; `newProducts` draws from the later categories with later ids.
    static func reviews(count: Int, newProducts: Bool, seed: UInt64) throws -> LabeledTexts {
        var rng = RandomGenerator(seed: seed)
        var texts: [String] = [], labels: [Int] = [], groups: [String] = []
        let categories = newProducts ? newCategories : oldCategories
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        func pick(_ a: [String]) -> String { a[rng.nextInt(below: a.count)] }
        for _ in 0..<count {
            let great = rng.nextUniform() < 0.65
            let category = pick(categories)
            var sentences = ["\(pick(openings)) \(category)."]
            for _ in 0..<(1 + rng.nextInt(below: 4)) {
                let u = rng.nextUniform()
                if u < 0.55 {
                    sentences.append("It was \(pick(great ? good : bad)).")
                } else if u < 0.7 {
                    sentences.append("It was not \(pick(great ? bad : good)).")
                } else if u < 0.8 {
                    sentences.append("Some say it is \(pick(great ? bad : good)), but not for me.")
                } else {
                    let n = pick(neutral)
                    sentences.append(n.prefix(1).uppercased() + n.dropFirst() + ".")
                }
            }
            var text = sentences.joined(separator: rng.nextUniform() < 0.2 ? "<br /><br />" : "  ")
            if rng.nextUniform() < 0.1 { text = text.uppercased() }
            texts.append(text)
            labels.append((great ? 0 : 1) ^ (rng.nextUniform() < 0.08 ? 1 : 0))
            var id = newProducts ? "B009" : "B00\(rng.nextInt(below: 8))"
            for _ in 0..<6 { id.append(alphabet[rng.nextInt(below: alphabet.count)]) }
            groups.append(id)
        }
        return try LabeledTexts(texts: texts, labels: labels, groups: groups, classNames: FineFoodReviews.classNames)
    }
}
