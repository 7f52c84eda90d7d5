import EndToEndData
import XCTest
@testable import EndToEndTraining

final class DetectionAveragePrecisionTests: XCTestCase {
    func box(_ r: Double, _ c: Double) -> BoundingBox { BoundingBox(row: r, column: c, height: 10, width: 10) }

    func testHandWorkedCurveAndAP() throws {
        // Image 0: two faces; image 1: one face.
        let truth = [[box(0, 0), box(50, 50)], [box(20, 20)]]
        let dets: [[Detection]] = [
            [Detection(box: box(1, 1), score: 0.9),      // TP (IoU 81/119)
             Detection(box: box(0, 2), score: 0.8),      // duplicate of the same face: FP
             Detection(box: box(80, 80), score: 0.6)],   // background: FP
            [Detection(box: box(21, 20), score: 0.7)],   // TP
        ]
        let c = try DetectionAveragePrecision.curve(detections: dets, groundTruth: truth)
        let third: Double = 1.0 / 3, twoThirds: Double = 2.0 / 3
        let scores: [Double] = [0.9, 0.8, 0.7, 0.6], precision: [Double] = [1, 0.5, twoThirds, 0.5]
        let recall: [Double] = [third, third, twoThirds, twoThirds]
        XCTAssertEqual(c.map(\.score), scores)
        XCTAssertEqual(c.map(\.precision), precision)
        XCTAssertEqual(c.map(\.recall), recall)
        // Envelope: 1 up to recall 1/3, then 2/3 up to 2/3; the third face is never found.
        let ap = try DetectionAveragePrecision.compute(detections: dets, groundTruth: truth)
        XCTAssertEqual(ap, third + third * twoThirds, accuracy: 1e-12)
    }

    func testPerfectAndEmptyAndThreshold() throws {
        let truth = [[box(0, 0)], [box(5, 5)]]
        let perfect = [[Detection(box: box(0, 0), score: 1)], [Detection(box: box(5, 5), score: 0.5)]]
        XCTAssertEqual(try DetectionAveragePrecision.compute(detections: perfect, groundTruth: truth), 1)
        XCTAssertEqual(try DetectionAveragePrecision.compute(detections: [[], []], groundTruth: truth), 0)
        // Shifted by 3 of 10 on both axes: IoU 49/151 ≈ 0.32, below 0.5 but above 0.3.
        let shifted = [[Detection(box: box(3, 3), score: 1)], []]
        XCTAssertEqual(try DetectionAveragePrecision.compute(detections: shifted, groundTruth: truth), 0)
        XCTAssertEqual(try DetectionAveragePrecision.compute(detections: shifted, groundTruth: truth, iouThreshold: 0.3), 0.5)
    }

    func testBadInputThrows() {
        XCTAssertThrowsError(try DetectionAveragePrecision.compute(detections: [[]], groundTruth: [[], []])) {
            XCTAssertTrue("\($0)".contains("2"))
        }
        XCTAssertThrowsError(try DetectionAveragePrecision.compute(detections: [[]], groundTruth: [[]])) {
            XCTAssertTrue("\($0)".contains("no ground-truth"))
        }
        XCTAssertThrowsError(try DetectionAveragePrecision.compute(detections: [[]], groundTruth: [[box(0, 0)]], iouThreshold: 0))
    }
}
