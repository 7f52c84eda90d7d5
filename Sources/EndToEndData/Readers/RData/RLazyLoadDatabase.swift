import Foundation

/// An R package's lazy-load database (`<pkg>/data/Rdata.rdb` + `.rdx`).
///
/// The `.rdx` index is a gzip'd serialization of a list: `variables` (name → c(offset,
/// length) into the `.rdb`), `references` (environments stored apart) and `compressed`.
/// Each `.rdb` entry is a 4-byte big-endian uncompressed length and then, for compression
/// type 1, a zlib stream; for types 2 and 3, a type byte (`'0'` stored, `'1'` zlib,
/// `'2'` bzip2, `'Z'` raw LZMA2) and the data. The entries are decoded on demand.
///
/// ```swift
/// if let base = RLazyLoadDatabase.package("janeaustenr") {
///     let db = try RLazyLoadDatabase(contentsOf: base)
///     let lines = try db.characterVector("prideprejudice")   // 13,030 lines
/// }
/// ```
public struct RLazyLoadDatabase: Sendable {
    /// The `.rdb` file's path.
    public let dataFile: URL
    private let rdb: [UInt8]
    private let variables: [String: (offset: Int, length: Int)]
    private let references: [String: (offset: Int, length: Int)]
    private let compression: Int
    /// The most bytes one entry may decompress to (its declared length is checked against it).
    public static let maxEntrySize = 1 << 30

    /// base = ".../data/Rdata" (with or without .rdb/.rdx)
    public init(contentsOf base: URL) throws {
        var stem = base
        if ["rdb", "rdx"].contains(stem.pathExtension) { stem.deletePathExtension() }
        let rdx = stem.appendingPathExtension("rdx")
        dataFile = stem.appendingPathExtension("rdb")
        let index = try RSerialization.readRDS(rdx)
        let file = rdx.path
        guard case .list(let parts) = index.payload, let names = index.names else {
            throw DataError(file: file, message: "a lazy-load index must be a named list, found \(index.typeName)")
        }
        func part(_ n: String) -> RObject? { names.firstIndex(of: n).map { parts[$0] } }
        guard let vars = part("variables") else {
            throw DataError(file: file, message: "lazy-load index has no \"variables\" (it has \(names.joined(separator: ", ")))")
        }
        variables = try RLazyLoadDatabase.keys(vars, what: "variables", file: file)
        references = try part("references").map { try RLazyLoadDatabase.keys($0, what: "references", file: file) } ?? [:]
        switch part("compressed")?.payload {
        case .logical(let v)? where v.count == 1 && v[0] != Int32.min: compression = Int(v[0])
        case .integer(let v)? where v.count == 1 && v[0] != Int32.min: compression = Int(v[0])
        case .double(let v)? where v.count == 1 && v[0].isFinite: compression = Int(v[0])
        case nil: compression = 1
        default: throw DataError(file: file, message: "lazy-load index: \"compressed\" must be a single logical or number")
        }
        guard (0...3).contains(compression) else {
            throw DataError(file: file, message: "lazy-load index: unknown compression type \(compression)")
        }
        rdb = try DataFile.readBytes(dataFile)
    }

    private static func keys(_ o: RObject, what: String, file: String) throws -> [String: (offset: Int, length: Int)] {
        if case .null = o.payload { return [:] }
        guard case .list(let values) = o.payload, let names = o.names, names.count == values.count else {
            throw DataError(file: file, message: "lazy-load index: \"\(what)\" must be a named list")
        }
        var out = [String: (offset: Int, length: Int)]()
        for (n, v) in zip(names, values) {
            let pair: [Double]
            switch v.payload {
            case .integer(let x): pair = x.map { $0 == Int32.min ? -1 : Double($0) }
            case .double(let x): pair = x
            default: pair = []
            }
            guard pair.count == 2, pair[0] >= 0, pair[1] >= 0, pair[0] < 1e15, pair[1] < 1e15 else {
                throw DataError(file: file, message: "lazy-load index: \"\(what)\" entry \"\(n)\" must be c(offset, length)")
            }
            out[n] = (Int(pair[0]), Int(pair[1]))
        }
        return out
    }

    /// The names of the objects the database holds, sorted.
    public var objectNames: [String] { variables.keys.sorted() }

    /// The object called `name`.
    public func object(_ name: String) throws -> RObject {
        guard let key = variables[name] else {
            throw DataError(file: dataFile.path, message: "no object \"\(name)\"; the database holds \(objectNames.joined(separator: ", "))")
        }
        var inProgress = Set<String>()
        return try fetch(key, what: name, inProgress: &inProgress)
    }

    /// The data.frame (or tibble) called `name`.
    public func dataFrame(_ name: String) throws -> RDataFrame {
        try RDataFrame(object(name), name: "\(dataFile.path): \(name)")
    }

