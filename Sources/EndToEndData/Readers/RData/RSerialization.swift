import Foundation

/// R's serialization format (`serialize()`, `saveRDS()`, `save()`, lazy-load databases).
///
/// Reads the XDR binary form, versions 2 and 3, as R's `src/main/serialize.c` writes it:
/// a flags word per item (SEXPTYPE in the low 8 bits, then object, attribute and tag bits,
/// and "levels" from bit 12), a reference table for symbols and environments, and ALTREP
/// objects (compact integer and real sequences, wrappers, deferred strings) expanded to
/// ordinary vectors. Every length is checked against the bytes left before anything is
/// allocated, and nesting is bounded, so malformed input gives a `DataError`.
public enum RSerialization {
    /// The deepest nesting of R objects accepted (lists in lists, attributes of attributes).
    public static let maxDepth = 512

    /// XDR binary serialization, versions 2 and 3 ("X\n" header), ASCII may throw unsupported.
    public static func decode(_ bytes: Data, source: String) throws -> RObject {
        try decode([UInt8](bytes), source: source)
    }

    /// The same on bytes; `persistent` resolves PERSISTSXP references (lazy-load databases
    /// store environments apart); without it they decode as `.other(type: 247)`.
    static func decode(_ bytes: [UInt8], source: String, start: Int = 0,
                       persistent: ((_ names: [String?], _ at: Int) throws -> RObject)? = nil) throws -> RObject {
        var r = RUnserializer(bytes: bytes, file: source, pos: start)
        r.persistent = persistent
        try r.readHeader()
        let value = try r.item(depth: 0)
        return value
    }

    /// .rds file: gzip (or xz if you do the container, or uncompressed) + serialization.
    ///
    /// gzip and uncompressed files are read; an xz or bzip2 container is reported as unsupported.
    public static func readRDS(_ url: URL) throws -> RObject {
        let bytes = try unwrap(url)
        return try decode(bytes, source: url.path)
    }

    /// .rda/.RData file: "RDX2\n"/"RDX3\n" + serialized pairlist → named objects.
    public static func readRData(_ url: URL) throws -> [(name: String, value: RObject)] {
        let bytes = try unwrap(url)
        let magic = bytes.prefix(5)
        guard magic.elementsEqual(Array("RDX2\n".utf8)) || magic.elementsEqual(Array("RDX3\n".utf8)) else {
            if magic.starts(with: Array("RDA".utf8)) || magic.starts(with: Array("RDB".utf8)) {
                throw DataError(file: url.path, location: "byte 0", message: "ASCII or native-binary .RData format (\(String(decoding: magic.prefix(4), as: UTF8.self))) is unsupported; save with the default XDR format")
            }
            throw DataError(file: url.path, location: "byte 0", message: "not an .RData file: expected \"RDX2\" or \"RDX3\" magic")
        }
        let list = try decode(bytes, source: url.path, start: 5)
        guard case .list(let values) = list.payload else {
            if case .null = list.payload { return [] }
            throw DataError(file: url.path, message: "an .RData file holds a pairlist of objects, found \(list.typeName)")
        }
        let names = list.names ?? []
        guard names.count == values.count else {
            throw DataError(file: url.path, message: "an .RData file's objects must all be named")
        }
        return Array(zip(names, values)).map { (name: $0.0, value: $0.1) }
    }

    /// The file's bytes with a gzip layer removed (at most `Gzip.defaultLimit`).
    static func unwrap(_ url: URL) throws -> [UInt8] {
        let raw = try DataFile.readBytes(url)
        if Gzip.isGzip(raw) { return try Gzip.decompress(raw, file: url.path) }
        if raw.starts(with: [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) {
            throw DataError(file: url.path, location: "byte 0", message: "xz-compressed R file is unsupported; re-save with compress = \"gzip\"")
        }
        if raw.starts(with: Array("BZh".utf8)) {
            throw DataError(file: url.path, location: "byte 0", message: "bzip2-compressed R file is unsupported; re-save with compress = \"gzip\"")
        }
        return raw
    }
}

/// The state of one unserialization: the bytes, the position, the reference table.
struct RUnserializer {
    let bytes: [UInt8]
    let file: String
    var pos: Int
    var refs: [RObject] = []
    var persistent: ((_ names: [String?], _ at: Int) throws -> RObject)?

