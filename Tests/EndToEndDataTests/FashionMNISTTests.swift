import EndToEnd
import Foundation
import XCTest
@testable import EndToEndData

final class FashionMNISTTests: XCTestCase {
    func testClassNames() {
        XCTAssertEqual(FashionMNIST.classNames.count, 10)
        XCTAssertEqual(FashionMNIST.classNames[0], "T-shirt/top")
        XCTAssertEqual(FashionMNIST.classNames[9], "Ankle boot")
    }

    func testMissingDirectoryExplainsHowToInstall() throws {
        let dir = try makeTemporaryDirectory(self)
        assertDataError(
            try FashionMNIST.load(directory: dir),
            [dir.path, "train-images-idx3-ubyte.gz", "apt-get install dataset-fashion-mnist", "FashionMNIST.load(directory:"])
    }

    func testCorruptFileNamesTheFile() throws {
        let dir = try makeTemporaryDirectory(self)
        for name in FashionMNIST.fileNames {
            try Data([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 0x07]).write(to: dir.appendingPathComponent(name))
        }
        assertDataError(try FashionMNIST.load(directory: dir), ["train-images-idx3-ubyte.gz", "byte 10", "invalid deflate block type 3"])
    }

    func testLoadsInstalledDataSet() throws {
        let dir = FashionMNIST.defaultDirectory
        guard FileManager.default.fileExists(atPath: dir.path) else {
            throw XCTSkip("Fashion-MNIST not installed at \(dir.path): apt-get install dataset-fashion-mnist")
        }
        let start = Date()
        let data = try FashionMNIST.load(directory: dir)
        print("FashionMNIST.load: \(String(format: "%.2f", Date().timeIntervalSince(start))) s")
        XCTAssertEqual(data.train.images.shape, [60000, 1, 28, 28])
        XCTAssertEqual(data.train.labels.shape, [60000])
        XCTAssertEqual(data.test.images.shape, [10000, 1, 28, 28])
        XCTAssertEqual(data.test.labels.shape, [10000])
        for labels in [data.train.labels, data.test.labels] {
            XCTAssertEqual(labels.scalars.min(), 0)
            XCTAssertEqual(labels.scalars.max(), 9)
        }
        // Each class has 6,000 training images.
        var counts = [Int](repeating: 0, count: 10)
        for l in data.train.labels.scalars { counts[Int(l)] += 1 }
        XCTAssertEqual(counts, [Int](repeating: 6000, count: 10))
        let (mean, lo, hi) = data.train.images.withContiguousData { p -> (Double, Float, Float) in
            var s = 0.0, lo: Float = 1, hi: Float = 0
            for i in 0..<(60000 * 784) { s += Double(p[i]); lo = min(lo, p[i]); hi = max(hi, p[i]) }
            return (s / Double(60000 * 784), lo, hi)
        }
        XCTAssertEqual(mean, 0.286, accuracy: 0.001)
        XCTAssertEqual(lo, 0)
        XCTAssertEqual(hi, 1)
    }
}
