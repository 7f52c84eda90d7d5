import EndToEnd
import Foundation
@testable import EndToEndNN

/// A missing or unreadable fixture. Thrown from a test it fails that test with the file and
/// key named (instead of crashing the test process).
struct FixtureError: Error, CustomStringConvertible {
    let description: String
}

/// One safetensors fixture file of Tests/EndToEndNNTests/Fixtures, read once: its tensors
/// (every one as `Tensor`; integer ones also exactly as `IntTensor`) and its metadata, looked
/// up by hierarchical key such as `linear/weight` or `cases/mha_self/grads/out_proj.weight`.
struct Fixture: Sendable {
    let name: String
    let tensors: [String: Tensor]
    let integers: [String: IntTensor]
    let metadata: [String: String]
    /// Why the file could not be read, if it could not; every lookup then throws it.
    let loadError: String?

    init(name: String, url: URL) {
        self.name = name
        do {
            let file = try SafeTensors.read(contentsOf: url)
            let integers = try SafeTensors.readIntegers(contentsOf: url).tensors
            (tensors, self.integers, metadata, loadError) = (file.tensors, integers, file.metadata, nil)
        } catch {
            (tensors, integers, metadata, loadError) = ([:], [:], [:], "cannot read fixture \(name): \(error)")
        }
    }

    private func checkLoaded() throws {
        if let loadError { throw FixtureError(description: loadError) }
    }

    private func missing(_ what: String, _ key: String) -> FixtureError {
        FixtureError(description: "fixture \(name) has no \(what) '\(key)' (regenerate it with its script in scripts/)")
    }

    /// The tensor stored under `key`; throws, naming the key, when there is none.
    func tensor(_ key: String) throws -> Tensor {
        try checkLoaded()
        guard let t = tensors[key] else { throw missing("tensor", key) }
        return t
    }

    /// The tensor stored under `key`, or nil when the fixture has none (optional entries).
    func optionalTensor(_ key: String) throws -> Tensor? {
        try checkLoaded()
        return tensors[key]
    }

    /// The integer (I64) tensor stored under `key`, exactly.
    func intTensor(_ key: String) throws -> IntTensor {
        try checkLoaded()
        guard let t = integers[key] else { throw missing("integer tensor", key) }
        return t
    }

    /// The tensors directly under `prefix/`, by the rest of their key (a name-to-tensor map
    /// such as a case's parameters or gradients). Empty when there are none.
    func group(_ prefix: String) throws -> [String: Tensor] {
        try checkLoaded()
        let start = prefix + "/"
        var out: [String: Tensor] = [:]
        for (k, v) in tensors where k.hasPrefix(start) {
            let rest = String(k.dropFirst(start.count))
            if !rest.contains("/") { out[rest] = v }
        }
        return out
    }

    /// The metadata string stored under `key`; throws, naming the key, when there is none.
    func meta(_ key: String) throws -> String {
        try checkLoaded()
        guard let s = metadata[key] else { throw missing("metadata entry", key) }
        return s
    }

    /// The metadata string under `key` decoded as JSON.
    func metaJSON<T: Decodable>(_ type: T.Type, _ key: String) throws -> T {
        let s = try meta(key)
        do { return try JSONDecoder().decode(T.self, from: Data(s.utf8)) } catch {
            throw FixtureError(description: "fixture \(name): metadata '\(key)' is not JSON for \(T.self): \(error)")
        }
    }
}

/// Loads the test target's safetensors fixtures.
enum Fixtures {
    /// Tests/EndToEndNNTests/Fixtures.
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// Reads `Fixtures/<name>.safetensors`. Never throws: a file that cannot be read makes
    /// every lookup throw instead, so the tests that use it fail and the others run.
    static func load(_ name: String) -> Fixture {
        Fixture(name: "\(name).safetensors", url: directory.appendingPathComponent("\(name).safetensors"))
    }

    // Each file is read once.
    static let nn = load("nn")
    static let attention = load("attention")
    static let recurrent = load("recurrent")
}
