import EndToEnd
import EndToEndNN

/// `bench_train.py mlp`: 784-512-256-10 ReLU MLP, SGD momentum 0.9 lr 0.05, batch 128.
enum MLPWorkload {
    static func make(seed: UInt64) -> ImageClassification {
        Random.seed(seed)
        let model = Sequential(Flatten(), Linear(784, 512), ReLU(), Linear(512, 256), ReLU(), Linear(256, 10))
        let optimizer = SGD(model.parameters(), learningRate: 0.05, momentum: 0.9)
        return ImageClassification(name: "mlp", model: model, optimizer: optimizer, batchSize: 128)
    }
}