    init(bytes: [UInt8], file: String, pos: Int) {
        self.bytes = bytes
        self.file = file
        self.pos = pos
    }

    func error(_ at: Int, _ message: String) -> DataError {
        DataError(file: file, location: "byte \(at)", message: message)
    }

    var remaining: Int { bytes.count - pos }

    mutating func int(_ what: String) throws -> Int32 {
        guard remaining >= 4 else { throw error(pos, "truncated R serialization: missing \(what)") }
        let v = UInt32(bytes[pos]) << 24 | UInt32(bytes[pos + 1]) << 16 | UInt32(bytes[pos + 2]) << 8 | UInt32(bytes[pos + 3])
        pos += 4
        return Int32(bitPattern: v)
    }

    mutating func readHeader() throws {
        guard remaining >= 2 else { throw error(pos, "truncated R serialization: no format header") }
        let f0 = bytes[pos], f1 = bytes[pos + 1]
        switch (f0, f1) {
        case (UInt8(ascii: "X"), UInt8(ascii: "\n")): pos += 2
        case (UInt8(ascii: "A"), UInt8(ascii: "\n")):
            throw error(pos, "ASCII R serialization is unsupported; save with ascii = FALSE")
        case (UInt8(ascii: "B"), UInt8(ascii: "\n")):
            throw error(pos, "native-binary R serialization is unsupported; save with xdr = TRUE")
        default:
            throw error(pos, "not an R serialization: expected \"X\\n\" header, found bytes \(f0) \(f1)")
        }
        let at = pos
        let version = try int("format version")
        _ = try int("writer R version")
        _ = try int("minimal reader R version")
        switch version {
        case 2: break
        case 3:
            let n = try int("native encoding length")
            guard n >= 0, Int(n) <= remaining, n <= 64 else { throw error(pos - 4, "invalid native encoding length \(n)") }
            pos += Int(n)
        default:
            throw error(at, "unsupported R serialization version \(version) (2 and 3 are read)")
        }
    }

    /// A vector length: an int, or -1 then a 64-bit length in two ints. Checked against the
    /// bytes left at `bytesPerElement` each.
    mutating func length(_ what: String, bytesPerElement: Int) throws -> Int {
        let at = pos
        let n32 = try int("\(what) length")
        var n = Int(n32)
        if n32 == -1 {
            let hi = Int(try int("\(what) long length")), lo = Int(UInt32(bitPattern: try int("\(what) long length")))
            guard hi >= 0, hi < (1 << 20) else { throw error(at, "invalid \(what) length") }
            n = hi << 32 | lo
        } else if n32 < 0 {
            throw error(at, "negative \(what) length \(n32)")
        }
        let (need, o) = n.multipliedReportingOverflow(by: bytesPerElement)
        guard !o, need <= remaining else {
            throw error(at, "\(what) declares \(n) elements (\(o ? "overflow" : "\(need) bytes") ), only \(remaining) bytes remain")
        }
        return n
    }

    mutating func item(depth: Int) throws -> RObject {
        let at = pos
        let flags = try int("item flags")
        return try item(flags: flags, at: at, depth: depth)
    }

    static let pairlistTypes: Set<Int> = [2, 3, 5, 6, 17]    // LISTSXP, CLOSXP, PROMSXP, LANGSXP, DOTSXP

