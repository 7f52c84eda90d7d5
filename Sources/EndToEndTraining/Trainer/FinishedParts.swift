import EndToEnd
import EndToEndNN
import Foundation

/// The finished parts of a long run — an application's network fits and data-efficiency
/// points, an experiment's grid cells — kept beside the report until the run finishes, so that
/// `--resume REPORT` after a kill or Ctrl-C skips them and computes only the rest.
///
/// A part is one JSON file, `<key>.json`, holding the key and the part's value, and, when the
/// part trains modules, a safetensors file of their weights beside it. The weights are written
/// first and the JSON last, each atomically, so a part whose JSON exists is complete.
///
/// Parts must not depend on each other through hidden state (derive each part's seeds from the
/// run's root seed), so that a part read back leaves the later parts' numbers as they would
/// have been.
public final class FinishedParts: Sendable {
    /// The folder the parts are kept in.
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    /// The part file for `key`: the key's letters, digits, `.` and `-` (others become `_`),
    /// and a hash of the whole key, so that distinct keys never share a file.
    public func url(for key: String, extension ext: String = "json") -> URL {
        var name = String(key.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") ? $0 : "_" }.prefix(80))
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325   // FNV-1a
        for b in key.utf8 { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
        name += "-" + String(hash >> 32, radix: 16)
        return directory.appendingPathComponent(name).appendingPathExtension(ext)
    }

    /// Keys of the finished parts, in no particular order.
    public func finishedKeys() -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? []
        return files.filter { $0.pathExtension == "json" }.compactMap { try? Self.decodeKey(Data(contentsOf: $0)) }
    }

    /// The stored value of `key`, or nil when the part has not finished. A part file that
    /// cannot be read as the expected value is an error naming the file.
    public func load<T: Codable>(_ type: T.Type, key: String) throws -> T? {
        let file = url(for: key)
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        let entry: Entry<T>
        do {
            entry = try Self.decoder.decode(Entry<T>.self, from: Data(contentsOf: file))
        } catch {
            throw FinishedPartError("cannot read the finished part '\(key)' from \(file.path): \(Self.describe(error)); delete the file to compute the part again")
        }
        guard entry.key == key else {
            throw FinishedPartError("\(file.path) holds part '\(entry.key)', not '\(key)'; delete the file to compute the part again")
        }
        return entry.value
    }

    /// Stores `value` as the finished part `key` (atomically).
    public func store<T: Codable>(_ value: T, key: String) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try AtomicFile.write(try Self.encoder.encode(Entry(key: key, value: value)), to: url(for: key))
    }

    /// Saves the weights (and buffers) of `modules` for `key`.
    public func storeWeights(of modules: [Module], key: String) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let tensors = modules.enumerated().flatMap { i, m in m.stateDict().map { ("\(i).\($0.0)", $0.1) } }
        try SafeTensors.write(tensors, metadata: ["part": key], to: url(for: key, extension: "safetensors"))
    }

    /// Loads the weights saved by ``storeWeights(of:key:)`` into `modules`; every module's
    /// every tensor must be there with its shape.
    public func loadWeights(into modules: [Module], key: String) throws {
        let file = url(for: key, extension: "safetensors")
        do {
            let (tensors, _) = try SafeTensors.read(contentsOf: file)
            for (i, m) in modules.enumerated() {
                let prefix = "\(i)."
                let own = Dictionary(uniqueKeysWithValues: tensors.compactMap { k, v in
                    k.hasPrefix(prefix) ? (String(k.dropFirst(prefix.count)), v) : nil
                })
                try m.loadStateDict(own, strict: true)
            }
        } catch {
            throw FinishedPartError("cannot restore the weights of the finished part '\(key)' from \(file.path): \(error); delete \(url(for: key).lastPathComponent) to train the part again")
        }
    }

    private struct Entry<T: Codable>: Codable {
        var key: String
        var value: T
    }
    private struct KeyOnly: Decodable { var key: String }

    private static func decodeKey(_ data: Data) throws -> String { try decoder.decode(KeyOnly.self, from: data).key }

    // Non-finite numbers survive the round trip; Double's shortest representation reads back bit-exactly.
    private static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }
    private static var decoder: JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }

    private static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let c), DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            return c.debugDescription + (c.codingPath.isEmpty ? "" : " at " + c.codingPath.map(\.stringValue).joined(separator: "."))
        case DecodingError.keyNotFound(let k, let c):
            return "no '\(k.stringValue)'" + (c.codingPath.isEmpty ? "" : " at " + c.codingPath.map(\.stringValue).joined(separator: "."))
        default: return "\(error)"
        }
    }
}

/// A finished part that cannot be read back: the message names the file and says to delete it.
public struct FinishedPartError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension FinishedParts {
    /// Runs `compute`, or, when the part `key` finished in an earlier run, reads its value
    /// back and restores the weights of `modules` instead; `log` hears of each part read back.
    public func run<T: Codable>(_ key: String, modules: [Module] = [], log: (String) -> Void = { _ in },
                                _ compute: () throws -> T) throws -> T {
        if let value = try load(T.self, key: key) {
            if !modules.isEmpty { try loadWeights(into: modules, key: key) }
            log("\(key): finished before the interruption; read back")
            return value
        }
        let value = try compute()
        if !modules.isEmpty { try storeWeights(of: modules, key: key) }
        try store(value, key: key)
        return value
    }
}
