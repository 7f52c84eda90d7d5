import EndToEnd
import XCTest
@testable import EndToEndData

final class TensorDatasetTests: XCTestCase {
    /// Example i has input [i, i + 0.5] (shape [N, 2]), label i % 3, target [10 i].
    func makeData(_ n: Int = 10) throws -> TensorDataset {
        let x = Tensor(shape: [n, 2], scalars: (0..<n).flatMap { [Float($0), Float($0) + 0.5] })
        let y = IntTensor((0..<n).map { $0 % 3 })
        let t = Tensor(shape: [n, 1], scalars: (0..<n).map { Float(10 * $0) })
        let h = Tensor(shape: [n, 3], scalars: (0..<(3 * n)).map { Float($0) })
        return try TensorDataset(inputs: x, labels: y, targets: t, intermediates: ["h": h])
    }

    func testExampleAndBatch() throws {
        let d = try makeData()
        XCTAssertEqual(d.count, 10)
        let e = d.example(at: 4)
        XCTAssertEqual(e.input.shape, [2])
        XCTAssertEqual(e.input.scalars, [4, 4.5])
        XCTAssertEqual(e.label, 1)
        XCTAssertEqual(e.target!.scalars, [40])
        XCTAssertEqual(e.intermediates["h"]!.scalars, [12, 13, 14])
        let b = d.batch(at: [7, 2, 2])
        XCTAssertEqual(b.inputs.shape, [3, 2])
        XCTAssertEqual(b.inputs.scalars, [7, 7.5, 2, 2.5, 2, 2.5])
        XCTAssertEqual(b.labels!.scalars, [1, 2, 2])
        XCTAssertEqual(b.targets!.scalars, [70, 20, 20])
        XCTAssertEqual(b.intermediates["h"]!.shape, [3, 3])
        XCTAssertEqual(b.intermediates["h"]!.scalars, [21, 22, 23, 6, 7, 8, 6, 7, 8])
        XCTAssertEqual(b.indices, [7, 2, 2])
        // Generic collation of the same examples gives the same batch.
        let g = Batch.collate([7, 2, 2].map { d.example(at: $0) }, indices: [7, 2, 2])
        XCTAssertEqual(g.inputs.scalars, b.inputs.scalars)
        XCTAssertEqual(g.labels, b.labels)
        XCTAssertEqual(g.targets!.scalars, b.targets!.scalars)
        XCTAssertEqual(g.intermediates["h"]!.scalars, b.intermediates["h"]!.scalars)
    }

    func testNonContiguousInputsAreCopied() throws {
        let x = Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5]).transposed()  // [3, 2]
        let d = try TensorDataset(inputs: x)
        XCTAssertEqual(d.batch(at: [2, 0]).inputs.scalars, [2, 5, 0, 3])
        XCTAssertNil(d.batch(at: [0]).labels)
    }

    func testMismatchedCountsThrowClearErrors() {
        let x = Tensor.zeros([5, 2])
        XCTAssertThrowsError(try TensorDataset(inputs: x, labels: IntTensor([1, 2, 3]))) { error in
            let msg = "\(error)"
            XCTAssertTrue(msg.contains("5 examples") && msg.contains("labels have 3"), msg)
        }
        XCTAssertThrowsError(try TensorDataset(inputs: x, targets: Tensor.zeros([4, 1]))) { error in
            XCTAssertTrue("\(error)".contains("targets have shape [4, 1]"), "\(error)")
        }
        XCTAssertThrowsError(try TensorDataset(inputs: x, intermediates: ["z": Tensor.zeros([6])])) { error in
            XCTAssertTrue("\(error)".contains("intermediate \"z\""), "\(error)")
        }
        XCTAssertThrowsError(try TensorDataset(inputs: x, labels: IntTensor(shape: [5, 1], scalars: [0, 0, 0, 0, 0])))
        XCTAssertThrowsError(try TensorDataset(inputs: Tensor(3)))
        XCTAssertNoThrow(try TensorDataset(inputs: x, labels: IntTensor([0, 1, 0, 1, 0])))
    }

    func testSubsetAndSplits() throws {
        let d = try makeData(100)
        let s = d.subset([5, 1])
        XCTAssertEqual(s.count, 2)
        XCTAssertEqual(s.inputs.scalars, [5, 5.5, 1, 1.5])
        XCTAssertEqual(s.labels!.scalars, [2, 1])

        let parts = try d.split(fractions: [0.7, 0.2, 0.1], seed: 3)
        XCTAssertEqual(parts.map(\.count), [70, 20, 10])
        let ids = parts.flatMap { p in (0..<p.count).map { Int(p.inputs[$0, 0]) } }
        XCTAssertEqual(Set(ids).count, 100, "parts are disjoint and cover the data set")
        XCTAssertNotEqual(ids, Array(0..<100), "shuffled")
        let again = try d.split(fractions: [0.7, 0.2, 0.1], seed: 3)
        XCTAssertEqual(again[1].inputs.scalars, parts[1].inputs.scalars, "same seed, same split")
        let other = try d.split(fractions: [0.7, 0.2, 0.1], seed: 4)
        XCTAssertNotEqual(other[1].inputs.scalars, parts[1].inputs.scalars)

        let ordered = try d.split(counts: [3, 2], seed: nil)
        XCTAssertEqual(ordered[1].inputs.scalars, [3, 3.5, 4, 4.5])

        let (train, valid) = try d.trainValidationSplit(validationFraction: 0.15, seed: 0)
        XCTAssertEqual(train.count, 85)
        XCTAssertEqual(valid.count, 15)
        XCTAssertEqual(valid.targets!.shape, [15, 1])
        XCTAssertEqual(valid.intermediates["h"]!.shape, [15, 3])
        for i in 0..<valid.count {  // rows stay together
            let k = Int(valid.inputs[i, 0])
            XCTAssertEqual(valid.targets![i, 0], Float(10 * k))
            XCTAssertEqual(valid.labels!.scalars[i], Int32(k % 3))
        }

        // Fractions not summing to 1 leave the rest out; bad arguments throw.
        XCTAssertEqual(try d.split(fractions: [0.5, 0.25], seed: 1).map(\.count), [50, 25])
        XCTAssertThrowsError(try d.split(fractions: [0.8, 0.3], seed: 1))
        XCTAssertThrowsError(try d.split(counts: [90, 20], seed: 1))
        XCTAssertThrowsError(try d.split(counts: [-1], seed: 1))
        XCTAssertEqual(try d.split(fractions: [1.0 / 3, 1.0 / 3, 1.0 / 3], seed: 1).map(\.count).reduce(0, +), 100)
    }
}
