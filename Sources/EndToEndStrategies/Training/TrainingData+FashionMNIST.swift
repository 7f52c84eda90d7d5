import EndToEnd
import EndToEndData
import Foundation

extension TrainingData {
    /// Fashion-MNIST's training and test splits as flat `[N, 784]` inputs in [0, 1] with labels,
    /// cut to the first `trainCount` and `testCount` examples.
    public static func fashionMNIST(directory: URL = FashionMNIST.defaultDirectory, trainCount: Int = 60_000,
                                    testCount: Int = 10_000) throws -> (train: TrainingData, test: TrainingData) {
        let f = try FashionMNIST.load(directory: directory)
        func subset(_ split: (images: Tensor, labels: IntTensor), _ n: Int) throws -> TrainingData {
            let n = min(n, split.labels.count)
            let x = split.images.reshaped([split.images.shape[0], -1])[0..<n]
            return TrainingData(try TensorDataset(inputs: x, labels: IntTensor(shape: [n], scalars: Array(split.labels.scalars[0..<n]))))
        }
        return (try subset(f.train, trainCount), try subset(f.test, testCount))
    }
}
