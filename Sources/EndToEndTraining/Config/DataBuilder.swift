import EndToEnd
import EndToEndData
import Foundation

/// An error while building the data of a configuration (a missing file, an unusable transform).
public struct DataBuildError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The loaders of a run, built by ``DataBuilder/build(_:)``.
public struct BuiltData {
    public let train: DataLoader<TensorDataset>
    /// Held out from the training set (`data.validation`); nil when that fraction is 0.
    public let validation: DataLoader<TensorDataset>?
    /// The test split; nil only when none can be made.
    public let test: DataLoader<TensorDataset>?
    /// One example's input shape (without the batch dimension).
    public let featureShape: [Int]
    public let classes: Int?
}

/// Builds the train / validation / test loaders of a ``TrainingConfig`` with the existing
/// readers and generators.
///
/// Test splits: fashion-mnist uses its 10,000 `t10k` images; the synthetic sets (spirals,
/// blobs, parity-lines) generate a test set of the same size and settings from an
/// independent seed (blobs keep the training set's centres); csv and npy hold out 20% of
/// the rows (before the validation split). The validation set is `data.validation` of what
/// remains for training. Random transforms apply to the training loader only; `normalize`
/// applies to every split.
public enum DataBuilder {
    /// Fraction of a csv/npy file held out as the test split.
    public static let fileTestFraction = 0.2

