import EndToEnd
import XCTest
@testable import EndToEndData

final class DatasetTests: XCTestCase {
    struct Squares: Dataset {
        var count: Int { 4 }
        func example(at index: Int) -> Example {
            Example(input: Tensor([Float(index)]), target: Tensor([Float(index * index)]))
        }
    }

    func testMapStyleDataset() {
        let d = Squares()
        XCTAssertEqual(d.count, 4)
        XCTAssertEqual(d.example(at: 3).target!.scalars, [9])
        XCTAssertNil(d.example(at: 0).label)
        XCTAssertTrue(d.example(at: 1).intermediates.isEmpty)
    }
}
