import EndToEnd
import EndToEndData
import EndToEndNN
import Foundation
import XCTest
@testable import EndToEndApplications

final class FacesSystemsTests: XCTestCase {
    /// The detector's score map at (i, j) is the classifier score of the window at (4i, 4j):
    /// what makes one trained network both a window classifier and a scene detector.
    func testScoreMapEqualsWindowScores() throws {
        let p = SyntheticFaces.patches(perClass: 4, seed: 1)
        let net = try FaceNetworks.train(approach: "detector", layers: FaceNetworks.detectorLayers, train: p, steps: 2, seed: 1)
        let scene = FaceScenes.generate(count: 1, side: 41, faces: p.faces, distractors: p.nonFaces, seed: 2)[0].image
        let map = try FaceNetworks.scoreMap(net.model, scene)
        XCTAssertEqual(map.rows, (41 - 24) / 4 + 1)
        XCTAssertEqual(map.columns, map.rows)
        for (i, j) in [(0, 0), (1, 3), (map.rows - 1, map.columns - 1)] {
            let r = 4 * i, c = 4 * j
            // A window reaching past the scene's edge is padded with zeros, which the last row/column never reads.
            var window = GrayImage(height: 25, width: 25)
            window.paste(scene.crop(row: r, column: c, height: min(25, 41 - r), width: min(25, 41 - c)), row: 0, column: 0)
            let s = FaceNetworks.faceScores(net.model, [window])[0]
            XCTAssertEqual(map.scores[i * map.columns + j], s, accuracy: 1e-4, "window (\(r), \(c))")
        }
        let dets = try FaceNetworks.detect(net.model, scene, nmsIoU: 0.3, maxPerScene: 5)
        XCTAssertLessThanOrEqual(dets.count, 5)
        XCTAssertEqual(dets.map(\.score), dets.map(\.score).sorted(by: >))
    }

    func testHOGSVMLearnsSyntheticFacesAndScansScenes() throws {
        let p = SyntheticFaces.patches(perClass: 30, seed: 5)
        let (train, test) = p.stratifiedSplit(trainFraction: 0.5, seed: 1)
        let svm = try HOGLinearSVM(seed: 3)
        XCTAssertEqual(svm.parameters, 4 * 4 * 2 * 2 * 9 + 1)
        try svm.fit(train, steps: 60, seed: 3)
        XCTAssertGreaterThan(try svm.accuracy(test), 0.8)
        let losses = svm.history.filter { $0.split == "train" }.compactMap { $0.values["loss"] }
        XCTAssertLessThan(losses.last!, losses.first!)
        let scene = FaceScenes.generate(count: 1, side: 49, faces: test.faces, distractors: test.nonFaces, seed: 2)[0]
        let d = try svm.detect(scene.image)
        XCTAssertFalse(d.isEmpty)
        XCTAssertTrue(d.allSatisfy { Int($0.box.row) % 4 == 0 && Int($0.box.column) % 4 == 0 })
        for (a, b) in zip(d, d.dropFirst()) { XCTAssertGreaterThanOrEqual(a.score, b.score) }
    }
}