    // swiftlint:disable:next cyclomatic_complexity function_body_length
    mutating func item(flags: Int32, at: Int, depth: Int) throws -> RObject {
        guard depth < RSerialization.maxDepth else {
            throw error(at, "R objects nested deeper than \(RSerialization.maxDepth) levels")
        }
        let type = Int(flags & 0xFF)
        let hasAttr = flags & (1 << 9) != 0
        let d = depth + 1
        switch type {
        case 254, 242, 241, 253, 252, 251, 250:
            // NILVALUE, EMPTYENV, BASEENV, GLOBALENV, UNBOUNDVALUE, MISSINGARG, BASENAMESPACE
            return .null
        case 255:   // REFSXP
            var index = Int(flags >> 8)
            if index == 0 { index = Int(try int("reference index")) }
            guard index >= 1, index <= refs.count else {
                throw error(at, "reference \(index) to an object not yet read (\(refs.count) in the table)")
            }
            return refs[index - 1]
        case 247:   // PERSISTSXP
            let names = try stringVector(depth: d)
            let value = try persistent?(names, at) ?? RObject(.other(type: 247))
            refs.append(value)
            return value
        case 1:     // SYMSXP
            let name = try item(depth: d)
            guard case .string(let s) = name.payload, s.count == 1 else {
                throw error(at, "a symbol's name must be a string, found \(name.typeName)")
            }
            let sym = RObject(.symbol(s[0] ?? "NA"))
            refs.append(sym)
            return sym
        case 248, 249:  // PACKAGESXP, NAMESPACESXP
            _ = try stringVector(depth: d)
            let value = RObject(.other(type: 4))
            refs.append(value)
            return value
        case 4:     // ENVSXP
            _ = try int("environment locked flag")
            let index = refs.count
            refs.append(RObject(.other(type: 4)))     // self-references see an empty environment
            _ = try item(depth: d)                     // enclosure
            let frame = try item(depth: d)
            let hashtab = try item(depth: d)
            let attrib = try item(depth: d)
            var env = RObject(.other(type: 4), attributes: try attributeList(attrib, at: at))
            env.bindings = bindings(frame) + bindings(hashtab)
            refs[index] = env
            return env
        case 2, 3, 5, 6, 17, 239, 240:
            return try pairlist(flags: flags, at: at, depth: d)
        case 22:    // EXTPTRSXP
            let index = refs.count
            refs.append(RObject(.other(type: 22)))
            _ = try item(depth: d)
            _ = try item(depth: d)
            let obj = RObject(.other(type: 22), attributes: hasAttr ? try attributes(depth: d) : [])
            refs[index] = obj
            return obj
        case 23:    // WEAKREFSXP
            refs.append(RObject(.other(type: 23)))
            return RObject(.other(type: 23), attributes: hasAttr ? try attributes(depth: d) : [])
        case 7, 8:  // SPECIALSXP, BUILTINSXP
            let n = try length("builtin name", bytesPerElement: 1)
            pos += n
            return RObject(.other(type: type))
        case 9:     // CHARSXP on its own
            return RObject(.string([try charsxp(flags: flags, at: at)]))
        case 10, 13:
            let n = try length(type == 10 ? "logical vector" : "integer vector", bytesPerElement: 4)
            var v = [Int32](repeating: 0, count: n)
            for i in 0..<n { v[i] = readInt32Unchecked() }
            let attrs = hasAttr ? try attributes(depth: d) : []
            return RObject(type == 10 ? .logical(v) : .integer(v), attributes: attrs)
        case 14:
            let n = try length("double vector", bytesPerElement: 8)
            var v = [Double](repeating: 0, count: n)
            for i in 0..<n { v[i] = readDoubleUnchecked() }
            return RObject(.double(v), attributes: hasAttr ? try attributes(depth: d) : [])
        case 15:
            let n = try length("complex vector", bytesPerElement: 16)
            var v = [(Double, Double)](repeating: (0, 0), count: n)
            for i in 0..<n { let re = readDoubleUnchecked(); v[i] = (re, readDoubleUnchecked()) }
            return RObject(.complex(v), attributes: hasAttr ? try attributes(depth: d) : [])
        case 16:
            let n = try length("character vector", bytesPerElement: 8)   // each element: flags + length
            var v = [String?]()
            v.reserveCapacity(n)
            for _ in 0..<n {
                let eAt = pos
                let eFlags = try int("string element flags")
                guard eFlags & 0xFF == 9 else {
                    throw error(eAt, "character vector element is SEXP type \(eFlags & 0xFF), expected CHARSXP (9)")
                }
                v.append(try charsxp(flags: eFlags, at: eAt))
            }
            return RObject(.string(v), attributes: hasAttr ? try attributes(depth: d) : [])
        case 19, 20:
            let n = try length("list", bytesPerElement: 4)
            var v = [RObject]()
            v.reserveCapacity(n)
            for _ in 0..<n { v.append(try item(depth: d)) }
            return RObject(.list(v), attributes: hasAttr ? try attributes(depth: d) : [])
        case 24:    // RAWSXP
            let n = try length("raw vector", bytesPerElement: 1)
            pos += n
            return RObject(.other(type: 24), attributes: hasAttr ? try attributes(depth: d) : [])
        case 25:    // S4SXP
            return RObject(.other(type: 25), attributes: hasAttr ? try attributes(depth: d) : [])
        case 21:    // BCODESXP
            let n = try length("bytecode constant pool", bytesPerElement: 4)
            var reps = [RObject](repeating: .null, count: n)
            try bytecode(reps: &reps, depth: d)
            return RObject(.other(type: 21), attributes: hasAttr ? try attributes(depth: d) : [])
        case 238:   // ALTREP_SXP
            return try altrep(at: at, depth: d)
        default:
            throw error(at, "unknown R SEXP type \(type) (flags 0x\(String(UInt32(bitPattern: flags), radix: 16)))")
        }
    }

