import Foundation

/// Tests/EndToEndTrainingTests/Fixtures/classic.json (scripts/make_diagnosis_fixtures.py).
enum ClassicFixture {
    static func load() throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/classic.json")
        guard let o = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] else {
            throw CocoaError(.fileReadCorruptFile)
        }
        return o
    }
    static func floats(_ v: Any?) -> [Float] { (v as? [Double] ?? []).map { Float($0) } }
    static func doubles(_ v: Any?) -> [Double] { v as? [Double] ?? [] }
    static func ints(_ v: Any?) -> [Int] { v as? [Int] ?? [] }
}
