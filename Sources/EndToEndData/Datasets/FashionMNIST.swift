import EndToEnd
import Foundation

/// Fashion-MNIST (Zalando): 60,000 training and 10,000 test grayscale 28×28 images of
/// clothing in 10 classes, read from the four IDX files (gzip or not).
public enum FashionMNIST {
    /// Where the Debian package `dataset-fashion-mnist` installs the files.
    public static let defaultDirectory = URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist")

    /// The class names, in label order.
    public static let classNames = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]

    /// The four file names (each may also be present without `.gz`).
    public static let fileNames = [
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
    ]

    /// Loads both splits: images `[N, 1, 28, 28]` scaled to [0, 1], labels `[N]` in 0...9.
    public static func load(directory: URL = defaultDirectory) throws -> (
        train: (images: Tensor, labels: IntTensor), test: (images: Tensor, labels: IntTensor)
    ) {
        let urls = try fileNames.map { try locate($0, in: directory) }
        let train = try split(images: urls[0], labels: urls[1])
        let test = try split(images: urls[2], labels: urls[3])
        return (train, test)
    }

    static func split(images: URL, labels: URL) throws -> (images: Tensor, labels: IntTensor) {
        let x = try IDX.readImages(images)
        let y = try IDX.readLabels(labels)
        guard x.shape.count == 4, x.shape[1...] == [1, 28, 28] else {
            throw DataError(file: images.path, location: "byte 3", message: "expected 28×28 images, found shape \(x.shape)")
        }
        guard x.shape[0] == y.count else {
            throw DataError(file: labels.path, location: "byte 4", message: "\(y.count) labels for \(x.shape[0]) images in \(images.lastPathComponent)")
        }
        if let i = y.scalars.firstIndex(where: { $0 < 0 || $0 > 9 }) {
            throw DataError(file: labels.path, location: "byte \(8 + i)", message: "label \(y.scalars[i]) outside 0...9")
        }
        return (x, y)
    }

    static func locate(_ name: String, in directory: URL) throws -> URL {
        let gz = directory.appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: gz.path) { return gz }
        let raw = directory.appendingPathComponent(String(name.dropLast(3)))
        if FileManager.default.fileExists(atPath: raw.path) { return raw }
        throw DataError(
            file: gz.path,
            message: """
                Fashion-MNIST file not found. Install the data set with \
                `apt-get install dataset-fashion-mnist` (Debian; files go to \(defaultDirectory.path)), \
                or download \(fileNames.joined(separator: ", ")) from \
                https://github.com/zalandoresearch/fashion-mnist into a directory and pass it: \
                FashionMNIST.load(directory: URL(fileURLWithPath: "/path/to/fashion-mnist"))
                """)
    }
}