    mutating func readInt32Unchecked() -> Int32 {
        let v = UInt32(bytes[pos]) << 24 | UInt32(bytes[pos + 1]) << 16 | UInt32(bytes[pos + 2]) << 8 | UInt32(bytes[pos + 3])
        pos += 4
        return Int32(bitPattern: v)
    }

    mutating func readDoubleUnchecked() -> Double {
        var v: UInt64 = 0
        for k in 0..<8 { v = v << 8 | UInt64(bytes[pos + k]) }
        pos += 8
        return Double(bitPattern: v)
    }

    /// A CHARSXP's string after its flags: length (−1 = NA) and bytes in the encoding the
    /// levels bits name (Latin-1 is converted; UTF-8, ASCII and native are read as UTF-8).
    mutating func charsxp(flags: Int32, at: Int) throws -> String? {
        let n = try int("string length")
        if n == -1 { return nil }
        guard n >= 0, Int(n) <= remaining else {
            throw error(at, "string declares \(n) bytes, only \(remaining) remain")
        }
        let slice = bytes[pos..<(pos + Int(n))]
        pos += Int(n)
        let levels = Int(flags >> 12)
        if levels & (1 << 2) != 0 {      // LATIN1_MASK
            return String(slice.map { Character(Unicode.Scalar($0)) })
        }
        return String(decoding: slice, as: UTF8.self)
    }

    /// InStringVec: a zero, a length, then that many CHARSXP items.
    mutating func stringVector(depth: Int) throws -> [String?] {
        let at = pos
        guard try int("string vector marker") == 0 else { throw error(at, "invalid persistent string vector") }
        let n = try length("persistent string vector", bytesPerElement: 8)
        var out = [String?]()
        for _ in 0..<n {
            let o = try item(depth: depth)
            guard case .string(let s) = o.payload, s.count == 1 else { throw error(at, "persistent name must be a string") }
            out.append(s[0])
        }
        return out
    }

    /// An attribute pairlist after a vector's data.
    mutating func attributes(depth: Int) throws -> [(name: String, value: RObject)] {
        let at = pos
        return try attributeList(try item(depth: depth), at: at)
    }

    func attributeList(_ o: RObject, at: Int) throws -> [(name: String, value: RObject)] {
        switch o.payload {
        case .null: return []
        case .list(let values):
            let names = o.names ?? Array(repeating: "", count: values.count)
            return zip(names, values).map { (name: $0.0, value: $0.1) }
        default:
            throw error(at, "attributes must be a pairlist, found \(o.typeName)")
        }
    }

