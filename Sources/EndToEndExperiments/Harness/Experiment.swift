import EndToEnd
import EndToEndStrategies
import EndToEndTraining
import Foundation

/// One reproducible experiment: `e2e experiment NAME` runs it and writes its report.
///
/// An experiment builds its own data, models and training loops from the context's seed, so
/// the same seed gives the same numbers (wall times aside). `quick` asks for a run of at most a
/// few minutes on two cores that keeps the qualitative outcome where that is possible.
public protocol Experiment: Sendable {
    /// The command-line name, e.g. `"parity-bits"`: lower case, words joined by `-`.
    var name: String { get }
    /// One line saying what the experiment shows, for `e2e experiment --list`.
    var summary: String { get }
    /// Runs the experiment. Progress goes to `context.log`; results come back for the report.
    func run(_ context: ExperimentContext) throws -> ExperimentResult
    /// Whether the experiment's training is resumable through ``ExperimentContext/checkpointing``
    /// (its strategy runs checkpoint themselves and finished ones are kept).
    var isResumable: Bool { get }
    /// What `--budget paper` runs, in one line, when the experiment's paper states a budget; nil:
    /// the paper states none we can follow, and `--budget paper` is refused.
    var paperBudget: String? { get }
    /// Turns the seed-aggregated result of ``SeedRuns`` into the report: experiments with their own
    /// figures, notes or summary fields rebuild them here from the aggregated rows and the per-seed
    /// runs (`runs[0]` is the root seed's). The default keeps the aggregate as it is, with the
    /// first run's figures and notes when there is one run only.
    func summarize(_ combined: ExperimentResult, runs: [ExperimentResult], context: ExperimentContext) throws -> ExperimentResult
    /// The name of the axis the experiment sweeps (`"k"`, `"d"`, `"n"`), when its grid can be
    /// narrowed to chosen values with ``sweeping(_:)``; nil: it has no such axis.
    var sweptAxis: String? { get }
    /// The same experiment run only at the given values of ``sweptAxis`` (e.g. a paper-budget run
    /// at the k where the claim bites). Throws ``ExperimentError/invalidSetting(_:)`` for values
    /// outside the axis's range.
    func sweeping(_ values: [Int]) throws(ExperimentError) -> any Experiment
}

extension Experiment {
    public var isResumable: Bool { false }
    public var paperBudget: String? { nil }
    public var sweptAxis: String? { nil }
    public func sweeping(_ values: [Int]) throws(ExperimentError) -> any Experiment {
        throw .invalidSetting("\(name) has no swept axis whose values can be chosen")
    }
    public func summarize(_ combined: ExperimentResult, runs: [ExperimentResult], context: ExperimentContext) throws -> ExperimentResult {
        combined
    }
}

/// How much training an experiment does.
public enum ExperimentBudget: String, Sendable, CaseIterable {
    /// The experiment's own defaults (sized for two cores).
    case standard
    /// The budget its paper states (see ``Experiment/paperBudget``).
    case paper
}

/// What an experiment is given to run.
public struct ExperimentContext: Sendable {
    /// A shorter budget (fewer steps or settings) for a run of a few minutes.
    public var quick: Bool
    /// The root seed; experiments derive every other seed from it with ``seed(_:)``.
    public var seed: UInt64
    /// The report folder the run will be written to (experiments may read it, e.g. for naming;
    /// the report itself is written by ``ExperimentReport`` after `run` returns).
    public var outputDirectory: URL
    /// Progress sink: one human-readable line per call.
    public var log: @Sendable (String) -> Void

    /// Makes the strategy runs resumable (see ``strategyCheckpointing(_:)``); nil: none.
    public var checkpointing: StrategyCheckpointing?
    /// Which repetition of the experiment this run is (``SeedRuns``): 0 for the root seed.
    public var seedIndex: Int = 0
    /// The training budget.
    public var budget: ExperimentBudget = .standard
    /// The processes a grid's cells are spread over (``Communicator/spread(_:encode:decode:_:)``);
    /// a single process outside `mpirun`.
    public var communicator: any Communicator

