import EndToEnd
import EndToEndData
import EndToEndTraining
import Foundation
import XCTest
@testable import EndToEndApplications

/// One smoke run of the text application (both parts), and its data pieces.
final class TextApplicationTests: XCTestCase {
    func testSmokeRunReportsBothPartsFiveFractionsTheShiftAndSamples() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("text-app-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let context = ApplicationContext(size: .smoke, seed: 3, outputDirectory: root.appendingPathComponent("report"),
                                         artifactsDirectory: root.appendingPathComponent("artifacts"),
                                         cacheDirectory: root.appendingPathComponent("cache"),
                                         parts: FinishedParts(directory: root.appendingPathComponent("parts")))
        XCTAssertTrue(ApplicationRegistry.names.contains("text"))
        let r = try TextApplication().run(context)
        XCTAssertEqual(r.results.map(\.approach), ["end-to-end", "pipeline", "end-to-end (generation)", "pipeline (generation)"])
        for x in r.results.prefix(2) { XCTAssertTrue((0...1).contains(x.value), "\(x.approach) accuracy \(x.value)") }
        for x in r.results.suffix(2) {
            XCTAssertEqual(x.metric, "bits_per_character")
            XCTAssertTrue(x.value > 0 && x.value < 8, "\(x.approach) bits/char \(x.value)")
        }
        // The n-gram model is well below the uniform log2(V) (≥ 5.4 bits for the ≥ 43 symbols of either corpus) even on a smoke run.
        XCTAssertLessThan(r.results[3].value, 4.5)
        for a in ["end-to-end", "pipeline"] {
            XCTAssertGreaterThanOrEqual(Set(r.dataEfficiency.filter { $0.approach == a }.map(\.fraction)).count, 5, a)
        }
        XCTAssertEqual(r.shift.map(\.approach), ["end-to-end", "pipeline"])
        XCTAssertTrue(r.shift.allSatisfy { $0.inDistribution != nil && (0...1).contains($0.value) })
        XCTAssertEqual(r.maintenance.count, 4)
        XCTAssertTrue(r.maintenance.allSatisfy { $0.linesOfCode > 0 && $0.parameters > 0 })
        for m in ["end-to-end", "end-to-end-generation"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: context.artifactsDirectory.appendingPathComponent("models/\(m)/model.safetensors").path), m)
        }
        let json = r.summary(app: "text", report: nil).encoded
        XCTAssertTrue(json.contains("\"samples\""))
        XCTAssertTrue(json.contains("\"ngram_bits_per_character_by_order\""))
        XCTAssertTrue(r.notes.contains { $0.contains("## Attributions") && $0.contains("| review (start) |") })
        // Resumed: both networks' fits (wall time included) and the data-efficiency points are read
        // back; the pipeline and the n-gram model, not parts, are fitted again to the same numbers.
        let again = try TextApplication().run(context)
        XCTAssertEqual(again.results.map(\.value), r.results.map(\.value))
        XCTAssertEqual(again.results[0].trainSeconds, r.results[0].trainSeconds)
        XCTAssertEqual(again.results[2].trainSeconds, r.results[2].trainSeconds)
        XCTAssertEqual(again.dataEfficiency, r.dataEfficiency)
        XCTAssertEqual(again.shift, r.shift)
    }

    func testReviewSplitHoldsOutTheNewestProducts() throws {
        let d = try FineFoodReviews.generated(seed: 1, scale: 0.1)
        XCTAssertEqual(d.train.count + d.test.count + d.shifted.count, 500)
        XCTAssertEqual(d.shifted.count, 100)
        let newestSeen = (d.train.groups + d.test.groups).max() ?? ""
        XCTAssertTrue(d.shifted.groups.allSatisfy { $0 >= newestSeen }, "shifted products must sort after every other")
        XCTAssertTrue(Set(d.train.groups).isDisjoint(with: d.shifted.groups))
    }

    /// The transformer learns a text whose next character follows from the previous one
    /// ("abcabc..." with a rare "d" after "c"): far below the 2 bits of the symbol frequencies.
    func testTransformerLearnsAPeriodicText() throws {
        var rng = RandomGenerator(seed: 4)
        var text: [Int] = []
        for _ in 0..<600 { text += [0, 1, 2] + (rng.nextUniform() < 0.2 ? [3] : []) }
        let settings = CharacterTransformer.Settings(context: 16, dModel: 16, heads: 2, layers: 1, batchSize: 8, steps: 80, learningRate: 1e-2)
        let lm = CharacterTransformer(vocabularySize: 4, settings: settings, seed: 1)
        _ = try lm.fit(text, seed: 2)
        let scored = try lm.bits([Array(text.prefix(200))])
        XCTAssertLessThan(scored.bits / Double(scored.count), 0.8)
        let sample = lm.sample(prompt: [0], count: 20, temperature: 0.5, using: &rng)
        XCTAssertTrue(sample.allSatisfy { (0..<4).contains($0) })
    }

    func testChaptersAreCutAtHeadingsAndParagraphsJoined() {
        let lines = ["EMMA", "", "VOLUME I", "", "CHAPTER I", "", "Emma Woodhouse, handsome,", "clever, and rich.", "", "She was", "the youngest.",
                     "", "CHAPTER II", "", "Mr. Weston."]
        let c = AustenNovels.chapters(novel: "emma", lines: lines)
        XCTAssertEqual(c.map(\.number), [1, 2])
        XCTAssertEqual(c[0].text, "Emma Woodhouse, handsome, clever, and rich.\nShe was the youngest.")
        XCTAssertEqual(c[1].text, "Mr. Weston.")
        XCTAssertTrue(AustenNovels.isHeldOut(5) && AustenNovels.isHeldOut(15) && !AustenNovels.isHeldOut(10))
    }
}
