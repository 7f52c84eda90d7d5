import EndToEnd
import EndToEndData
import EndToEndNN
import EndToEndTraining
import Foundation

/// The classic pipeline (Dalal & Triggs 2005): a fixed HOG descriptor of each 25×25 window,
/// then a linear SVM fitted on the descriptors alone; for detection, the SVM scores a sliding
/// window over the scene and non-maximum suppression keeps the local best.
final class HOGLinearSVM {
    /// Hand-set stages and constants, counted for the maintenance table.
    struct Design {
        /// HOG: 9 unsigned bins, 5×5-pixel cells, 2×2-cell blocks, L2-Hys (clip 0.2).
        var orientations = 9, cell = 5, block = 2
        /// SVM: L2 regularisation (weight decay) and its SGD settings.
        var weightDecay: Float = 1e-3, learningRate: Float = 0.05, momentum: Float = 0.9, batchSize = 32
        /// Detection: window stride, NMS overlap, detections kept per scene.
        var stride = 4, nmsIoU = 0.3, maxPerScene = 10
        static let handSetConstants = 11   // the ten above + L2-Hys' clip at 0.2
    }

    let design: Design
    let hog: HOG
    let svm: Linear
    private(set) var trainSeconds = 0.0
    /// The Trainer's records of the fit (training hinge loss per epoch).
    private(set) var history: [MetricsRecord] = []

    init(design: Design = Design(), seed: UInt64) throws {
        self.design = design
        hog = try HOG(orientations: design.orientations, cellHeight: design.cell, cellWidth: design.cell,
                      blockHeight: design.block, blockWidth: design.block, blockNormalization: .l2Hys)
        Random.seed(seed)
        svm = Linear(hog.featureCount(height: FacePatches.side, width: FacePatches.side), 1)
    }

    var parameters: Int { svm.parameters().reduce(0) { $0 + $1.value.count } }

    func descriptors(_ images: [GrayImage]) throws -> Tensor {
        let d = hog.featureCount(height: FacePatches.side, width: FacePatches.side)
        var flat: [Float] = []
        flat.reserveCapacity(images.count * d)
        for im in images { flat += try hog.features(im) }
        return Tensor(shape: [images.count, d], scalars: flat)
    }

    /// Fits the SVM (hinge loss + weight decay) through the project's `Trainer`; the HOG is fixed.
    func fit(_ patches: FacePatches, steps: Int, seed: UInt64) throws {
        let start = ProgressReporter.monotonicSeconds()
        let x = try descriptors(patches.images)
        let y = Tensor(shape: [patches.count, 1], scalars: patches.labels.map { $0 == 1 ? 1 : -1 })
        let loader = DataLoader(try TensorDataset(inputs: x, targets: y), batchSize: min(design.batchSize, patches.count), shuffle: true, seed: seed)
        let trainer = try Trainer(model: svm, optimizer: SGD(svm.parameters(), learningRate: design.learningRate, momentum: design.momentum,
                                                              weightDecay: design.weightDecay),
                                  loss: Self.hingeLoss, seed: seed)
        let summary = try trainer.fit(train: loader, steps: steps)
        history = summary.history
        trainSeconds = ProgressReporter.monotonicSeconds() - start
    }

    /// The SVM's objective: hinge loss on ±1 targets (the regulariser is the optimizer's weight decay).
    static func hingeLoss(_ output: Tensor, _ batch: Batch) -> Tensor {
        guard let targets = batch.targets else { fatalError("HOGLinearSVM: the batch has no ±1 targets") }
        return Loss.hinge(output, targets)
    }

    /// The SVM's signed margin for each window (positive: face).
    func scores(_ images: [GrayImage]) throws -> [Double] {
        let x = try descriptors(images)
        return withNoGrad { svm(x).scalars.map(Double.init) }
    }

    func accuracy(_ patches: FacePatches) throws -> Double {
        let s = try scores(patches.images)
        let acc = Accuracy(threshold: 0)
        try acc.update(Tensor(shape: [s.count], scalars: s.map(Float.init)), labels: patches.labelTensor)
        return acc.compute()
    }

    /// Sliding window over the scene, then non-maximum suppression.
    func detect(_ scene: GrayImage) throws -> [Detection] {
        let window = try SlidingWindow(height: FacePatches.side, width: FacePatches.side, stride: design.stride)
        let boxes = window.boxes(imageHeight: scene.height, imageWidth: scene.width)
        let crops = boxes.map { scene.crop(row: Int($0.row), column: Int($0.column), height: FacePatches.side, width: FacePatches.side) }
        let s = try scores(crops)
        let all = zip(boxes, s).map { Detection(box: $0, score: $1) }
        return try NonMaximumSuppression.apply(all, iouThreshold: design.nmsIoU, maxDetections: design.maxPerScene)
    }
}