    func bindings(_ o: RObject) -> [(name: String, value: RObject)] {
        switch o.payload {
        case .list(let values):
            // A hash table is a list of pairlists (buckets); a frame is one pairlist.
            if o.names == nil {
                return values.flatMap { bindings($0) }
            }
            return zip(o.names ?? [], values).map { (name: $0.0, value: $0.1) }
        default: return []
        }
    }

    /// A pairlist (LISTSXP and relatives), read iteratively along its CDR so that long
    /// pairlists do not nest. Decoded as a list whose tags are the "names" attribute;
    /// closures, promises and language objects come back as `.other`.
    mutating func pairlist(flags first: Int32, at: Int, depth: Int) throws -> RObject {
        var flags = first
        let kind = Int(first & 0xFF)
        var values: [RObject] = []
        var names: [String] = []
        var anyTag = false
        var attrs: [(name: String, value: RObject)] = []
        var isFirst = true
        while true {
            let type = Int(flags & 0xFF)
            let hasAttr = flags & (1 << 9) != 0 || type == 239 || type == 240
            let hasTag = flags & (1 << 10) != 0
            if hasAttr {
                let a = try attributes(depth: depth)
                if isFirst { attrs = a }
            }
            var name = ""
            if hasTag {
                let tag = try item(depth: depth)
                switch tag.payload {
                case .symbol(let s): name = s
                case .string(let s): name = s.first.flatMap { $0 } ?? ""
                default: break
                }
                anyTag = true
            }
            values.append(try item(depth: depth))
            names.append(name)
            isFirst = false
            let nextAt = pos
            let next = try int("pairlist tail flags")
            let nt = Int(next & 0xFF)
            if RUnserializer.pairlistTypes.contains(nt) {
                flags = next
                continue
            }
            // Any other tail (usually NILVALUE) ends the list.
            _ = try item(flags: next, at: nextAt, depth: depth)
            break
        }
        switch kind {
        case 2, 239:
            if anyTag { attrs.removeAll { $0.name == "names" }; attrs.insert((name: "names", value: RObject(.string(names))), at: 0) }
            return RObject(.list(values), attributes: attrs)
        default:
            return RObject(.other(type: kind == 240 ? 6 : kind), attributes: attrs)
        }
    }

    /// ReadBC1: bytecode, a code vector and its constant pool; only skipped.
    mutating func bytecode(reps: inout [RObject], depth: Int) throws {
        guard depth < RSerialization.maxDepth else { throw error(pos, "R objects nested deeper than \(RSerialization.maxDepth) levels") }
        _ = try item(depth: depth)     // code
        let n = try length("bytecode constants", bytesPerElement: 4)
        for _ in 0..<n {
            let at = pos
            let type = Int(try int("bytecode constant type"))
            switch type {
            case 21: try bytecode(reps: &reps, depth: depth + 1)
            case 6, 2, 244, 243, 240, 239: _ = try bytecodeLang(type: type, reps: &reps, at: at, depth: depth + 1)
            default: _ = try item(depth: depth + 1)
            }
        }
    }

    /// ReadBCLang: a language object inside bytecode, with its own repeat table.
    mutating func bytecodeLang(type first: Int, reps: inout [RObject], at: Int, depth: Int) throws -> RObject {
        guard depth < RSerialization.maxDepth else { throw error(at, "R objects nested deeper than \(RSerialization.maxDepth) levels") }
        var type = first
        switch type {
        case 243:   // BCREPREF
            let i = Int(try int("bytecode repeat index"))
            guard i >= 0, i < reps.count else { throw error(at, "bytecode repeat reference \(i) out of range") }
            return reps[i]
        case 244, 6, 2, 240, 239:
            var slot = -1
            if type == 244 {
                slot = Int(try int("bytecode repeat index"))
                type = Int(try int("bytecode type"))
                guard slot >= 0, slot < reps.count else { throw error(at, "bytecode repeat definition \(slot) out of range") }
            }
            if type == 240 || type == 239 { _ = try item(depth: depth) }
            _ = try item(depth: depth)     // tag
            let carAt = pos
            _ = try bytecodeLang(type: Int(try int("bytecode type")), reps: &reps, at: carAt, depth: depth + 1)
            let cdrAt = pos
            _ = try bytecodeLang(type: Int(try int("bytecode type")), reps: &reps, at: cdrAt, depth: depth + 1)
            let value = RObject(.other(type: 6))
            if slot >= 0 { reps[slot] = value }
            return value
        default:
            return try item(depth: depth)
        }
    }