    public init(quick: Bool = false, seed: UInt64 = 0, outputDirectory: URL,
                log: @escaping @Sendable (String) -> Void = { _ in }, checkpointing: StrategyCheckpointing? = nil,
                budget: ExperimentBudget = .standard, communicator: any Communicator = LocalCommunicator()) {
        self.budget = budget
        self.communicator = communicator
        self.quick = quick
        self.seed = seed
        self.outputDirectory = outputDirectory
        self.log = log
        self.checkpointing = checkpointing
    }

    /// The checkpointing of one setting of the experiment's grid (its own subfolder), for the
    /// strategy setups of that setting: finished strategies are read back, an unfinished one
    /// continues from its checkpoint.
    public func strategyCheckpointing(_ setting: String) -> StrategyCheckpointing? { checkpointing?.scoped(setting) }

    /// A seed derived from the root seed and `parts` (e.g. the setting and the strategy), so
    /// that each setting gets its own independent, reproducible stream.
    public func seed(_ parts: UInt64...) -> UInt64 { SeedDerivation.derive(seed, parts) }
}

extension ExperimentContext {
    /// The finished grid cells of a resumable run (`cells/` beside the strategy checkpoints);
    /// nil without ``checkpointing``.
    public var finishedCells: FinishedParts? {
        checkpointing.map { FinishedParts(directory: $0.directory.appendingPathComponent("cells", isDirectory: true)) }
    }

    /// Runs one cell of the experiment's grid (e.g. one d, strategy and seed), or, when this
    /// run continues an interrupted one (`e2e experiment NAME --resume REPORT`) and the cell
    /// finished there, reads its value back. `key` names the cell uniquely within the run;
    /// the cell must derive its seeds from ``seed(_:)`` so it does not depend on the cells before it.
    public func cell<T: Codable>(_ key: String, _ compute: () throws -> T) throws -> T {
        guard let cells = finishedCells else { return try compute() }
        return try cells.run(key, log: log, compute)
    }
}

extension ExperimentContext {
    /// Runs the `count` independent cells of the experiment's grid (settings × strategies,
    /// one seed's grid of ``SeedRuns``) spread over the ranks of an MPI job, cell `i` on rank
    /// ``Communicator/owner(of:)`` (snake order), and gives every rank all the values in cell order; one process runs them in
    /// order. A cell must derive its seeds from the root (``seed(_:)``), never from the cells
    /// before it, so the values equal one process's exactly (they travel as JSON, every number
    /// in its shortest round-trip form, non-finite ones as strings).
    public func spread<T: Codable>(_ count: Int, _ compute: (Int) throws -> T) throws -> [T] {
        try communicator.spread(
            count, encode: { [UInt8](try Self.cellEncoder.encode([$0])) },
            decode: { bytes in
                let values = try Self.cellDecoder.decode([T].self, from: Data(bytes))
                guard values.count == 1 else { throw ExperimentError.invalidSetting("a grid cell from another rank is malformed") }
                return values[0]
            }, compute)
    }

    /// ``spread(_:_:)`` for cells that are one strategy run each (their results travel in the
    /// strategy checkpoint's encoding).
    public func spread(_ count: Int, _ compute: (Int) throws -> StrategyResult) throws -> [StrategyResult] {
        try communicator.spread(
            count, encode: { [UInt8](try $0.encoded()) },
            decode: { try StrategyResult(decoding: Data($0), file: URL(fileURLWithPath: "(a grid cell from another rank)")) },
            compute)
    }

    private static var cellEncoder: JSONEncoder {
        let e = JSONEncoder()
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }

    private static var cellDecoder: JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }
}

/// Validation shared by the experiments' ``Experiment/sweeping(_:)``.
enum SweptValues {
    static func check(_ values: [Int], axis: String, of experiment: String, in range: ClosedRange<Int>) throws(ExperimentError) {
        guard !values.isEmpty else { throw .invalidSetting("\(experiment): give at least one value of \(axis)") }
        if let bad = values.first(where: { !range.contains($0) }) {
            throw .invalidSetting("\(experiment): \(axis) = \(bad) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        guard Set(values).count == values.count else { throw .invalidSetting("\(experiment): repeated value of \(axis) in \(values)") }
    }
}
