import Foundation

/// Tests/EndToEndTrainingTests/Fixtures/maintenance.json (scripts/make_maintenance_fixtures.py).
enum MaintenanceFixture {
    static func load() throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/maintenance.json")
        guard let o = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] else {
            throw CocoaError(.fileReadCorruptFile)
        }
        return o
    }
    static func section(_ name: String) throws -> [String: Any] {
        guard let s = try load()[name] as? [String: Any] else { throw CocoaError(.fileReadCorruptFile) }
        return s
    }
    static func doubles(_ v: Any?) -> [Double] { v as? [Double] ?? (v as? [NSNumber] ?? []).map(\.doubleValue) }
    static func rows(_ v: Any?) -> [[Double]] { (v as? [Any] ?? []).map(doubles) }
    static func ints(_ v: Any?) -> [Int] { v as? [Int] ?? [] }
}
