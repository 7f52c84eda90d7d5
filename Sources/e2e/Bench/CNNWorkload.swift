import EndToEnd
import EndToEndNN

/// `bench_train.py cnn`: conv5x5(32)-relu-maxpool2-conv5x5(64)-relu-maxpool2-fc(1024->128)-relu-fc10,
/// Adam 1e-3, batch 64 (valid convolutions: 28 -> 24 -> 12 -> 8 -> 4).
enum CNNWorkload {
    static func make(seed: UInt64) -> ImageClassification {
        Random.seed(seed)
        let model = Sequential(
            Conv2d(1, 32, kernelSize: 5), ReLU(), MaxPool2d(2),
            Conv2d(32, 64, kernelSize: 5), ReLU(), MaxPool2d(2),
            Flatten(), Linear(1024, 128), ReLU(), Linear(128, 10))
        let optimizer = Adam(model.parameters(), learningRate: 1e-3)
        return ImageClassification(name: "cnn", model: model, optimizer: optimizer, batchSize: 64)
    }
}
