import XCTest
@testable import EndToEndData

final class NonMaximumSuppressionTests: XCTestCase {
    func box(_ r: Double, _ c: Double, _ s: Double = 10) -> BoundingBox { BoundingBox(row: r, column: c, height: s, width: s) }

    func testIntersectionOverUnionByHand() {
        // Shifted by 5 of 10 along columns: intersection 50, union 150.
        XCTAssertEqual(box(0, 0).intersectionOverUnion(box(0, 5)), 50.0 / 150, accuracy: 1e-12)
        XCTAssertEqual(box(0, 0).intersectionOverUnion(box(0, 0)), 1)
        XCTAssertEqual(box(0, 0).intersectionOverUnion(box(10, 0)), 0)   // touching edges share no area
        XCTAssertEqual(box(0, 0, 10).intersectionOverUnion(box(2, 2, 4)), 16.0 / 100, accuracy: 1e-12)
    }

    func testGreedySuppression() throws {
        let ds = [Detection(box: box(0, 0), score: 0.9), Detection(box: box(0, 2), score: 0.95),
                  Detection(box: box(0, 8), score: 0.5), Detection(box: box(30, 30), score: 0.1)]
        let kept = try NonMaximumSuppression.apply(ds, iouThreshold: 0.3)
        // 0.95 at column 2 suppresses column 0 (IoU 80/120); column 8 overlaps column 2 by 40/160 = 0.25 and stays.
        XCTAssertEqual(kept.map(\.score), [0.95, 0.5, 0.1])
        XCTAssertEqual(try NonMaximumSuppression.apply(ds, iouThreshold: 0.2).map(\.score), [0.95, 0.1])
        XCTAssertEqual(try NonMaximumSuppression.apply(ds, iouThreshold: 0.3, maxDetections: 1).map(\.score), [0.95])
        XCTAssertThrowsError(try NonMaximumSuppression.apply(ds, iouThreshold: 1.5))
    }

    func testSlidingWindowBoxesAndScores() throws {
        let w = try SlidingWindow(height: 3, width: 2, stride: 2)
        let boxes = w.boxes(imageHeight: 6, imageWidth: 5)
        // Rows 0, 2 (4 + 3 > 6 is out); columns 0, 2 (4 + 2 > 5 is out).
        XCTAssertEqual(boxes.map { [$0.row, $0.column] }, [[0, 0], [0, 2], [2, 0], [2, 2]])
        var image = GrayImage(height: 6, width: 5)
        image[3, 2] = 1
        let d = w.detect(in: image, threshold: 0) { $0.pixels.reduce(0, +) > 0 ? 1 : 0 }
        XCTAssertEqual(d.map { [$0.box.row, $0.box.column] }, [[2, 2]])
        XCTAssertTrue(w.boxes(imageHeight: 2, imageWidth: 5).isEmpty)
        XCTAssertThrowsError(try SlidingWindow(height: 3, width: 3, stride: 0))
    }

    func testGrayImageCropAndPaste() {
        var image = GrayImage(height: 4, width: 4, pixels: (0..<16).map(Float.init))
        XCTAssertEqual(image.crop(row: 1, column: 2, height: 2, width: 2).pixels, [6, 7, 10, 11])
        image.paste(GrayImage(height: 2, width: 1, value: -1), row: 2, column: 0)
        XCTAssertEqual(image[2, 0], -1)
        XCTAssertEqual(image[3, 0], -1)
        XCTAssertEqual(image[1, 0], 4)
        XCTAssertEqual(image.tensor.shape, [1, 4, 4])
    }
}