    /// The character vector called `name` (a factor gives its values' levels).
    public func characterVector(_ name: String) throws -> [String?] {
        let o = try object(name)
        if case .string(let s) = o.payload { return s }
        if o.classNames.contains("factor") { return try RColumn(o, name: name, frame: dataFile.path).strings() }
        throw DataError(file: dataFile.path, location: "object \"\(name)\"", message: "expected a character vector, found \(o.typeName)")
    }

    /// The data folder of an installed R package: searches $R_LIBS, $R_LIBS_SITE,
    /// /usr/local/lib/R/site-library, /usr/lib/R/site-library, /usr/lib/R/library.
    public static func package(_ name: String) -> URL? {
        let env = ProcessInfo.processInfo.environment
        var dirs: [String] = []
        for key in ["R_LIBS", "R_LIBS_SITE"] {
            dirs += (env[key] ?? "").split(separator: ":").map(String.init).filter { !$0.isEmpty }
        }
        dirs += ["/usr/local/lib/R/site-library", "/usr/lib/R/site-library", "/usr/lib/R/library"]
        for d in dirs {
            let base = URL(fileURLWithPath: d).appendingPathComponent(name).appendingPathComponent("data").appendingPathComponent("Rdata")
            if FileManager.default.fileExists(atPath: base.path + ".rdb"), FileManager.default.fileExists(atPath: base.path + ".rdx") {
                return base
            }
        }
        return nil
    }

    /// The decompressed bytes of one `.rdb` entry.
    func entryBytes(_ key: (offset: Int, length: Int), what: String) throws -> [UInt8] {
        let file = "\(dataFile.path) (\(what) at byte \(key.offset))"
        guard key.offset <= rdb.count, key.length <= rdb.count - key.offset else {
            throw DataError(file: dataFile.path, location: "byte \(key.offset)",
                            message: "entry \"\(what)\" (\(key.length) bytes) runs past the end of the \(rdb.count)-byte file")
        }
        let entry = Array(rdb[key.offset..<(key.offset + key.length)])
        if compression == 0 { return entry }
        guard entry.count >= 4 else { throw DataError(file: file, location: "byte 0", message: "entry shorter than its 4-byte length") }
        let size = Int(UInt32(entry[0]) << 24 | UInt32(entry[1]) << 16 | UInt32(entry[2]) << 8 | UInt32(entry[3]))
        guard size <= RLazyLoadDatabase.maxEntrySize else {
            throw DataError(file: file, location: "byte 0", message: "entry declares \(size) bytes, more than \(RLazyLoadDatabase.maxEntrySize)")
        }
        var method = UInt8(ascii: "1"), start = 4
        if compression >= 2 {
            guard entry.count >= 5 else { throw DataError(file: file, location: "byte 4", message: "entry has no compression type byte") }
            method = entry[4]; start = 5
        }
        let body = Array(entry[start...])
        let out: [UInt8]
        switch method {
        case UInt8(ascii: "0"): out = body
        case UInt8(ascii: "1"): out = try Zlib.decompress(body, file: file, limit: size)
        case UInt8(ascii: "Z"): out = try LZMA2Decoder.decompress(body, expectedSize: size, limit: size, file: file)
        case UInt8(ascii: "2"):
            throw DataError(file: file, location: "byte 4", message: "bzip2-compressed entries are unsupported (zlib, xz and stored are read)")
        default:
            throw DataError(file: file, location: "byte 4", message: "unknown compression type byte \(method)")
        }
        guard out.count == size else {
            throw DataError(file: file, message: "entry decompresses to \(out.count) bytes, its header declares \(size)")
        }
        return out
    }

    /// Fetches and decodes one entry, resolving environments stored as references.
    private func fetch(_ key: (offset: Int, length: Int), what: String, inProgress: inout Set<String>) throws -> RObject {
        let bytes = try entryBytes(key, what: what)
        let source = "\(dataFile.path) (\(what))"
        var progress = inProgress
        let value = try RSerialization.decode(bytes, source: source) { names, at in
            guard let n = names.first ?? nil, let ref = references[n] else {
                throw DataError(file: source, location: "byte \(at)", message: "reference to an environment the index does not list")
            }
            // An environment that (indirectly) contains itself: the inner copy stays empty.
            guard !progress.contains(n), progress.count < 64 else { return RObject(.other(type: 4)) }
            progress.insert(n)
            defer { progress.remove(n) }
            let data = try fetch(ref, what: "environment \(n)", inProgress: &progress)
            // The stored form is list(bindings =, enclos =, attributes =, isS4 =, locked =).
            var env = RObject(.other(type: 4))
            if case .list(let parts) = data.payload, let names = data.names,
               let i = names.firstIndex(of: "bindings"), case .list(let values) = parts[i].payload {
                env.bindings = zip(parts[i].names ?? [], values).map { (name: $0.0, value: $0.1) }
            }
            return env
        }
        inProgress = progress
        return value
    }
}
