import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// ``Communicator`` over Open MPI's `MPI_COMM_WORLD`, loaded at run time with `dlopen`, so the
/// package builds and its single-process runs work without MPI installed.
///
/// Open MPI's handles (`MPI_COMM_WORLD`, `MPI_FLOAT`, `MPI_SUM`) are macros over the addresses
/// of global symbols (`ompi_mpi_comm_world`, ...); they are found with `dlsym` like the
/// functions. The library is opened with `RTLD_GLOBAL` because Open MPI's own plugins resolve
/// libmpi's symbols through the global namespace.
///
/// A collective that waits longer than ``timeoutSeconds`` (another rank died, hung or a network
/// link broke) ends this process with a message naming the operation and the ranks: a
/// watchdog thread calls `_exit(70)`, which makes `mpirun` end the others. A rank that fails
/// with an error calls `MPI_Abort` (``abort(code:)``), which `mpirun` reports with the rank.
public final class MPICommunicator: Communicator, @unchecked Sendable {
    // C signatures (Open MPI: every handle is a pointer).
    private typealias InitThread = @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, Int32, UnsafeMutablePointer<Int32>) -> Int32
    private typealias CommInt = @convention(c) (OpaquePointer?, UnsafeMutablePointer<Int32>) -> Int32
    private typealias Bcast = @convention(c) (UnsafeMutableRawPointer?, Int32, OpaquePointer?, Int32, OpaquePointer?) -> Int32
    private typealias Allreduce = @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?, Int32, OpaquePointer?, OpaquePointer?, OpaquePointer?) -> Int32
    private typealias Allgather = @convention(c) (UnsafeRawPointer?, Int32, OpaquePointer?, UnsafeMutableRawPointer?, Int32, OpaquePointer?, OpaquePointer?) -> Int32
    private typealias Allgatherv = @convention(c) (UnsafeRawPointer?, Int32, OpaquePointer?, UnsafeMutableRawPointer?, UnsafePointer<Int32>, UnsafePointer<Int32>, OpaquePointer?, OpaquePointer?) -> Int32
    private typealias ReduceScatter = @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?, UnsafePointer<Int32>, OpaquePointer?, OpaquePointer?, OpaquePointer?) -> Int32
    private typealias CommOnly = @convention(c) (OpaquePointer?) -> Int32
    private typealias Abort = @convention(c) (OpaquePointer?, Int32) -> Int32
    private typealias NoArgs = @convention(c) () -> Int32
    private typealias FlagOut = @convention(c) (UnsafeMutablePointer<Int32>) -> Int32
    private typealias LibraryVersion = @convention(c) (UnsafeMutablePointer<CChar>, UnsafeMutablePointer<Int32>) -> Int32

    /// The shared library `mpirun` of Open MPI 3, 4 and 5 provides.
    public static let libraryName = "libmpi.so.40"
    /// `MPI_THREAD_SERIALIZED`: any thread may call MPI, one at a time (only the training
    /// thread does; the kernels' worker threads never do).
    private static let threadSerialized: Int32 = 2

    public let rank: Int
    public let size: Int
    public let transport: String
    /// Seconds a collective may wait before the watchdog ends the process (environment
    /// `E2E_MPI_TIMEOUT`, default 600).
    public let timeoutSeconds: Double

    private let world, float, double, byte, int32, sum: OpaquePointer
    private let bcast: Bcast, allreduce: Allreduce, allgatherCount: Allgather, allgatherv: Allgatherv
    private let reduceScatter: ReduceScatter
    private let barrierCall: CommOnly, abortCall: Abort, finalizeCall: NoArgs, finalizedCall: FlagOut

    /// Watchdog state: the running collective's name and its start (nanoseconds; 0: none).
    private let collectiveStart = Atomic<UInt64>(0)
    private let collectiveName = Mutex<String>("")

    nonisolated(unsafe) private static var instance: MPICommunicator?
    private static let lock = NSLock()

    /// The process's communicator, initialising MPI on first use.
    public static func shared() throws -> MPICommunicator {
        lock.lock()
        defer { lock.unlock() }
        if let instance { return instance }
        let c = try MPICommunicator()
        instance = c
        return c
    }

    /// Whether MPI was initialised by this process (``shared()`` was called).
    public static var isActive: Bool {
        lock.lock()
        defer { lock.unlock() }
        return instance != nil
    }

    /// Ends MPI cleanly (`MPI_Finalize`) if it was initialised: call once, at a successful exit.
    public static func finalizeIfActive() {
        lock.lock()
        let c = instance
        lock.unlock()
        c?.finalize()
    }

    /// Ends the whole job (`MPI_Abort`) with `code` if MPI was initialised; returns otherwise.
    public static func abortIfActive(code: Int32) {
        lock.lock()
        let c = instance
        lock.unlock()
        c?.abort(code: code)
    }

    private init() throws {
        let env = ProcessInfo.processInfo.environment
        Self.preferSharedMemoryOnOneHost(env)
        // E2E_MPI_LIBRARY: another Open MPI build (a path, or a name the loader finds).
        let library = env["E2E_MPI_LIBRARY"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.libraryName
        guard let handle = dlopen(library, RTLD_NOW | RTLD_GLOBAL) else {
            let why = dlerror().map { String(cString: $0) } ?? "not found"
            throw DistributedError(
                "e2e was started by an MPI launcher but cannot load Open MPI's library \(library) (\(why)). "
                + "Install it (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev; Fedora: dnf install openmpi), "
                + "or add its folder to LD_LIBRARY_PATH (mpirun -x LD_LIBRARY_PATH)")
        }
        func symbol(_ name: String) throws -> UnsafeMutableRawPointer {
            guard let p = dlsym(handle, name) else {
                throw DistributedError("\(library) has no symbol '\(name)': it is not Open MPI 3 to 5 (MPICH and others are not supported)")
            }
            return p
        }
        func function<F>(_ name: String, as: F.Type) throws -> F { unsafeBitCast(try symbol(name), to: F.self) }
        func handleOf(_ name: String) throws -> OpaquePointer { OpaquePointer(try symbol(name)) }

        let initThread = try function("MPI_Init_thread", as: InitThread.self)
        let initialized = try function("MPI_Initialized", as: FlagOut.self)
        let commRank = try function("MPI_Comm_rank", as: CommInt.self)
        let commSize = try function("MPI_Comm_size", as: CommInt.self)
        let version = try function("MPI_Get_library_version", as: LibraryVersion.self)
        bcast = try function("MPI_Bcast", as: Bcast.self)
        allreduce = try function("MPI_Allreduce", as: Allreduce.self)
        allgatherCount = try function("MPI_Allgather", as: Allgather.self)
        allgatherv = try function("MPI_Allgatherv", as: Allgatherv.self)
        reduceScatter = try function("MPI_Reduce_scatter", as: ReduceScatter.self)
        barrierCall = try function("MPI_Barrier", as: CommOnly.self)
        abortCall = try function("MPI_Abort", as: Abort.self)
        finalizeCall = try function("MPI_Finalize", as: NoArgs.self)
        finalizedCall = try function("MPI_Finalized", as: FlagOut.self)
        world = try handleOf("ompi_mpi_comm_world")
        float = try handleOf("ompi_mpi_float")
        double = try handleOf("ompi_mpi_double")
        byte = try handleOf("ompi_mpi_byte")
        int32 = try handleOf("ompi_mpi_int")
        sum = try handleOf("ompi_mpi_op_sum")

        var flag: Int32 = 0
        _ = initialized(&flag)
        if flag == 0 {
            var provided: Int32 = 0
            let rc = initThread(nil, nil, Self.threadSerialized, &provided)
            guard rc == 0 else { throw DistributedError("MPI_Init_thread failed with code \(rc)") }
            guard provided >= Self.threadSerialized else {
                throw DistributedError("MPI provides thread level \(provided); EndToEnd needs MPI_THREAD_SERIALIZED (2)")
            }
        }
        var r: Int32 = 0, s: Int32 = 0
        _ = commRank(world, &r)
        _ = commSize(world, &s)
        rank = Int(r)
        size = Int(s)
        var text = [CChar](repeating: 0, count: 4096)
        var length: Int32 = 0
        _ = version(&text, &length)
        // MPI_Get_library_version writes `length` characters and a NUL; read up to either.
        let end = text.firstIndex(of: 0) ?? min(max(Int(length), 0), text.count)
        let full = String(decoding: text[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        transport = full.split(separator: ",").first.map(String.init) ?? "MPI"
        timeoutSeconds = env["E2E_MPI_TIMEOUT"].flatMap(Double.init).flatMap { $0 > 0 ? $0 : nil } ?? 600
        startWatchdog()
    }

    /// When every rank runs on this host and the user chose no point-to-point layer (`--mca pml`
    /// sets `OMPI_MCA_pml`), asks Open MPI for `ob1`, which carries messages over shared memory
    /// (`vader`) on one host. Without it `MPI_Init` also starts the `cm` pml, which probes its
    /// network providers (PSM, PSM2, libfabric) only to be discarded: 0.27 s of `MPI_Init`
    /// against 0.07 s with `ob1` on the 2-vCPU test VM (`--mca pml ^cm`: 0.09 s), a tenth of a
    /// one-epoch MLP run. Must run before
    /// `MPI_Init`. Several hosts keep Open MPI's own choice (UCX or libfabric on a fast network).
    static func preferSharedMemoryOnOneHost(_ env: [String: String]) {
        if let pml = pointToPointLayer(env) { setenv("OMPI_MCA_pml", pml, 0) }
    }

    /// The `OMPI_MCA_pml` to set for the launcher environment `env`: `ob1` when all ranks are
    /// on one host and none is chosen, nil otherwise.
    static func pointToPointLayer(_ env: [String: String]) -> String? {
        guard env["OMPI_MCA_pml"] == nil, let local = env["OMPI_COMM_WORLD_LOCAL_SIZE"],
              let world = env["OMPI_COMM_WORLD_SIZE"], local == world else { return nil }
        return "ob1"
    }

    // MARK: - Collectives

    /// Runs one collective under the watchdog and turns a non-zero MPI code into an error.
    private func collective(_ name: String, _ body: () -> Int32) throws {
        collectiveName.withLock { $0 = name }
        collectiveStart.store(DispatchTime.now().uptimeNanoseconds, ordering: .releasing)
        let rc = body()
        collectiveStart.store(0, ordering: .releasing)
        guard rc == 0 else { throw DistributedError("rank \(rank) of \(size): MPI \(name) failed with code \(rc)") }
    }

    private static func count(_ n: Int, _ what: String) throws -> Int32 {
        guard let c = Int32(exactly: n) else { throw DistributedError("\(what): \(n) elements exceed one MPI message (2^31 - 1)") }
        return c
    }

    public func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, root: Int) throws {
        let n = try Self.count(buffer.count, "broadcast")
        try collective("broadcast") { bcast(buffer.baseAddress, n, float, Int32(root), world) }
    }

    /// `MPI_IN_PLACE` in Open MPI.
    private static var inPlace: UnsafeRawPointer? { UnsafeRawPointer(bitPattern: 1) }

    public func allreduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        let n = try Self.count(buffer.count, "allreduce")
        try collective("allreduce") { allreduce(Self.inPlace, buffer.baseAddress, n, float, sum, world) }
    }

    public func allreduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws {
        let n = try Self.count(buffer.count, "allreduce")
        try collective("allreduce") { allreduce(Self.inPlace, buffer.baseAddress, n, double, sum, world) }
    }

    public func allgather(_ bytes: [UInt8]) throws -> [[UInt8]] {
        var mine = Int32(try Self.count(bytes.count, "allgather"))
        var counts = [Int32](repeating: 0, count: size)
        try counts.withUnsafeMutableBytes { out in
            try collective("allgather") { allgatherCount(&mine, 1, int32, out.baseAddress, 1, int32, world) }
        }
        var displacements = [Int32](repeating: 0, count: size)
        var total = 0
        for i in 0..<size {
            displacements[i] = try Self.count(total, "allgather")
            total += Int(counts[i])
        }
        _ = try Self.count(total, "allgather")
        var all = [UInt8](repeating: 0, count: total)
        try bytes.withUnsafeBytes { send in
            try all.withUnsafeMutableBytes { recv in
                try collective("allgather") {
                    allgatherv(send.baseAddress, mine, byte, recv.baseAddress, counts, displacements, byte, world)
                }
            }
        }
        return (0..<size).map { i in Array(all[Int(displacements[i])..<Int(displacements[i]) + Int(counts[i])]) }
    }

    /// `MPI_Reduce_scatter` in place: MPI leaves this rank's block at the start of the buffer,
    /// from where it moves to its own place.
    public func reduceScatterSum(_ buffer: UnsafeMutableBufferPointer<Float>, counts: [Int]) throws {
        try Self.checkBlocks(counts, buffer.count, size: size)
        _ = try Self.count(buffer.count, "reduce-scatter")
        let c = try counts.map { try Self.count($0, "reduce-scatter") }
        try collective("reduce-scatter") { reduceScatter(Self.inPlace, buffer.baseAddress, c, float, sum, world) }
        let start = counts.prefix(rank).reduce(0, +)
        if start > 0, counts[rank] > 0, let base = buffer.baseAddress {
            memmove(base + start, base, counts[rank] * MemoryLayout<Float>.size)
        }
    }

    /// `MPI_Allgatherv` in place.
    public func allgatherBlocks(_ buffer: UnsafeMutableBufferPointer<Float>, counts: [Int]) throws {
        try Self.checkBlocks(counts, buffer.count, size: size)
        _ = try Self.count(buffer.count, "allgather")
        let c = try counts.map { try Self.count($0, "allgather") }
        var displacements = [Int32](repeating: 0, count: size)
        for i in 1..<max(size, 1) where i < size { displacements[i] = displacements[i - 1] + c[i - 1] }
        try collective("allgather") { allgatherv(Self.inPlace, 0, float, buffer.baseAddress, c, displacements, float, world) }
    }

    public func barrier() throws { try collective("barrier") { barrierCall(world) } }

    /// `MPI_Finalize`, once.
    func finalize() {
        var done: Int32 = 0
        _ = finalizedCall(&done)
        if done == 0 { _ = finalizeCall() }
    }

    /// `MPI_Abort` of the whole job with `code`.
    func abort(code: Int32) { _ = abortCall(world, code) }

    // MARK: - Watchdog

    private func startWatchdog() {
        let limit = UInt64(timeoutSeconds * 1e9)
        let thread = Thread { [self] in
            while true {
                Thread.sleep(forTimeInterval: min(1, timeoutSeconds / 4))
                let start = collectiveStart.load(ordering: .acquiring)
                guard start != 0, DispatchTime.now().uptimeNanoseconds &- start > limit else { continue }
                let name = collectiveName.withLock { $0 }
                let message = "e2e: rank \(rank) of \(size): MPI \(name) has waited more than \(Int(timeoutSeconds)) s "
                    + "(E2E_MPI_TIMEOUT): another rank died, hangs, or the network between them broke; ending this rank\n"
                FileHandle.standardError.write(Data(message.utf8))
                _exit(70)
            }
        }
        thread.name = "e2e-mpi-watchdog"
        thread.start()
    }
}
