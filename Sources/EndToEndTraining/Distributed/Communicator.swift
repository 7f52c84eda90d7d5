import Foundation

/// The collective operations data-parallel and grid-parallel runs need, over the processes
/// of one job (MPI's `MPI_COMM_WORLD`).
///
/// Every method is collective: each process of the job must call it, in the same order, with
/// buffers of the same length (except ``allgather(_:)``, whose pieces may differ). Errors are
/// ``DistributedError``s.
public protocol Communicator: AnyObject, Sendable {
    /// This process's index in the job, `0..<size`.
    var rank: Int { get }
    /// The number of processes in the job.
    var size: Int { get }
    /// What carries the messages (`"single process"`, `"Open MPI v4.1.4"`), for reports.
    var transport: String { get }
    /// Overwrites `buffer` on every process with root's.
    func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, root: Int) throws
    /// Replaces `buffer` on every process by the elementwise sum over all processes.
    func allreduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws
    /// Replaces `buffer` on every process by the elementwise sum over all processes.
    func allreduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws
    /// Every process's bytes, in rank order, on every process.
    func allgather(_ bytes: [UInt8]) throws -> [[UInt8]]
    /// Sums `buffer` over all processes, keeping this process's block: `counts` (one per
    /// process, summing to `buffer.count`) cut `buffer` into consecutive blocks in rank order,
    /// and on return block `rank` holds the sum of every process's values there. The other
    /// blocks' values are unspecified.
    func reduceScatterSum(_ buffer: UnsafeMutableBufferPointer<Float>, counts: [Int]) throws
    /// The blocks of `buffer` (cut by `counts` as in ``reduceScatterSum(_:counts:)``) from their
    /// owners: on return block `r` holds process r's values of it on every process.
    func allgatherBlocks(_ buffer: UnsafeMutableBufferPointer<Float>, counts: [Int]) throws
    /// Returns once every process has called it.
    func barrier() throws
}

extension Communicator {
    /// Whether this process is the one that writes reports, checkpoints and output.
    public var isRoot: Bool { rank == 0 }

    /// Replaces `buffer` on every process by the elementwise mean over all processes.
    public func allreduceMean(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        try allreduceSum(buffer)
        let s = Float(size)
        for i in buffer.indices { buffer[i] /= s }
    }

    /// ``reduceScatterSum(_:counts:)`` as an allreduce: every block ends up summed.
    public func reduceScatterSum(_ buffer: UnsafeMutableBufferPointer<Float>, counts: [Int]) throws {
        try Self.checkBlocks(counts, buffer.count, size: size)
        try allreduceSum(buffer)
    }

    /// ``allgatherBlocks(_:counts:)`` as an allreduce of the own block among zeros.
    public func allgatherBlocks(_ buffer: UnsafeMutableBufferPointer<Float>, counts: [Int]) throws {
        try Self.checkBlocks(counts, buffer.count, size: size)
        let start = counts.prefix(rank).reduce(0, +), end = start + counts[rank]
        for i in buffer.indices where i < start || i >= end { buffer[i] = 0 }
        try allreduceSum(buffer)
    }

    /// Throws unless `counts` has one non-negative count per process summing to `total`.
    static func checkBlocks(_ counts: [Int], _ total: Int, size: Int) throws {
        guard counts.count == size, counts.allSatisfy({ $0 >= 0 }), counts.reduce(0, +) == total else {
            throw DistributedError("block counts \(counts) do not cut \(total) elements into \(size) blocks")
        }
    }

    /// Sums `values` over all processes.
    public func allreduceSum(_ values: [Double]) throws -> [Double] {
        var v = values
        try v.withUnsafeMutableBufferPointer { try allreduceSum($0) }
        return v
    }

    /// Every process's Float values, in rank order, concatenated (pieces may differ in length).
    public func allgather(_ values: [Float]) throws -> [Float] {
        let bytes = values.withUnsafeBytes { Array($0) }
        var out: [Float] = []
        for piece in try allgather(bytes) {
            guard piece.count % 4 == 0 else { throw DistributedError("allgather: a piece of \(piece.count) bytes is not Float values") }
            out += piece.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        }
        return out
    }
}

/// A failed or impossible collective operation, or an MPI environment that cannot be used.
public struct DistributedError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The job of one process: every collective is the identity. What every run uses outside
/// `mpirun`, so the single-process path has no branches of its own.
public final class LocalCommunicator: Communicator, Sendable {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public var transport: String { "single process" }
    public func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, root: Int) throws {}
    public func allreduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {}
    public func allreduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws {}
    public func allgather(_ bytes: [UInt8]) throws -> [[UInt8]] { [bytes] }
    public func barrier() throws {}
}

/// Finds the job this process belongs to.
public enum Distributed {
    /// The launcher's view of this process, from the environment `mpirun` (Open MPI's
    /// `OMPI_COMM_WORLD_*`, PMIx's `PMIX_RANK`) or MPICH's Hydra (`PMI_RANK`, `PMI_SIZE`) sets;
    /// nil outside a launcher.
    public static func launcherEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment)
        -> (launcher: String, rank: String, size: String?)? {
        if let r = env["OMPI_COMM_WORLD_RANK"] { return ("Open MPI", r, env["OMPI_COMM_WORLD_SIZE"]) }
        if let r = env["PMIX_RANK"] { return ("PMIx", r, env["OMPI_COMM_WORLD_SIZE"]) }
        if let r = env["PMI_RANK"] { return ("MPICH (PMI)", r, env["PMI_SIZE"]) }
        return nil
    }

    /// The communicator of this process's job: MPI when started by a launcher (`mpirun`,
    /// `srun` with PMIx), else a ``LocalCommunicator``. MPI is loaded at run time, so builds
    /// and single-process runs need no MPI installed.
    ///
    /// - Throws: ``DistributedError`` when a launcher started the process but no usable MPI
    ///   library can be loaded (naming what is missing and how to install it), or MPI fails
    ///   to initialise.
    public static func detect(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Communicator {
        guard let found = launcherEnvironment(environment) else { return LocalCommunicator() }
        if found.launcher.hasPrefix("MPICH") {
            throw DistributedError(
                "this process was started by MPICH's launcher (PMI_RANK=\(found.rank)), which EndToEnd does not support: "
                + "it loads Open MPI (libmpi.so.40) at run time, whose handles are symbols; MPICH's are integer constants. "
                + "Launch with Open MPI's mpirun (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev)")
        }
        return try MPICommunicator.shared()
    }
}
