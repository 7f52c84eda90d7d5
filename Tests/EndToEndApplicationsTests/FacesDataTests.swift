import EndToEnd
import EndToEndData
import Foundation
import XCTest
@testable import EndToEndApplications

final class FacesDataTests: XCTestCase {
    func testGeneratedWindowsAreReproducibleFromTheSeed() {
        let a = SyntheticFaces.patches(perClass: 6, seed: 3), b = SyntheticFaces.patches(perClass: 6, seed: 3)
        XCTAssertEqual(a.images, b.images)
        XCTAssertEqual(a.labels, [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
        XCTAssertNotEqual(a.images, SyntheticFaces.patches(perClass: 6, seed: 4).images)
        for im in a.images {
            XCTAssertEqual(im.height, 25)
            XCTAssertTrue(im.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
        }
    }

    func testRealLFWSubsetWhenInstalled() throws {
        let url = URL(fileURLWithPath: FacesData.debianPath)
        try XCTSkipUnless(FileManager.default.fileExists(atPath: url.path), "python3-skimage is not installed")
        let p = try FacesData.read(url)
        XCTAssertEqual(p.count, 200)
        XCTAssertEqual(p.labels.filter { $0 == 1 }.count, 100)
        XCTAssertEqual(p.labels.prefix(100).allSatisfy { $0 == 1 }, true)
        let loaded = try FacesData.load(path: nil, seed: 0, log: { _ in })
        XCTAssertEqual(loaded.source, "python3-skimage")
        XCTAssertNotNil(loaded.licence)
    }

    func testWithoutThePackageItSaysHowToInstallAndGeneratesTheSameForm() throws {
        var lines: [String] = []
        let loaded = try FacesData.load(path: nil, seed: 7, log: { lines.append($0) }, installedPath: "/nonexistent/lfw_subset.npy")
        XCTAssertEqual(loaded.source, "generated")
        XCTAssertNil(loaded.licence)
        XCTAssertEqual(loaded.patches.count, 200)
        XCTAssertEqual(loaded.patches.labels.filter { $0 == 1 }.count, 100)
        XCTAssertEqual(lines.count, 1)
        XCTAssertTrue(lines[0].contains("apt-get install python3-skimage"), lines[0])
        XCTAssertEqual(loaded.patches.images, try FacesData.load(path: nil, seed: 7, log: { _ in }, installedPath: "/nonexistent").patches.images)
    }

    func testBadDataFileNamesTheFileAndTheShape() throws {
        let dir = try FileManager.default.url(for: .itemReplacementDirectory, in: .userDomainMask, appropriateFor: URL(fileURLWithPath: NSTemporaryDirectory()), create: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("wrong.npy")
        try NPY.write(Tensor.zeros([4, 24, 25]), to: url)
        XCTAssertThrowsError(try FacesData.load(path: url, seed: 0, log: { _ in })) { e in
            XCTAssertTrue("\(e)".contains("wrong.npy") && "\(e)".contains("[4, 24, 25]"), "\(e)")
        }
        try NPY.write(Tensor(shape: [2 * 2, 25, 25], scalars: [Float](repeating: 2, count: 4 * 625)), to: url)
        XCTAssertThrowsError(try FacesData.read(url)) { XCTAssertTrue("\($0)".contains("outside [0, 1]")) }
    }

    func testSplitKeepsClassBalanceAndMirrorsFlipColumns() {
        let p = SyntheticFaces.patches(perClass: 10, seed: 1)
        let (train, test) = p.stratifiedSplit(trainFraction: 0.7, seed: 5)
        XCTAssertEqual(train.labels.filter { $0 == 1 }.count, 7)
        XCTAssertEqual(test.labels.filter { $0 == 0 }.count, 3)
        XCTAssertEqual(Set(train.images + test.images).count, 20)
        let m = train.withMirrors
        XCTAssertEqual(m.count, 28)
        XCTAssertEqual(m.images[14][3, 0], train.images[0][3, 24])
        XCTAssertEqual(m.labels[14], train.labels[0])
    }

    func testScenesAreReproducibleAndHoldTheirFaces() {
        let p = SyntheticFaces.patches(perClass: 5, seed: 2)
        let a = FaceScenes.generate(count: 4, side: 81, faces: p.faces, distractors: p.nonFaces, seed: 9)
        let b = FaceScenes.generate(count: 4, side: 81, faces: p.faces, distractors: p.nonFaces, seed: 9)
        XCTAssertEqual(a.map(\.image), b.map(\.image))
        XCTAssertEqual(a.map(\.faces), b.map(\.faces))
        for s in a {
            XCTAssertTrue((1...3).contains(s.faces.count))
            for (i, f) in s.faces.enumerated() {
                XCTAssertTrue(f.row >= 0 && f.column >= 0 && f.row + 25 <= 81 && f.column + 25 <= 81)
                // The pasted window is one of the faces, pixel for pixel.
                XCTAssertTrue(p.faces.contains(s.image.crop(row: Int(f.row), column: Int(f.column), height: 25, width: 25)))
                for g in s.faces[(i + 1)...] { XCTAssertEqual(f.intersectionOverUnion(g), 0) }
            }
        }
        let relit = FaceScenes.relit(a, seed: 1)
        XCTAssertEqual(relit.map(\.faces), a.map(\.faces))
        XCTAssertNotEqual(relit[0].image, a[0].image)
        XCTAssertTrue(relit[0].image.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
        let negatives = FaceScenes.negatives(from: a, count: 30, seed: 4)
        XCTAssertEqual(negatives.count, 30)
        XCTAssertEqual(negatives, FaceScenes.negatives(from: a, count: 30, seed: 4))
    }
}

