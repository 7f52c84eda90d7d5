import Foundation

extension Communicator {
    /// Runs independent pieces of work spread over the job's processes and gives every
    /// process all the results, in index order: what `e2e compare` does with its strategies
    /// and `e2e experiment` with its grid cells (grid- and ensemble-parallel).
    ///
    /// Piece `i` of `0..<count` runs on rank `i % size` (round robin: neighbouring cells,
    /// often of similar cost, land on different ranks). Each result travels as the bytes
    /// `encode` makes and is rebuilt with `decode`, also on the rank that made it, so every
    /// rank holds the same values whether or not it computed them. With one process this is
    /// `(0..<count).map(work)`.
    public func spread<T>(_ count: Int, encode: (T) throws -> [UInt8], decode: ([UInt8]) throws -> T,
                          _ work: (Int) throws -> T) throws -> [T] {
        guard size > 1 else { return try (0..<count).map(work) }
        var message: [UInt8] = []
        for i in stride(from: rank, to: count, by: size) {
            let bytes = try encode(try work(i))
            message += withUnsafeBytes(of: Int64(i)) { Array($0) } + withUnsafeBytes(of: Int64(bytes.count)) { Array($0) } + bytes
        }
        var slots = [[UInt8]?](repeating: nil, count: count)
        for (from, piece) in try allgather(message).enumerated() {
            var at = 0
            while at < piece.count {
                guard at + 16 <= piece.count else { throw DistributedError("spread: rank \(from) sent a truncated result") }
                let (i, n) = piece.withUnsafeBytes { (Int($0.loadUnaligned(fromByteOffset: at, as: Int64.self)),
                                                      Int($0.loadUnaligned(fromByteOffset: at + 8, as: Int64.self))) }
                guard (0..<count).contains(i), i % size == from, n >= 0, at + 16 + n <= piece.count else {
                    throw DistributedError("spread: rank \(from) sent a malformed result")
                }
                slots[i] = Array(piece[(at + 16)..<(at + 16 + n)])
                at += 16 + n
            }
        }
        return try slots.enumerated().map { i, bytes in
            guard let bytes else { throw DistributedError("spread: no rank sent the result of piece \(i)") }
            return try decode(bytes)
        }
    }
}
