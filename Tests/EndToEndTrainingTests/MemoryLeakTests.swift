import EndToEnd
import EndToEndData
import EndToEndNN
import Foundation
import XCTest

@testable import EndToEndTraining

/// Resident memory stays flat over a long run: 10,000 steps of a tiny model through
/// `TrainingRun`, resident set read from /proc/self/statm after step 1,000 and at the end.
final class MemoryLeakTests: XCTestCase {
    /// Resident pages × page size, from /proc/self/statm (Linux only).
    static func residentBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    final class Sampler: TrainingRunObserver {
        var atThousand: Int?
        func stepDidEnd(_ run: TrainingRun, stage: TrainingStage, loss: Double) throws {
            if run.position.step == 1_000 { atThousand = MemoryLeakTests.residentBytes() }
        }
    }

    func testResidentMemoryIsFlatOverTenThousandSteps() throws {
        guard Self.residentBytes() != nil else { throw XCTSkip("/proc/self/statm is Linux only") }
        let xs = Tensor.randn([256, 4], seed: 1)
        let ys = IntTensor((0..<256).map { $0 % 2 })
        let model = Sequential(Linear(4, 8), ReLU(), Linear(8, 2))
        let data = SampledBatches(count: 256, batchSize: 16, seed: 0) { idx in
            let i = IntTensor(idx.map { Int32($0) })
            return Batch(inputs: xs.indexSelect(axis: 0, i), labels: IntTensor(idx.map { ys.scalars[$0] }), indices: idx)
        }
        let stage = TrainingStage(
            name: "leak", optimizer: Adam(model.parameters(), learningRate: 1e-3), batches: data, steps: 10_000,
            forward: { b in StepOutput(loss: Loss.crossEntropy(model(b.inputs), b.labels!)) })
        let run = TrainingRun(stages: [{ stage }])
        let sampler = Sampler()
        run.observers.append(sampler)
        let summary = try run.run()
        let end = try XCTUnwrap(Self.residentBytes())
        let start = try XCTUnwrap(sampler.atThousand)
        XCTAssertEqual(summary.totalSteps, 10_000)
        let growth = Double(end - start) / Double(start)
        print("resident memory: \(start) bytes after 1,000 steps, \(end) after 10,000 (\(String(format: "%+.2f", growth * 100)) %)")
        XCTAssertLessThan(growth, 0.05)
    }
}
