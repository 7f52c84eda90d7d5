import Foundation

extension Communicator {
    /// Runs independent pieces of work spread over the job's processes and gives every
    /// process all the results, in index order: what `e2e compare` does with its strategies
    /// and `e2e experiment` with its grid cells (grid- and ensemble-parallel).
    ///
    /// Piece `i` of `0..<count` runs on rank ``owner(of:)`` (snake order: 0, 1, …, N−1, N−1, …,
    /// 0, 0, 1, …), so neighbouring cells land on different ranks and a grid whose pieces
    /// alternate between a costly and a cheap kind (strategy A, strategy B per setting) does not
    /// put every costly one on the same rank, as plain round robin does. Each result travels as the bytes
    /// `encode` makes and is rebuilt with `decode`, also on the rank that made it, so every
    /// rank holds the same values whether or not it computed them. With one process this is
    /// `(0..<count).map(work)`.
    /// The rank that runs piece `i` of a ``spread(_:encode:decode:_:)``.
    public func owner(of i: Int) -> Int {
        let r = i % (2 * size)
        return r < size ? r : 2 * size - 1 - r
    }

    public func spread<T>(_ count: Int, encode: (T) throws -> [UInt8], decode: ([UInt8]) throws -> T,
                          _ work: (Int) throws -> T) throws -> [T] {
        guard size > 1 else { return try (0..<count).map(work) }
        var message: [UInt8] = []
        for i in 0..<count where owner(of: i) == rank {
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
                guard (0..<count).contains(i), owner(of: i) == from, n >= 0, at + 16 + n <= piece.count else {
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
