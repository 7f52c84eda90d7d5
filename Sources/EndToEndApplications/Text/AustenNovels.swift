import EndToEnd
import EndToEndData
import Foundation

/// The text-generation data: Jane Austen's six novels (Debian's `r-cran-janeaustenr`, the
/// Project Gutenberg texts, public domain), or generated prose of the same form as the fallback.
///
/// Each novel is cut at its chapter headings (`CHAPTER 1`, `Chapter I`, ...); within a
/// chapter the wrapped lines of a paragraph are joined with spaces and paragraphs are separated
/// by one newline. Every tenth chapter of each novel (the 5th, 15th, ...) is held out; the
/// rest is the training text.
struct AustenNovels {
    struct Chapter: Sendable {
        var novel: String
        var number: Int
        var text: String
    }

    static let novels = ["sensesensibility", "prideprejudice", "mansfieldpark", "emma", "northangerabbey", "persuasion"]
    static let titles = ["Sense and Sensibility", "Pride and Prejudice", "Mansfield Park", "Emma", "Northanger Abbey", "Persuasion"]

    var chapters: [Chapter]
    var source: String

    /// Is chapter `number` (1-based within its novel) held out?
    static func isHeldOut(_ number: Int) -> Bool { number % 10 == 5 }

    var trainChapters: [Chapter] { chapters.filter { !Self.isHeldOut($0.number) } }
    var heldOutChapters: [Chapter] { chapters.filter { Self.isHeldOut($0.number) } }

    /// Chapters from a novel's lines: a heading line starts a chapter; text before the first
    /// heading (title page) and `VOLUME` lines are dropped.
    static func chapters(novel: String, lines: [String]) -> [Chapter] {
        var out: [Chapter] = []
        var paragraphs: [String] = [], current: [String] = []
        var number = 0
        func flushParagraph() {
            if !current.isEmpty { paragraphs.append(current.joined(separator: " ")) }
            current = []
        }
        func flushChapter() {
            flushParagraph()
            if number > 0, !paragraphs.isEmpty { out.append(Chapter(novel: novel, number: number, text: paragraphs.joined(separator: "\n"))) }
            paragraphs = []
        }
        for raw in lines {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("CHAPTER ") || line.hasPrefix("Chapter ") {
                flushChapter()
                number += 1
                continue
            }
            if line.uppercased().hasPrefix("VOLUME ") || line == "THE END" { flushParagraph(); continue }
            if line.isEmpty { flushParagraph() } else { current.append(line) }
        }
        flushChapter()
        return out
    }

    /// Generated prose of the same form (six "novels" of chapters of paragraphs of sentences
    /// from a small grammar with names, dialogue and punctuation), for when the package is missing.
    static func generated(chaptersPerNovel: Int, paragraphsPerChapter: Int, seed: UInt64) -> AustenNovels {
        var rng = RandomGenerator(seed: seed)
        func pick(_ a: [String]) -> String { a[rng.nextInt(below: a.count)] }
        let names = ["Mr. Darcy", "Elizabeth", "Mrs. Bennet", "Emma", "Mr. Knightley", "Anne", "Captain Wentworth", "Fanny", "Edmund", "Catherine", "Marianne", "Elinor"]
        let verbs = ["had never seen", "could not forget", "was resolved to visit", "spoke warmly of", "looked at", "thought very little of", "wished to know"]
        let objects = ["the house", "her sister", "his friend", "the letter", "the ball at Netherfield", "a very agreeable young man", "the whole party"]
        let tails = ["with great civility", "in spite of herself", "that evening", "before the end of the week", "without knowing why", ""]
        let speech = ["I am sure you are very kind", "Do you not think so", "It is a truth universally acknowledged", "You must allow me to tell you", "Nonsense, my dear"]
        var chapters: [Chapter] = []
        for novel in novels {
            for c in 1...chaptersPerNovel {
                var paragraphs: [String] = []
                for _ in 0..<paragraphsPerChapter {
                    var sentences: [String] = []
                    for _ in 0..<(1 + rng.nextInt(below: 4)) {
                        if rng.nextUniform() < 0.3 {
                            sentences.append("\"\(pick(speech))\(rng.nextUniform() < 0.5 ? "?" : ",")\" said \(pick(names)).")
                        } else {
                            let tail = pick(tails)
                            sentences.append("\(pick(names)) \(pick(verbs)) \(pick(objects))\(tail.isEmpty ? "" : " " + tail)\(rng.nextUniform() < 0.2 ? ";" : ".")")
                        }
                    }
                    paragraphs.append(sentences.joined(separator: " "))
                }
                chapters.append(Chapter(novel: novel, number: c, text: paragraphs.joined(separator: "\n")))
            }
        }
        return AustenNovels(chapters: chapters, source: "generated")
    }

    /// The character vocabulary: every character seen at least `minimumCount` times in the
    /// training chapters (sorted), and one unknown id for the rest.
    func vocabulary(minimumCount: Int = 20) -> TextVocabulary {
        var counts: [Unicode.Scalar: Int] = [:]
        for ch in trainChapters { for s in ch.text.unicodeScalars { counts[s, default: 0] += 1 } }
        let symbols = counts.filter { $0.value >= minimumCount }.map(\.key).sorted { $0.value < $1.value }
        return TextVocabulary(symbols: symbols, unknownIndex: symbols.count)
    }

    /// The ids of `text` under `vocabulary`.
    static func ids(_ text: String, _ vocabulary: TextVocabulary) -> [Int] {
        text.unicodeScalars.map { vocabulary.index(of: $0) ?? (vocabulary.size - 1) }
    }
}