    static func mix(_ seed: UInt64, _ salt: UInt64) -> UInt64 {
        var z = (seed ^ salt) &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The raw train and test data sets (before the validation split).
    public static func datasets(_ config: TrainingConfig) throws -> (train: TensorDataset, test: TensorDataset?) {
        let d = config.data
        let seed = config.seed
        let testSeed = mix(seed, 0x7E57_5EED)
        switch d.name {
        case .fashionMNIST:
            let dir = URL(fileURLWithPath: d.path ?? FashionMNIST.defaultDirectory.path)
            let data = try FashionMNIST.load(directory: dir)
            return (try TensorDataset(inputs: data.train.images, labels: data.train.labels),
                    try TensorDataset(inputs: data.test.images, labels: data.test.labels))
        case .spirals:
            let points = d.points ?? 500, arms = d.arms ?? 2
            let noise = Float(d.noise ?? 0.05), turns = Float(d.turns ?? 1)
            return (Spirals(arms: arms, points: points, noise: noise, turns: turns, seed: seed).data,
                    Spirals(arms: arms, points: points, noise: noise, turns: turns, seed: testSeed).data)
        case .blobs:
            let points = d.points ?? 100
            let train = GaussianBlobs(classes: d.classes ?? 3, pointsPerClass: points, dimensions: d.dimensions ?? 2,
                                      std: Float(d.std ?? 1), seed: seed)
            let dim = train.centers.shape[1]
            let flat = train.centers.scalars
            let centers = stride(from: 0, to: flat.count, by: dim).map { Array(flat[$0..<($0 + dim)]) }
            let test = GaussianBlobs(centers: centers, pointsPerClass: points, std: Float(d.std ?? 1), seed: testSeed)
            return (train.data, test.data)
        case .parityLines:
            let k = d.k ?? 1, count = d.count ?? 1000
            return (ParityLines(k: k, count: count, seed: seed).materialized(),
                    ParityLines(k: k, count: count, seed: testSeed).materialized())
        case .csv:
            guard let path = d.path else { throw DataBuildError("data.path: a csv data set needs a file") }
            let table = try CSVTable.read(URL(fileURLWithPath: path))
            guard let target = d.labelColumn ?? table.columnNames.last else { throw DataBuildError("\(path): no columns") }
            let ds = try table.dataset(target: target, task: config.loss.isClassification ? .classification : .regression)
            var x = ds.features
            if let f = d.features, Shape.checkedCount(f) == x.shape[1] { x = x.reshaped([x.shape[0]] + f) }
            let all = try TensorDataset(inputs: x, labels: ds.labels, targets: ds.targets.map { $0.reshaped([$0.shape[0], 1]) })
            return try holdOutTest(all, seed: testSeed)
        case .npy:
            guard let inputs = d.inputs, let labels = d.labels else { throw DataBuildError("data: npy needs 'inputs' and 'labels'") }
            var x = try NPY.read(URL(fileURLWithPath: inputs))
            guard x.rank >= 1 else { throw DataBuildError("\(inputs): a scalar array; expected examples [N, ...]") }
            if let f = d.features, x.rank >= 1, Shape.checkedCount(f) == x.count / max(x.shape[0], 1) { x = x.reshaped([x.shape[0]] + f) }
            let all: TensorDataset
            do {
                if config.loss.isClassification {
                    let y = try NPY.readIntegers(URL(fileURLWithPath: labels))
                    all = try TensorDataset(inputs: x, labels: y.rank == 1 ? y : y.reshaped([y.count]))
                } else {
                    var t = try NPY.read(URL(fileURLWithPath: labels))
                    if t.rank == 1 { t = t.reshaped([t.shape[0], 1]) }
                    all = try TensorDataset(inputs: x, targets: t)
                }
            } catch let e as TensorError {
                throw DataBuildError("\(inputs), \(labels): \(e.message)")
            }
            return try holdOutTest(all, seed: testSeed)
        }
    }

    static func holdOutTest(_ all: TensorDataset, seed: UInt64) throws -> (train: TensorDataset, test: TensorDataset?) {
        let (train, test) = try all.trainValidationSplit(validationFraction: fileTestFraction, seed: seed)
        return (train, test.count > 0 ? test : nil)
    }

    /// The configured transforms: (training loader, evaluation loaders). `normalize` goes to
    /// both; the random augmentations to training only.
    static func transforms(_ d: DataConfig, featureShape: [Int]) throws -> (train: BatchTransform?, eval: BatchTransform?) {
        guard !d.transforms.isEmpty else { return (nil, nil) }
        guard featureShape.count >= 3 else {
            throw DataBuildError("data.transforms: transforms need image data [channels, height, width], but '\(d.name.rawValue)' examples have shape \(featureShape)")
        }
        var train: [BatchTransform] = [], eval: [BatchTransform] = []
        for t in d.transforms {
            switch t {
            case .normalize(let mean, let std):
                let n = Transforms.normalize(mean: mean.map { Float($0) }, std: std.map { Float($0) })
                train.append(n); eval.append(n)
            case .randomCrop(let size, let padding): train.append(Transforms.randomCrop(size: size, padding: padding))
            case .randomHorizontalFlip(let p): train.append(Transforms.randomHorizontalFlip(p: Float(p)))
            case .jitter(let b, let c, let n):
                train.append(Transforms.jitter(brightness: Float(b), contrast: Float(c), noiseStd: Float(n)))
            }
        }
        return (Transforms.compose(train), eval.isEmpty ? nil : Transforms.compose(eval))
    }

    /// Builds the loaders for `config` (seeded by `config.seed`).
    public static func build(_ config: TrainingConfig) throws -> BuiltData {
        let d = config.data
        let (all, test) = try datasets(config)
        guard all.count > 0 else { throw DataBuildError("data: the training set is empty") }
        var train = all
        var validation: TensorDataset?
        if d.validation > 0 {
            let parts = try all.trainValidationSplit(validationFraction: d.validation, seed: mix(config.seed, 0x7A11_D))
            train = parts.train
            if parts.validation.count > 0 { validation = parts.validation }
        }
        guard train.count > 0 else { throw DataBuildError("data.validation: no training examples left after the validation split") }
        let featureShape = Array(train.inputs.shape.dropFirst())
        var splits = [(name: "training", data: train)]
        if let validation { splits.append(("validation", validation)) }
        if let test { splits.append(("test", test)) }
        try DataValidation.check(config, splits: splits, featureShape: featureShape)
        let (trainT, evalT) = try transforms(d, featureShape: featureShape)
        func evalLoader(_ ds: TensorDataset?) -> DataLoader<TensorDataset>? {
            ds.map { DataLoader($0, batchSize: max(d.batchSize, 256), shuffle: false, seed: config.seed, transform: evalT) }
        }
        return BuiltData(
            train: DataLoader(train, batchSize: d.batchSize, shuffle: d.shuffle, seed: config.seed, transform: trainT),
            validation: evalLoader(validation), test: evalLoader(test),
            featureShape: featureShape, classes: d.classes)
    }
}

extension TrainingConfig {
    /// The train / validation / test loaders of this configuration (see ``DataBuilder``).
    public func buildData() throws -> BuiltData { try DataBuilder.build(self) }
}