    /// ALTREP_SXP: a class description (pairlist of class symbol, package symbol, type),
    /// the class's serialized state and the attributes. Known classes become ordinary vectors.
    mutating func altrep(at: Int, depth: Int) throws -> RObject {
        let info = try item(depth: depth)
        let state = try item(depth: depth)
        let attrObj = try item(depth: depth)
        let attrs = try attributeList(attrObj, at: at)
        guard case .list(let parts) = info.payload, let first = parts.first, case .symbol(let cls) = first.payload else {
            throw error(at, "ALTREP object without a class description")
        }
        var result: RObject
        switch cls {
        case "compact_intseq":
            guard case .double(let s) = state.payload, s.count == 3 else {
                throw error(at, "compact_intseq state must be 3 doubles")
            }
            let seq = try compactSequence(s, at: at)
            guard seq.allSatisfy({ $0 > -2147483648 && $0 <= 2147483647 }) else {
                throw error(at, "compact_intseq out of integer range")
            }
            result = RObject(.integer(seq.map { Int32($0) }))
        case "compact_realseq":
            guard case .double(let s) = state.payload, s.count == 3 else {
                throw error(at, "compact_realseq state must be 3 doubles")
            }
            result = RObject(.double(try compactSequence(s, at: at)))
        case _ where cls.hasPrefix("wrap_"):
            guard case .list(let s) = state.payload, let x = s.first else {
                throw error(at, "\(cls) state must be a list holding the wrapped vector")
            }
            result = x
        case "deferred_string":
            guard case .list(let s) = state.payload, let x = s.first else {
                throw error(at, "deferred_string state must be a pairlist holding the vector")
            }
            switch x.payload {
            case .integer(let v): result = RObject(.string(v.map { $0 == Int32.min ? nil : String($0) }))
            case .double(let v): result = RObject(.string(v.map { RUnserializer.formatDouble($0) }))
            case .string: result = x
            default: throw error(at, "deferred_string of \(x.typeName) is unsupported")
            }
        default:
            throw error(at, "ALTREP class \(cls) is unsupported")
        }
        result.attributes = attrs.isEmpty ? result.attributes : attrs
        return result
    }

    /// R's as.character for a double: NA, NaN, Inf, integers without decimals, else up to 15 significant digits.
    static func formatDouble(_ x: Double) -> String? {
        if x.isNaN { return x.bitPattern & 0xFFFF_FFFF == 1954 ? nil : "NaN" }
        if x.isInfinite { return x > 0 ? "Inf" : "-Inf" }
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return String(format: "%.15g", x)
    }

    /// The most elements a compact sequence may expand to (a few bytes of input otherwise
    /// could ask for gigabytes).
    static let maxCompactLength = 1 << 26

    /// The elements of a compact sequence `c(n, first, step)`.
    func compactSequence(_ s: [Double], at: Int) throws -> [Double] {
        let nD = s[0], first = s[1], step = s[2]
        guard nD.isFinite, nD >= 0, nD <= Double(RUnserializer.maxCompactLength), first.isFinite, step == 1 || step == -1,
              abs(first) < 9e15 else {
            throw error(at, "invalid compact sequence (length \(nD), start \(first), step \(step)); at most \(RUnserializer.maxCompactLength) elements")
        }
        let n = Int(nD)
        return (0..<n).map { first + Double($0) * step }
    }
}
